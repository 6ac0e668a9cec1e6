
import pytest

from tests.factories import MONDAY_8AM, build_hall, citizen_with_identity

__all__ = ["MONDAY_8AM"]


@pytest.fixture
def hall(db_session):
    return build_hall(db_session, MONDAY_8AM)


@pytest.fixture
def make_citizen(db_session, cipher):
    counter = iter(range(1, 10_000))

    def make(name: str = "张三"):
        return citizen_with_identity(db_session, cipher, next(counter), name=name)

    return make
from tests.console.conftest import console  # noqa: F401  (the call screen test signs staff in)
