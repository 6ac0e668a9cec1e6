"""注销 (account deletion) and how long personal data is kept (retention)."""
