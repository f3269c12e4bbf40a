"""Hostile bodies get a 400 in words and store nothing (issue 19, defect 5).

Each of these used to be a 500: a number too big for a float (an extra key holding 1e999), a lone
surrogate or a NUL character (not storable in PostgreSQL's jsonb), nesting 1,000 deep (RecursionError
in the parser), a stackLevel beyond a 32-bit integer (out of the column's range).
"""

import json

import pytest

from smartcharging.models import ChargingSchedule
from tests.smartcharging.api.conftest import url

pytestmark = pytest.mark.django_db


def send(client, asset, text: str):
    return client.post(url(asset), text.encode("utf-8", "surrogatepass"), content_type="application/json")


def with_extra(profile, raw_value: str) -> str:
    """The profile with one extra key whose value is written as raw JSON text."""
    return json.dumps(profile)[:-1] + f', "note": {raw_value}}}'


@pytest.mark.parametrize(
    ("raw_value", "words"),
    [
        ("1e999", "too large"),
        ('"\\ud800"', "surrogate"),
        ('"a\\u0000b"', "NUL"),
        ('{"k\\u0000": 1}', "NUL"),
        ("[" * 1000 + "]" * 1000, "nested"),
    ],
    ids=["huge-number", "lone-surrogate", "nul-in-text", "nul-in-key", "deep-nesting"],
)
def test_a_hostile_value_anywhere_is_refused_in_words(axle_api, smart_asset, profile, raw_value, words):
    response = send(axle_api, smart_asset, with_extra(profile, raw_value))
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert not ChargingSchedule.objects.exists()


def test_a_stack_level_beyond_32_bits_is_refused_naming_the_field(axle_api, smart_asset, profile):
    response = send(axle_api, smart_asset, json.dumps({**profile, "stackLevel": 2**31}))
    assert response.status_code == 400
    assert "stackLevel" in response.json()
    assert not ChargingSchedule.objects.exists()
