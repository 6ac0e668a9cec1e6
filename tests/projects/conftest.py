from tests.console.conftest import console  # noqa: F401  (the signed-in console client)
