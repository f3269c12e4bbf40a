"""Recording a charger's meter samples and keeping its half-hourly energy up to date.

The OCPP gateway calls `meter_samples_record` with each MeterValues message. The samples are the
truth; `HalfHourEnergy` is derived from them and recomputed, for the half hours the new samples can
change, in the same transaction that stores them, so the two never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargers import halfhours
from chargers.models import Asset, HalfHourEnergy, MeterSample

SampleInput = tuple[datetime, float] | halfhours.MeterSample


def meter_samples_record(*, asset: Asset, samples: Sequence[SampleInput]) -> int:
    """Store the charger's register readings and recompute the half hours they affect.

    Samples may come in any order; one already stored for the same instant is ignored (chargers
    resend after reconnecting), as is a repeat within `samples` (the first copy is kept). Returns how
    many samples were new. Raises ValidationError, naming the sample, for a naive timestamp or a
    register that is not a non-negative number; nothing is stored then.
    """
    new = _validated(asset, samples)  # refused before any write, so a caller's transaction stays usable
    return _recorded(asset, new) if new else 0


@transaction.atomic(savepoint=False)  # inside a transaction's start or stop: a savepoint would buy nothing
def _recorded(asset: Asset, new: dict[datetime, float]) -> int:
    # One recording per charger at a time: two concurrent ones would each recompute the half hours
    # from a view missing the other's samples, and the last to commit would win with wrong energy.
    list(Asset.objects.select_for_update().filter(pk=asset.pk).values_list("pk", flat=True))

    stored = MeterSample.objects.filter(asset=asset)
    lo, hi = min(new), max(new)
    # The spans between stored samples that the new ones split run from the stored sample just
    # before the earliest new one to the one just after the latest; the half hours they touch are
    # the only ones whose energy can change.
    before = stored.filter(taken_at__lt=lo).order_by("-taken_at").values_list("taken_at", flat=True).first()
    after = stored.filter(taken_at__gt=hi).order_by("taken_at").values_list("taken_at", flat=True).first()
    first_interval = halfhours.half_hour_floor(before or lo)
    end = _half_hour_ceiling(after or hi)
    # Those half hours also hold energy from spans that start before the first (or end after the
    # last) of them, so the samples are read from the one at or before its start to the one at or
    # after their end: every span overlapping an affected half hour is then complete.
    # With nothing stored before (or after) the new samples there is nothing further out to find: a new
    # reading appended after the last one, the usual case, skips the query for the window's end.
    window_start = (
        before
        and stored.filter(taken_at__lte=first_interval).order_by("-taken_at").values_list("taken_at", flat=True).first()
    ) or first_interval
    window_end = (
        after and stored.filter(taken_at__gte=end).order_by("taken_at").values_list("taken_at", flat=True).first()
    ) or end
    register_at = dict(stored.filter(taken_at__range=(window_start, window_end)).values_list("taken_at", "register_wh"))

    fresh = {taken_at: wh for taken_at, wh in new.items() if taken_at not in register_at}
    # ignore_conflicts still matters: a sample committed by a request that did not lock the asset.
    MeterSample.objects.bulk_create(
        [MeterSample(asset=asset, taken_at=taken_at, register_wh=wh) for taken_at, wh in fresh.items()],
        ignore_conflicts=True,
    )
    register_at.update(fresh)

    # The energy is recomputed from the window's first sample, so an interval's rounding to 1 Wh can
    # differ by 1 Wh from an earlier computation started elsewhere; totals stay within 1 Wh.
    now = timezone.now()
    intervals = halfhours.half_hourly_energy(
        halfhours.MeterSample(taken_at, wh) for taken_at, wh in register_at.items()
    )
    HalfHourEnergy.objects.bulk_create(
        [
            HalfHourEnergy(
                asset=asset,
                interval_start=interval.start,
                energy_kwh=interval.energy_kwh,
                estimated=interval.estimated,
                updated_at=now,
            )
            for interval in intervals
            if first_interval <= interval.start < end
        ],
        update_conflicts=True,
        unique_fields=["asset", "interval_start"],
        update_fields=["energy_kwh", "estimated", "updated_at"],
    )
    return len(fresh)


def _validated(asset: Asset, samples: Sequence[SampleInput]) -> dict[datetime, float]:
    """The samples as {taken_at in UTC: register Wh}, first copy of a repeated instant kept."""
    readings: dict[datetime, float] = {}
    for sample in samples:
        taken_at, register_wh = (
            (sample.taken_at, sample.register_wh) if isinstance(sample, halfhours.MeterSample) else sample
        )
        if taken_at.tzinfo is None or taken_at.utcoffset() is None:
            raise ValidationError(
                f"Meter sample from charger {asset.ocpp_charge_point_id} at {taken_at.isoformat()} has no "
                "timezone; the charger must send timestamps with an offset (UTC)."
            )
        try:
            wh = float(register_wh)
        except (TypeError, ValueError):
            wh = math.nan
        if not math.isfinite(wh) or wh < 0:
            raise ValidationError(
                f"Meter sample from charger {asset.ocpp_charge_point_id} at {taken_at.isoformat()} has "
                f"register {register_wh!r} Wh; an energy register must be a number of Wh, zero or more."
            )
        readings.setdefault(taken_at.astimezone(UTC), wh)
    return readings


def _half_hour_ceiling(dt: datetime) -> datetime:
    floor = halfhours.half_hour_floor(dt)
    return floor if floor == dt else floor + halfhours.HALF_HOUR
