"""Axle's pushed schedules, read strictly: OCPP 1.6 rules that still apply after translation.

Field names are OCPP's own (camelCase), so a refusal names exactly the key Axle sent. Nulls are
accepted where Axle sends them (ids, recurrencyKind, validFrom, validTo): the platform supplies
its own values when translating for the charger.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from rest_framework import serializers

from chargers.profiles import ChargingProfile, SchedulePeriod

MAX_PERIODS = 1000  # a day in 30-second steps is under 3,000; more is a fault, not a plan
MAX_DURATION_S = 7 * 24 * 3600  # Axle plans up to the next ready-by; a week is generous
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class SchedulePeriodSerializer(serializers.Serializer[dict[str, Any]]):
    startPeriod = serializers.IntegerField(min_value=0)
    limit = serializers.FloatField(min_value=0)
    numberPhases = serializers.IntegerField(min_value=1, max_value=3, required=False, allow_null=True)


class ChargingScheduleSerializer(serializers.Serializer[dict[str, Any]]):
    duration = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_S, required=False, allow_null=True)
    startSchedule = serializers.DateTimeField(required=False, allow_null=True)
    chargingRateUnit = serializers.ChoiceField(choices=["W", "A"])
    chargingSchedulePeriod = SchedulePeriodSerializer(many=True, allow_empty=False)
    minChargingRate = serializers.FloatField(min_value=0, required=False, allow_null=True)

    def validate_startSchedule(self, value: datetime | None) -> datetime | None:
        if value is not None and not EARLIEST <= value < LATEST:
            raise serializers.ValidationError("startSchedule must be a date between 2020 and 2100.")
        return value

    def validate_chargingSchedulePeriod(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > MAX_PERIODS:
            raise serializers.ValidationError(f"At most {MAX_PERIODS} periods are accepted; got {len(value)}.")
        starts = [period["startPeriod"] for period in value]
        if starts[0] != 0:
            raise serializers.ValidationError("The first period must have startPeriod 0.")
        for index, (before, after) in enumerate(pairwise(starts), start=1):
            if after <= before:
                raise serializers.ValidationError(
                    f"startPeriod must rise from one period to the next; period {index} starts at {after}, "
                    f"not after {before}."
                )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        duration = attrs.get("duration")
        last_start = attrs["chargingSchedulePeriod"][-1]["startPeriod"]
        if duration is not None and last_start >= duration:
            raise serializers.ValidationError(
                {"duration": f"The schedule lasts {duration} s but its last period starts at {last_start} s."}
            )
        return attrs


class ChargingProfileSerializer(serializers.Serializer[dict[str, Any]]):
    chargingProfileId = serializers.IntegerField(required=False, allow_null=True)
    transactionId = serializers.IntegerField(required=False, allow_null=True)
    stackLevel = serializers.IntegerField(min_value=0, max_value=2**31 - 1)  # a 32-bit integer, as stored
    chargingProfilePurpose = serializers.ChoiceField(choices=["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"])
    chargingProfileKind = serializers.ChoiceField(choices=["Absolute", "Recurring", "Relative"])
    recurrencyKind = serializers.ChoiceField(choices=["Daily", "Weekly"], required=False, allow_null=True)
    validFrom = serializers.DateTimeField(required=False, allow_null=True)
    validTo = serializers.DateTimeField(required=False, allow_null=True)
    chargingSchedule = ChargingScheduleSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        schedule = attrs["chargingSchedule"]
        kind = attrs["chargingProfileKind"]
        if kind == "Absolute" and schedule.get("startSchedule") is None:
            raise serializers.ValidationError(
                {"chargingSchedule": {"startSchedule": ["An Absolute profile needs startSchedule."]}}
            )
        if kind == "Recurring" and attrs.get("recurrencyKind") is None:
            raise serializers.ValidationError({"recurrencyKind": ["A Recurring profile needs recurrencyKind."]})
        if attrs["chargingProfilePurpose"] == "ChargePointMaxProfile":
            raise serializers.ValidationError(
                {"chargingProfilePurpose": ["A schedule for a car's charge must be TxProfile or TxDefaultProfile."]}
            )
        valid_from, valid_to = attrs.get("validFrom"), attrs.get("validTo")
        if valid_from and valid_to and valid_to <= valid_from:
            raise serializers.ValidationError({"validTo": ["validTo must be after validFrom."]})
        return attrs


class WrapperSerializer(serializers.Serializer[dict[str, Any]]):
    """OCPP's SetChargingProfile request: `{"connectorId", "csChargingProfiles"}`."""

    connectorId = serializers.IntegerField(min_value=0)
    csChargingProfiles = ChargingProfileSerializer()


class EnvelopeSerializer(serializers.Serializer[dict[str, Any]]):
    """Axle's webhook envelope around either shape."""

    id = serializers.CharField(max_length=64)
    event_type = serializers.CharField(max_length=100, required=False, allow_blank=True)
    created_at = serializers.DateTimeField(required=False, allow_null=True)
    payload = serializers.JSONField()


def to_profile(data: dict[str, Any]) -> ChargingProfile:
    """The validated profile as the platform's typed ChargingProfile."""
    schedule = data["chargingSchedule"]
    return ChargingProfile(
        stack_level=data["stackLevel"],
        purpose=data["chargingProfilePurpose"],
        kind=data["chargingProfileKind"],
        rate_unit=schedule["chargingRateUnit"],
        periods=tuple(
            SchedulePeriod(p["startPeriod"], p["limit"], p.get("numberPhases"))
            for p in schedule["chargingSchedulePeriod"]
        ),
        start_schedule=schedule.get("startSchedule"),
        duration_s=schedule.get("duration"),
        min_charging_rate=schedule.get("minChargingRate"),
        recurrency_kind=data.get("recurrencyKind"),
        valid_from=data.get("validFrom"),
        valid_to=data.get("validTo"),
        charging_profile_id=data.get("chargingProfileId"),
        transaction_id=data.get("transactionId"),
    )
