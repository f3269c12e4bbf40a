"""Common UK tariffs a homeowner can start from.

Rates are typical published unit rates (p/kWh, incl. VAT) at the time of writing; they vary by
region and change often, so every preset only fills the form: the homeowner checks their bill and
edits the rates before saving. The windows are the suppliers' own off-peak hours in UK clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from smartcharging.models import TariffType


@dataclass(frozen=True)
class TariffPreset:
    key: str
    name: str
    tariff_type: TariffType
    windows: tuple[tuple[str, str], ...]  # (start, end) local clock times; may cross midnight
    peak_rate_pence: Decimal
    off_peak_rate_pence: Decimal | None
    note: str = ""

    @property
    def windows_text(self) -> str:
        return ", ".join(f"{start}-{end}" for start, end in self.windows)


TARIFF_PRESETS: tuple[TariffPreset, ...] = (
    TariffPreset(
        "intelligent-octopus-go", "Intelligent Octopus Go", TariffType.SMART,
        (("23:30", "05:30"),), Decimal("27.00"), Decimal("7.00"),
        "Octopus may add cheap slots outside these hours.",
    ),
    TariffPreset(
        "octopus-go", "Octopus Go", TariffType.DUAL_RATE, (("00:30", "05:30"),), Decimal("27.00"), Decimal("8.50"),
    ),
    TariffPreset(
        "edf-goelectric-35", "EDF GoElectric 35", TariffType.DUAL_RATE,
        (("00:00", "05:00"),), Decimal("28.00"), Decimal("8.00"),
    ),
    TariffPreset(
        "ovo-charge-anytime", "OVO Charge Anytime", TariffType.SMART, (), Decimal("25.00"), Decimal("7.00"),
        "OVO decides when to charge; no fixed cheap hours.",
    ),
    TariffPreset(
        "eon-next-drive", "E.ON Next Drive", TariffType.DUAL_RATE,
        (("00:00", "07:00"),), Decimal("26.00"), Decimal("6.70"),
    ),
    TariffPreset(
        "economy-7", "Economy 7", TariffType.DUAL_RATE, (("00:30", "07:30"),), Decimal("30.00"), Decimal("15.00"),
        "Hours vary by region: check your meter or bill.",
    ),
    TariffPreset("single-rate", "Single rate", TariffType.SINGLE_RATE, (), Decimal("26.00"), None),
)  # fmt: skip

PRESETS_BY_KEY = {preset.key: preset for preset in TARIFF_PRESETS}
