"""政策快享 / 免申即享: policies whose eligibility is a rule as data, matched to people and businesses."""
