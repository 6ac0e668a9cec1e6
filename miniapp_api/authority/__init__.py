"""Who may act for whom: the grants that let an account act on a person's or a business's records, in one place."""
