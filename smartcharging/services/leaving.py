"""Pausing and leaving: a homeowner stops smart charging (and starts it again), or moves out.

Stopping unenrols the site from what it follows but keeps it at Axle, so its rewards can still be
read and withdrawn; starting again re-enrols it in the same proposition. Moving out offboards the
site and its chargers at Axle (which deletes them, rewards included) and removes the household's
link to the site. Either way the chargers go back to their own schedule at once: every profile the
platform set is cleared, and no schedule stays current, so neither Axle's plan nor the fallback
comes back.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargers.models import Asset, ChargerCommand, CommandAction, CommandState, Site
from chargers.services.commands import command_enqueue
from smartcharging.models import (
    ACTIVE_ENROLMENT_STATUSES,
    AuditAction,
    AxleEvent,
    ChargingSchedule,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    Proposition,
)
from smartcharging.models.schedules import ApplyState
from smartcharging.selectors import site_product

from .audit import Actor, audit_record
from .enrolments import enrolment_request, enrolment_withdraw
from .outbox import event_enqueue

STOPPED = (EnrolmentStatus.UNENROLLING, EnrolmentStatus.UNENROLLED)
# Where both are stopped at the same moment, Smart Charging is the one to start again (it wins).
_PRIORITY = {Proposition.SMART_CHARGING.value: 0, Proposition.FLEX_LITE.value: 1}


def stopped_proposition(site_id: int) -> Proposition | None:
    """The proposition "Start again" re-enrols: the one the site left last; None if it never left one."""
    left = Enrolment.objects.filter(site_id=site_id, status__in=STOPPED).values_list("proposition", "updated_at")
    if not left:
        return None
    proposition, _ = min(left, key=lambda row: (-row[1].timestamp(), _PRIORITY.get(row[0], 9)))
    return Proposition(proposition)


@transaction.atomic
def smart_charging_stop(*, site: Site, actor: Actor) -> Proposition | None:
    """Leave what the site follows; the chargers go back to their own schedule. None: already off.

    Axle keeps the site, so rewards stay readable. A site following both products (a migration
    under way) leaves both, the one it follows last, so that "Start again" picks that one.
    """
    _lock(site)
    product = site_product(site.pk)
    if product is None:
        return None  # already off: a second tap changes nothing
    others = (
        Enrolment.objects.filter(site=site, status__in=ACTIVE_ENROLMENT_STATUSES)
        .exclude(proposition=product)
        .values_list("proposition", flat=True)
    )
    for proposition in list(others):
        enrolment_withdraw(site=site, proposition=Proposition(proposition))
    enrolment_withdraw(site=site, proposition=product)
    cleared = chargers_to_own_schedule(site=site, why="Smart charging was stopped by the homeowner.")
    audit_record(
        action=AuditAction.STOPPED,
        actor=actor,
        site=site,
        outcome=f"Unenrolment from {product.label} sent to Axle; {_chargers(cleared)} back on their own schedule.",
    )
    return product


@transaction.atomic
def smart_charging_restart(*, site: Site, actor: Actor) -> Proposition | None:
    """Re-enrol the site in the proposition it left; None if it already follows one.

    The homeowner's own tap, so Axle is told to override an earlier withdrawal. Raises
    ValidationError, in words for the homeowner, if there is nothing to start again.
    """
    _lock(site)
    if site_product(site.pk) is not None:
        return None  # already on: a second tap changes nothing
    proposition = stopped_proposition(site.pk)
    if proposition is None:
        raise ValidationError("This home hasn't joined smart charging, so there's nothing to start again.")
    enrolment_request(site=site, proposition=proposition, override_withdrawal=True)
    audit_record(
        action=AuditAction.RESTARTED,
        actor=actor,
        site=site,
        outcome=f"Enrolment in {proposition.label} sent to Axle (overriding the earlier withdrawal).",
    )
    return proposition


@transaction.atomic
def site_move_out(*, site: Site, actor: Actor) -> bool:
    """The household leaves the home: offboard it at Axle, clear the chargers, unlink the household.

    Axle deletes the site and its chargers, so their rewards can no longer be read: the page asks
    the homeowner to withdraw first. The offboarding is an outbox event: if Axle does not answer,
    the outbox retries it until it does (and only then forgets Axle's ids), but the household's
    link is removed at once anyway, so its people stop seeing the chargers straight away. The
    enrolments stop counting now (nothing more is sent for the site, no schedule is accepted for
    it); no separate unenrolment is sent, the offboarding covers it. The site, its chargers and
    their history stay, and the audit entry keeps the site and who moved out. False if the site
    has already moved out.
    """
    locked = Site.objects.select_for_update().filter(pk=site.pk).first()
    if locked is None or locked.household_id is None:
        return False
    now = timezone.now()
    known = _known_to_axle(locked)
    if known:
        event_enqueue(site=locked, kind=EventKind.OFFBOARD, payload={})
    Enrolment.objects.filter(site=locked, status__in=ACTIVE_ENROLMENT_STATUSES).update(
        # Awaiting the offboarding, which marks them unenrolled; Axle never knew a site with none.
        status=EnrolmentStatus.UNENROLLING if known else EnrolmentStatus.UNENROLLED,
        updated_at=now,
    )
    cleared = chargers_to_own_schedule(site=locked, why="The household moved out.")
    locked.household = None
    locked.save(update_fields=["household", "updated_at"])
    site.household = None
    axle = "offboarding sent to Axle" if known else "Axle never knew this home: nothing to offboard"
    audit_record(
        action=AuditAction.MOVED_OUT,
        actor=actor,
        site=locked,
        outcome=f"Household link removed; {axle}; {_chargers(cleared)} back on their own schedule.",
    )
    return True


def chargers_to_own_schedule(*, site: Site, why: str) -> int:
    """Put each of the site's chargers back on its own schedule now; returns how many chargers.

    In the caller's transaction. No schedule stays current (one not yet on the charger never
    will be), schedule commands not yet sent are cancelled, and each charger is sent a
    ClearChargingProfile with no filter: every profile the platform set goes, so the charger
    follows its own settings again (the platform is its only OCPP central system).
    """
    assets = list(Asset.objects.select_for_update().filter(site=site).order_by("pk"))
    now = timezone.now()
    current = ChargingSchedule.objects.filter(asset__in=assets, is_current=True)
    for schedule in current.only("pk", "apply_state", "apply_notes"):
        unapplied = schedule.apply_state in (ApplyState.PENDING, ApplyState.TRANSLATED)
        ChargingSchedule.objects.filter(pk=schedule.pk).update(
            is_current=False,
            superseded_at=now,
            apply_state=ApplyState.SUPERSEDED if unapplied else schedule.apply_state,
            apply_notes="\n".join(part for part in (schedule.apply_notes, why) if part),
        )
    ChargerCommand.objects.filter(asset__in=assets, state=CommandState.PENDING, schedule__isnull=False).update(
        state=CommandState.CANCELLED, error=f"Not sent: {why}"
    )
    for asset in assets:
        command_enqueue(asset=asset, action=CommandAction.CLEAR_CHARGING_PROFILE, payload={}, replaces_pending=True)
    return len(assets)


def address_first_line(site: Site) -> str:
    """What the homeowner types to confirm moving out: the address up to its first comma."""
    return site.street_address.split(",", 1)[0].strip()


def _known_to_axle(site: Site) -> bool:
    """Axle has the site, or will once an onboarding already in the outbox is delivered before ours."""
    if site.axle_site_id is not None:
        return True
    return AxleEvent.objects.filter(site=site, kind=EventKind.ONBOARD, state=EventState.PENDING).exists()


def _lock(site: Site) -> None:
    # Two taps at once: the second waits, then sees the first one's result and changes nothing.
    list(Site.objects.select_for_update().filter(pk=site.pk).values_list("pk", flat=True))


def _chargers(count: int) -> str:
    return f"{count} charger{'s' if count != 1 else ''}"
