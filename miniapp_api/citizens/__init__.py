"""Citizens: WeChat login, bearer sessions and the personal profile."""
