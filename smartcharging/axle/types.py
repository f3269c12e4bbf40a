"""The shapes of what goes to Axle (TypedDicts) and of what comes back (frozen dataclasses).

Payloads take Python values (aware datetimes, dates, times, UUIDs, Decimals); session.py encodes
them as Axle expects. Answers are read strictly through `fields.Fields`: an answer without a field
the platform relies on is refused with an AxleProtocolError naming that field, rather than half-read.
Fields in Axle's OpenAPI document that the platform does not rely on are optional here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal, NotRequired, Self, TypedDict
from uuid import UUID

from .fields import Fields

Proposition = Literal["limited_pause", "full_asset_schedule_control"]
TariffType = Literal["single_rate", "dual_rate", "dynamic", "smart", "unknown"]
ChargingMode = Literal["maximise_charging_time", "minimise_charging_time"]
EventStatus = Literal["RECEIVED", "ACCEPTED", "REJECTED", "FAILED", "EXECUTED"]
AssetType = Literal["charger", "battery", "heat pump", "electric_vehicle", "hot water tank"]
DispatchMethod = Literal["limited_pause", "full_asset_schedule_control", "cm_infrequent_dispatch"]
ReadingLabel = Literal[
    "charger_consumption_energy_kwh",
    "charger_lifetime_consumption_energy_kwh",
    "boundary_import_kw",
    "boundary_lifetime_import_energy_kwh",
    "boundary_lifetime_export_energy_kwh",
    "provisional_consumption_kwh",
]
EnrolStatus = Literal["enrolled", "already_enrolled"]
UnenrolStatus = Literal["unenrolled", "already_unenrolled"]
_ENROL_STATUSES: tuple[EnrolStatus, ...] = ("enrolled", "already_enrolled")
_UNENROL_STATUSES: tuple[UnenrolStatus, ...] = ("unenrolled", "already_unenrolled")

# --- Sent to Axle ---------------------------------------------------------------------------------


class SitePayload(TypedDict):
    mpan: str
    postcode: str
    street_address: NotRequired[str]
    email: NotRequired[str]
    gave_boundary_meter_consent_at: NotRequired[datetime]


class AssetPropertiesPayload(TypedDict, total=False):
    power_kw: float | Decimal
    capacity_kwh: float | Decimal


class AssetPayload(TypedDict):
    external_id: str
    type: AssetType
    asset_model: NotRequired[str]
    installation_date: NotRequired[date]
    properties: NotRequired[AssetPropertiesPayload]


class TariffPayload(TypedDict):
    off_peak_times: str  # "00:00-05:30, 23:30-24:00": smartcharging.offpeak builds it
    timezone: str
    tariff_type: NotRequired[TariffType]


class IntentPayload(TypedDict):
    energy_required_kwh: float | Decimal
    ready_by: datetime  # deprecated by Axle, but its schema still requires it
    ready_by_local_time: NotRequired[time]
    energy_estimated: NotRequired[bool]
    may_charge_peak: NotRequired[bool]
    charging_mode: NotRequired[ChargingMode]


class VehiclePayload(TypedDict):
    charging_rate_kw: float | Decimal


class ChargingBlockPayload(TypedDict):
    start_timestamp: datetime
    end_timestamp: datetime


class ReadingPayload(TypedDict):
    asset_id: UUID | str
    start_timestamp: datetime
    end_timestamp: datetime
    value: float | Decimal
    label: ReadingLabel


# --- Read from Axle's answers ---------------------------------------------------------------------
@dataclass(frozen=True)
class TokenAnswer:
    """Axle's answer to the token call; the token stays out of the repr."""

    access_token: str = field(repr=False)
    token_type: str

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(access_token=fields.text("access_token"), token_type=fields.text("token_type"))


@dataclass(frozen=True)
class SiteResult:
    site_id: UUID
    site_created: bool
    fields_updated: tuple[str, ...]
    warnings: tuple[str, ...]

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            site_id=fields.identifier("site_id"),
            site_created=fields.flag("site_created"),
            fields_updated=fields.texts("fields_updated"),
            warnings=fields.texts("warnings"),
        )


@dataclass(frozen=True)
class AssetResult:
    asset_id: UUID
    external_id: str
    asset_created: bool | None
    fields_updated: tuple[str, ...]
    warnings: tuple[str, ...]

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            asset_id=fields.identifier("asset_id"),
            external_id=fields.text("external_id"),
            asset_created=fields.optional_flag("asset_created"),
            fields_updated=fields.texts("fields_updated"),
            warnings=fields.texts("warnings"),
        )


def _asset_ids(assets: tuple[AssetResult, ...]) -> dict[str, UUID]:
    return {asset.external_id: asset.asset_id for asset in assets}


@dataclass(frozen=True)
class EnrolAnswer:
    site_id: UUID
    status: EnrolStatus  # both mean the site is enrolled
    raw: Mapping[str, object] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        status = fields.choice("status", _ENROL_STATUSES)
        return cls(site_id=fields.identifier("site_id"), status=status, raw=fields.raw)


@dataclass(frozen=True)
class UnenrolAnswer:
    site_id: UUID
    status: UnenrolStatus  # both mean the site is no longer enrolled
    raw: Mapping[str, object] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        status = fields.choice("status", _UNENROL_STATUSES)
        return cls(site_id=fields.identifier("site_id"), status=status, raw=fields.raw)


@dataclass(frozen=True)
class OnboardAnswer:
    site: SiteResult
    assets: tuple[AssetResult, ...]
    enrolment: EnrolAnswer
    raw: Mapping[str, object] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            site=SiteResult.parse(fields.child("site")),
            assets=tuple(AssetResult.parse(asset) for asset in fields.children("assets")),
            enrolment=EnrolAnswer.parse(fields.child("enrolment")),
            raw=fields.raw,
        )

    @property
    def asset_ids(self) -> dict[str, UUID]:
        """Axle's asset id for each of our external ids."""
        return _asset_ids(self.assets)


@dataclass(frozen=True)
class LegacyOnboardAnswer:
    site_id: UUID
    asset_id: UUID
    external_id: str
    raw: Mapping[str, object] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        site, asset = fields.child("site"), fields.child("asset")
        return cls(
            site_id=site.identifier("id"),
            asset_id=asset.identifier("id"),
            external_id=asset.text("external_id"),
            raw=fields.raw,
        )


@dataclass(frozen=True)
class PropositionEligibility:
    proposition: str
    is_eligible: bool
    issues: tuple[str, ...]  # e.g. asset_model_not_set, asset_installation_date_not_set

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            proposition=fields.text("proposition"),
            is_eligible=fields.flag("is_eligible"),
            issues=fields.texts("issues"),
        )


@dataclass(frozen=True)
class AssetEligibility:
    asset_id: UUID
    external_id: str
    propositions: tuple[PropositionEligibility, ...]

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            asset_id=fields.identifier("asset_id"),
            external_id=fields.text("external_id"),
            propositions=tuple(
                PropositionEligibility.parse(item) for item in fields.children("propositions", required=False)
            ),
        )


@dataclass(frozen=True)
class Eligibility:
    eligible_propositions: tuple[str, ...]
    assets: tuple[AssetEligibility, ...]
    site_id: UUID | None
    has_meter_consent: bool | None
    is_half_hourly_settled: bool | None
    raw: Mapping[str, object] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        site = fields.child("site_properties") if fields.raw.get("site_properties") is not None else None
        return cls(
            eligible_propositions=fields.texts("eligible_propositions"),
            assets=tuple(AssetEligibility.parse(item) for item in fields.children("assets", required=False)),
            site_id=fields.optional_identifier("site_id"),
            has_meter_consent=site.optional_flag("has_meter_consent") if site else None,
            is_half_hourly_settled=site.optional_flag("is_half_hourly_settled") if site else None,
            raw=fields.raw,
        )

    def issues_for(self, proposition: str) -> list[tuple[str, tuple[str, ...]]]:
        """(our external id, Axle's issue codes) for each charger not eligible for `proposition`."""
        return [
            (asset.external_id, eligibility.issues)
            for asset in self.assets
            for eligibility in asset.propositions
            if eligibility.proposition == proposition and not eligibility.is_eligible
        ]


@dataclass(frozen=True)
class InitialiseAnswer:
    site: SiteResult
    assets: tuple[AssetResult, ...]
    eligibility: Eligibility
    raw: Mapping[str, object] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            site=SiteResult.parse(fields.child("site")),
            assets=tuple(AssetResult.parse(asset) for asset in fields.children("assets")),
            eligibility=Eligibility.parse(fields.child("eligibility")),
            raw=fields.raw,
        )

    @property
    def asset_ids(self) -> dict[str, UUID]:
        """Axle's asset id for each of our external ids."""
        return _asset_ids(self.assets)


@dataclass(frozen=True)
class ChargingBlock:
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(start=fields.instant("start_timestamp"), end=fields.instant("end_timestamp"))


@dataclass(frozen=True)
class ReadingVerdict:
    asset_id: UUID
    start: datetime
    end: datetime
    label: str
    accepted: bool
    error: str | None

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            asset_id=fields.identifier("asset_id"),
            start=fields.instant("start_timestamp"),
            end=fields.instant("end_timestamp"),
            label=fields.text("label"),
            accepted=fields.flag("accepted"),
            error=fields.optional_text("error"),
        )


@dataclass(frozen=True)
class ReadingsAnswer:
    """Axle's verdict on each reading: a batch can be partly refused."""

    verdicts: tuple[ReadingVerdict, ...]

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(verdicts=tuple(ReadingVerdict.parse(item) for item in fields.children("responses")))

    @property
    def refused(self) -> tuple[ReadingVerdict, ...]:
        return tuple(verdict for verdict in self.verdicts if not verdict.accepted)


@dataclass(frozen=True)
class RewardsInfo:
    """Money in pence."""

    current_balance_pence: int
    total_earnings_pence: int
    minimum_withdrawal_threshold_pence: int
    can_withdraw: bool
    withdrawal_min_wait_days: int | None

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            current_balance_pence=fields.integer("current_balance_pence"),
            total_earnings_pence=fields.integer("total_earnings_pence"),
            minimum_withdrawal_threshold_pence=fields.integer("minimum_withdrawal_threshold_pence"),
            can_withdraw=fields.flag("can_withdraw"),
            withdrawal_min_wait_days=fields.optional_integer("withdrawal_min_wait_days"),
        )


@dataclass(frozen=True)
class RewardTransaction:
    transaction_id: UUID
    credit_pence: int
    transaction_type: str | None
    start_time: datetime | None
    end_time: datetime | None
    settlement_date: date | None
    flex_kwh: float | None
    payment_status: str | None

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            transaction_id=fields.identifier("transaction_id"),
            credit_pence=fields.integer("credit_pence"),
            transaction_type=fields.optional_text("transaction_type"),
            start_time=fields.optional_instant("start_time"),
            end_time=fields.optional_instant("end_time"),
            settlement_date=fields.optional_day("settlement_date"),
            flex_kwh=fields.optional_number("flex_kwh"),
            payment_status=fields.optional_text("payment_status"),
        )


@dataclass(frozen=True)
class RewardsTransactions:
    transactions: tuple[RewardTransaction, ...]
    is_below_withdrawal_minimum: bool
    days_until_minimum_wait_time_met: int | None

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            transactions=tuple(RewardTransaction.parse(item) for item in fields.children("transactions")),
            is_below_withdrawal_minimum=bool(fields.optional_flag("is_below_withdrawal_minimum")),
            days_until_minimum_wait_time_met=fields.optional_integer("days_until_minimum_wait_time_met"),
        )


@dataclass(frozen=True)
class WithdrawalUrl:
    """Anyone holding `url` can withdraw the balance: hand it to the user, never log or store it."""

    url: str = field(repr=False)
    expires_at: datetime | None

    @classmethod
    def parse(cls, fields: Fields) -> Self:
        return cls(
            url=fields.text("balance_withdrawal_url"),
            expires_at=fields.optional_instant("url_expiry_timestamp"),
        )
