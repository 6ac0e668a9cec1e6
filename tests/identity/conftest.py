import pytest

from tests.factories import citizen_with_identity


@pytest.fixture
def make_citizen(db_session, cipher):
    """Face-verified citizens (n from 2000 up, apart from the numbers the tests type in)."""
    counter = iter(range(2000, 3000))

    def make(name: str = "张三", verified: bool = True):
        return citizen_with_identity(db_session, cipher, next(counter), name=name, verified=verified)

    return make
