"""Property-based fuzzing of every API operation from the served OpenAPI document (schemathesis).

As a logged-in citizen on /api/v1 and as an admin on /api/staff/v1, on PostgreSQL: never a 500, every
response matches its documented status and schema, and every 4xx is the error envelope. The CI profile
is bounded (FUZZ_EXAMPLES); `bench/fuzz` runs the long one.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.factories import CentreFactory, make_staff

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def identities(client, db_session, login, staff_login):
    CentreFactory()
    admin = make_staff(db_session, [], ("admin",))
    db_session.commit()
    return {"citizen": login("o-fuzzer"), "staff": staff_login(admin)}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_survives_generated_input(case, identities):
    headers = identities["staff" if case.path.startswith("/api/staff/") else "citizen"]
    response = case.call(headers={**headers, **(case.headers or {})})
    case.validate_response(response, checks=CHECKS)
    if 400 <= response.status_code < 500:
        error = response.json["error"]
        assert set(error) >= {"code", "message", "fields"} and error["message"], response.json
