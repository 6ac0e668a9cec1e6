from datetime import datetime

import pytest

from miniapp_api.clock import SHANGHAI
from tests.factories import build_hall, citizen_with_identity

# Monday 23 November 2026, 08:00 in Shanghai: an ordinary working day.
MONDAY_8AM = datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture
def hall(db_session):
    return build_hall(db_session, MONDAY_8AM)


@pytest.fixture
def make_citizen(db_session, cipher):
    counter = iter(range(1, 10_000))

    def make(name: str = "张三"):
        return citizen_with_identity(db_session, cipher, next(counter), name=name)

    return make
