"""Fake Axle for the readings pipeline: the token endpoint and a /data/readings that reads the gzip body."""

import datetime as dt
import gzip
import json
import uuid
from typing import Any

import pytest
import responses
import time_machine

from smartcharging.models import EnrolmentStatus, Proposition
from tests.factories import AssetFactory, EnrolmentFactory
from tests.smartcharging.axle import fake_axle
from tests.smartcharging.axle.conftest import axle_settings  # noqa: F401 - shared: Axle's settings, fresh token

READINGS_URL = f"{fake_axle.BASE_URL}/data/readings"
ENROLLED_AT = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def wall_clock():
    """The real clock stands before every `now` the tests pass, so a run uses exactly that `now`.

    A run counts from the later of `now` and the real time; without this, these tests would start
    failing once the real date passed the dates they use.
    """
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), tick=False):
        yield


class FakeReadings:
    """Axle's `POST /data/readings`: unzips each body, keeps it, and gives a verdict per reading.

    `refuse` maps an asset id (str) to the `error` Axle gives for its readings; `silent` holds asset
    ids whose readings Axle leaves out of its answer; `poison` holds asset
    ids whose readings make Axle answer 422 for the whole request; `outage` is a list of whole-request
    answers (status, headers) given, in turn, before Axle answers normally again.
    """

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.refuse: dict[str, str] = {}
        self.silent: set[str] = set()
        self.poison: set[str] = set()
        self.outage: list[tuple[int, dict[str, str]]] = []
        self.mock: responses.RequestsMock | None = None

    def __call__(self, request):
        assert request.headers["Content-Encoding"] == "gzip"
        body = json.loads(gzip.decompress(request.body))
        self.bodies.append(body)
        if self.outage:
            status, headers = self.outage.pop(0)
            return status, headers, json.dumps({"detail": "Service Unavailable"})
        readings = body["readings"]
        if any(reading["asset_id"] in self.poison for reading in readings):
            detail = [{"loc": ["body", "readings", 0, "value"], "msg": "value is not a valid float"}]
            return 422, {}, json.dumps({"detail": detail})
        verdicts = []
        for reading in readings:
            if reading["asset_id"] in self.silent:
                continue
            error = self.refuse.get(reading["asset_id"])
            verdicts.append({**reading, "accepted": error is None, **({"error": error} if error else {})})
        return 200, {}, json.dumps({"responses": verdicts})

    @property
    def readings(self) -> list[dict[str, Any]]:
        """Every reading Axle received, in the order received."""
        return [reading for body in self.bodies for reading in body["readings"]]


@pytest.fixture
def axle_readings():
    """Fake Axle at the HTTP boundary; any request it was not told about fails the test."""
    fake = FakeReadings()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(fake_axle.TOKEN_URL, json=fake_axle.TOKEN_ANSWER)
        mock.add_callback(responses.POST, READINGS_URL, callback=fake)
        fake.mock = mock  # the raw calls, for tests that read the request itself
        yield fake


@pytest.fixture
def smart_charging_asset(db):
    """Makes a charger Axle knows, at a site enrolled in Smart Charging since ENROLLED_AT."""

    def make(**kwargs):
        asset = AssetFactory(axle_asset_id=uuid.uuid4(), **kwargs)
        EnrolmentFactory(
            site=asset.site,
            proposition=Proposition.SMART_CHARGING,
            status=EnrolmentStatus.ENROLLED,
            requested_at=ENROLLED_AT,
        )
        return asset

    return make
