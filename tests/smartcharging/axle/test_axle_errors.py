"""Axle's error bodies and Retry-After headers, made readable; errors that survive a trip through Celery."""

import pickle
from datetime import UTC, datetime

import pytest

from smartcharging.axle.errors import (
    AxleCredentialsError,
    AxleTransientError,
    describe_detail,
    parse_retry_after,
    scrub,
)

NOW = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("120", 120.0, id="delay-seconds"),
        pytest.param(" 0 ", 0.0, id="zero"),
        pytest.param("Tue, 14 Apr 2026 12:01:30 GMT", 90.0, id="http-date"),
        pytest.param("Tue, 14 Apr 2026 11:00:00 GMT", 0.0, id="http-date-past"),
        pytest.param("Tue, 14 Apr 2026 12:01:30 -0000", 90.0, id="http-date-naive"),
        pytest.param("soon", None, id="unreadable"),
        pytest.param("-5", None, id="negative"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_retry_after(header, seconds):
    assert parse_retry_after(header, now=NOW) == seconds


@pytest.mark.parametrize(
    ("body", "described"),
    [
        pytest.param(
            {"detail": [{"loc": ["query", "redirect_uri"], "msg": "field required", "type": "missing"}]},
            "query.redirect_uri: field required",
            id="422-query",
        ),
        pytest.param({"detail": [{"loc": ["body"], "msg": "Field required"}]}, "Field required", id="422-whole-body"),
        pytest.param({"detail": "Site not found"}, "Site not found", id="string-detail"),
        pytest.param({"detail": {"code": "withdrawn"}}, '{"code":"withdrawn"}', id="object-detail"),
        pytest.param({"error": "odd"}, '{"error":"odd"}', id="no-detail"),
        pytest.param("x" * 1000, "x" * 299 + "…", id="long-text"),
        pytest.param(None, "", id="empty"),
    ],
)
def test_describe_detail(body, described):
    assert describe_detail(body) == described


def test_errors_survive_pickling_with_their_details():
    error = AxleTransientError(
        "Axle answered 503: Service Unavailable",
        status_code=503,
        body={"detail": "down"},
        retry_after=30.0,
        duration_ms=12.0,
    )

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, as Celery would pass them

    assert type(copy) is AxleTransientError
    assert (str(copy), copy.status_code, copy.body, copy.retry_after, copy.duration_ms, copy.transient) == (
        "Axle answered 503: Service Unavailable",
        503,
        {"detail": "down"},
        30.0,
        12.0,
        True,
    )


def test_repr_leaves_the_body_out():
    error = AxleCredentialsError("Axle refused the platform's credentials", status_code=401, body={"x": "y" * 50})

    assert repr(error) == ('AxleCredentialsError(status_code=401, message="Axle refused the platform\'s credentials")')


def test_scrub_removes_secrets_at_any_depth():
    body = {"detail": [{"msg": "bad pw hunter2", "input": {"password": "hunter2"}, "loc": ["body", "hunter2"]}]}

    assert scrub(body, ("hunter2", "")) == {"detail": [{"msg": "bad pw [redacted]", "loc": ["body", "[redacted]"]}]}


def test_retry_after_in_other_digits_is_unreadable_not_an_error():
    """ "²" is a digit to `str.isdigit()` and not a number to `float()`."""
    assert parse_retry_after("²", now=NOW) is None
