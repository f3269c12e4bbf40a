"""The contract Axle's engineers read: the schema is served, describes every answer, and fuzzing the
endpoints from it with schemathesis never produces a server error."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.django_db


def test_schema_and_docs_page_are_served_without_a_token(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/axle/v1/assets/{asset_id}/charging-profile"]["post"]
    assert set(operation["responses"]) == {"202", "400", "401", "403", "404", "409", "413", "415", "503"}
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) == 3  # bare profile, SetChargingProfile wrapper, webhook envelope
    page = client.get("/api/docs/")
    assert page.status_code == 200


@pytest.fixture
def api_schema(db, axle_token, smart_asset):  # after them: their test client reconnects the signals
    # As Django's test client does: the WSGI handler must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_fuzzing_the_axle_endpoints_finds_no_server_error(api_schema, axle_token, smart_asset):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/axle/v1/assets/{asset_id}/charging-profile", "/api/axle/v1/ping"}
    seen: set[int] = set()
    calls: list[object] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case):
            calls.append(case)
            if case.path_parameters and len(calls) % 2:
                case.path_parameters["asset_id"] = str(smart_asset.axle_asset_id)  # half reach a real charger
            response = case.call(headers={"Authorization": f"Bearer {axle_token}"})
            seen.add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
    assert {200, 400, 404} <= seen  # it reached the ping, refused bad bodies, and refused unknown chargers
