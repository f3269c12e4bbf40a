"""Flex Lite (`limited_pause`): the user's own charging blocks, and Axle's answer as a charging profile.

At plug-in Axle's Flex Lite wants the charging the user would do anyway, as blocks of full power;
it answers with the same blocks, usually with one 30-minute pause, and those are applied to the
charger. Pure: plain values in, blocks or a ChargingProfile out; no database, no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from chargers.profiles import ChargingProfile, SchedulePeriod
from smartcharging import offpeak
from smartcharging.planner import AXLE_STACK_LEVEL, MINIMISE, PlanRequest, Stretch, plan_charging
from smartcharging.selectors import EffectiveIntent

# With no intent the user's own schedule is "charge now at full power". Axle wants an end, so the
# block lasts long enough to fill a typical car from low at home power (12 h x 7.4 kW = 89 kWh);
# the car stops drawing when it is full, so a longer block costs nothing.
CHARGE_NOW_BLOCK = timedelta(hours=12)
_SECOND = timedelta(seconds=1)


def own_blocks(
    *,
    plugged_in_at: datetime,
    intent: EffectiveIntent | None,
    off_peak: Sequence[offpeak.Window],
    zone: ZoneInfo,
    power_kw: Decimal,
) -> list[Stretch]:
    """The user's own charging blocks from plug-in, in UTC, in order.

    With an intent: the kWh asked for in the cheapest off-peak time first, then the latest peak
    time needed to be ready by its ready-by (the planner's minimise mode, peak allowed: the user's
    ready-by comes first). Wall-clock windows are read in `zone`, so clock-change nights have their
    real length. Without an intent (or with a ready-by too close to plan for): one block of
    CHARGE_NOW_BLOCK from plug-in, i.e. "charge now".
    """
    if intent is None or intent.ready_by - plugged_in_at < _SECOND:
        start = plugged_in_at.astimezone(UTC)
        return [(start, start + CHARGE_NOW_BLOCK)]
    plan = plan_charging(
        PlanRequest(
            start=plugged_in_at,
            ready_by=intent.ready_by,
            energy_kwh=intent.energy_required_kwh,
            power_kw=power_kw,
            off_peak=off_peak,
            zone=zone,
            mode=MINIMISE,
            may_charge_peak=True,
        )
    )
    return list(plan.charging)  # the stretches at full power: a block wherever the limit is above 0


def blocks_profile(blocks: Sequence[Stretch], *, power_w: float) -> ChargingProfile:
    """Axle's returned blocks as an Absolute TxProfile: `power_w` inside them, a pause between.

    It starts at the first block and ends with the last. Blocks out of order or overlapping (or
    ending before they start) are refused with ValueError: guessing what Axle meant could charge
    when Axle asked for a pause. Blocks that touch are one block.
    """
    if not blocks:
        raise ValueError("Axle returned no charging blocks.")
    for index, (start, end) in enumerate(blocks):
        if end <= start:
            raise ValueError(f"Block {index} ends ({end.isoformat()}) no later than it starts ({start.isoformat()}).")
        if index and start < blocks[index - 1][1]:
            raise ValueError(
                f"Block {index} starts ({start.isoformat()}) before block {index - 1} ends "
                f"({blocks[index - 1][1].isoformat()}): blocks must be in order and must not overlap."
            )
    first = blocks[0][0]

    def offset(moment: datetime) -> int:
        return (moment - first) // _SECOND  # OCPP's startPeriod is whole seconds

    periods: list[SchedulePeriod] = []
    for start, end in blocks:
        if periods and periods[-1].start_period_s == offset(start):
            periods.pop()  # a block touching the previous one: no pause between them
        else:
            periods.append(SchedulePeriod(offset(start), power_w))
        periods.append(SchedulePeriod(offset(end), 0.0))
    duration = periods.pop().start_period_s  # the closing pause is the end of the profile
    return ChargingProfile(
        stack_level=AXLE_STACK_LEVEL,  # as Axle's own schedules; translation lowers it for the charger
        purpose="TxProfile",
        kind="Absolute",
        rate_unit="W",
        periods=tuple(periods),
        start_schedule=first.astimezone(UTC),
        duration_s=duration,
        min_charging_rate=0.0,
    )
