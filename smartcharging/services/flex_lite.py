"""Flex Lite: Axle's answer to the plug-in schedule becomes the charger's schedule.

The user's own blocks go to Axle at plug-in (plugs.plug_in_schedule_enqueue); Axle answers with the
blocks to apply, usually with one 30-minute pause. Those are stored and applied like any schedule
(source FLEX_LITE), at the charger's full power inside the blocks and paused between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from chargers.models import Asset, PlugSession
from chargers.profiles import ChargingProfile
from smartcharging import flex_lite
from smartcharging.models import ScheduleShape, ScheduleSource
from smartcharging.planner import Stretch, profile_to_axle_json
from smartcharging.selectors import charger_capabilities

from .schedules import Received, schedule_receive


@dataclass(frozen=True)
class FlexLiteAnswer:
    profile: ChargingProfile | None  # None: nothing to store
    note: str  # recorded with the delivery, for admins


def flex_lite_answer_read(*, asset: Asset, blocks: Sequence[Stretch]) -> FlexLiteAnswer:
    """What Axle's returned blocks mean for the charger now.

    Raises ValueError for blocks out of order or overlapping (see flex_lite.blocks_profile).
    """
    if not blocks:
        return FlexLiteAnswer(None, "Axle returned no charging blocks: no schedule stored.")
    profile = flex_lite.blocks_profile(blocks, power_w=charger_capabilities(asset).rated_power_w)
    if not PlugSession.objects.filter(asset=asset, plugged_out_at__isnull=True).exists():
        # Applied now it would become the next session's default profile, with this night's pauses.
        return FlexLiteAnswer(None, "The car was unplugged before Axle's answer came: no schedule stored.")
    return FlexLiteAnswer(profile, f"Axle's {len(blocks)} block(s) stored as the charger's Flex Lite schedule.")


@transaction.atomic
def flex_lite_schedule_store(*, asset: Asset, profile: ChargingProfile, answer: object) -> Received:
    """Store the profile as the charger's current schedule (deduped, superseding, applied after commit)."""
    profile_json = profile_to_axle_json(profile)
    return schedule_receive(
        asset=asset,
        profile=profile,
        profile_json=profile_json,
        raw_payload=answer,
        shape=ScheduleShape.PROFILE,
        source=ScheduleSource.FLEX_LITE,
        notes="Flex Lite: Axle's blocks at the charger's full power, paused between them.",
    )
