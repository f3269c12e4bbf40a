"""A household joining Axle's programme from its own page, rejoining, and withdrawing its consent.

Joining saves what the homeowner gave (consent to the updated terms, the MPAN, each charger's make,
model and installation date) and asks Axle through the outbox with the advanced flow
(`onboarding.sites_initialise_request`): initialise, then enrol only if Axle finds the site
eligible. Each function locks the site first, so a form sent twice (two tabs, a double tap) finds
the first request already made and changes nothing.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargers.models import Asset, Site
from chargers.validators import validate_mpan
from smartcharging.models import (
    ACTIVE_ENROLMENT_STATUSES,
    AuditAction,
    AxleEvent,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    Proposition,
)

from .audit import Actor, audit_record
from .enrolments import enrolment_withdraw
from .leaving import chargers_to_own_schedule
from .onboarding import sites_initialise_request

MPAN_TAKEN = (
    "This MPAN is already registered to another home with us. Check it against your electricity "
    "bill; if it is right, contact us and we'll sort it out."
)
NO_CHARGER = "There's no charger at this home yet. Once it's installed and connected, you can join."
NO_CONSENT = "Tick the box to agree to the terms: Axle can't plan your charging without it."


class JoinOutcome(enum.StrEnum):
    REQUESTED = "requested"  # sent to Axle (through the outbox)
    ALREADY = "already"  # already joining or joined: nothing changed


@dataclass(frozen=True)
class ChargerDetails:
    """What Axle's eligibility needs about a charger; None keeps what is stored."""

    asset_id: int
    make: str | None = None
    model: str | None = None
    installation_date: date | None = None


def new_user_proposition() -> Proposition:
    return Proposition(settings.NEW_USER_PROPOSITION)


def _lock(site: Site) -> Site:
    return Site.objects.select_for_update().get(pk=site.pk)


def _is_active(site: Site) -> bool:
    return Enrolment.objects.filter(site=site, status__in=ACTIVE_ENROLMENT_STATUSES).exists()


@transaction.atomic
def site_join(
    *,
    site: Site,
    consent: bool,
    mpan: str,
    chargers: Sequence[ChargerDetails] = (),
    actor: Actor,
    proposition: Proposition | None = None,
) -> JoinOutcome:
    """Save the homeowner's answers and ask Axle to take the site on; nothing twice.

    A site already joining or in a programme is left alone. Raises ValidationError (by field:
    "consent", "mpan", or none for a charger) with words for the homeowner; nothing is saved then.
    """
    site = _lock(site)
    if _is_active(site):
        return JoinOutcome.ALREADY
    proposition = proposition or new_user_proposition()
    mpan = "".join(mpan.split())
    errors: dict[str, list[str]] = {}
    if not consent:
        errors["consent"] = [NO_CONSENT]
    try:
        validate_mpan(mpan)
    except ValidationError as error:
        errors["mpan"] = error.messages
    else:
        if Site.objects.filter(mpan=mpan).exclude(pk=site.pk).exists():
            errors["mpan"] = [MPAN_TAKEN]
    assets = {asset.pk: asset for asset in site.assets.order_by("pk")}
    if not assets:
        errors.setdefault("__all__", []).append(NO_CHARGER)
    for details in chargers:
        asset = assets.get(details.asset_id)
        if asset is None:
            raise ValidationError("That charger is not at this home.")
        _apply(asset, details)
    for asset in assets.values():
        missing = _missing(asset)
        if missing:
            errors.setdefault("__all__", []).append(f"Please give your charger's {missing}.")
        elif asset.installation_date and asset.installation_date > timezone.localdate():
            errors.setdefault("__all__", []).append("The installation date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    site.mpan = mpan
    site.meter_consent_at = timezone.now()
    site.save(update_fields=["mpan", "meter_consent_at", "updated_at"])
    for asset in assets.values():
        asset.save(update_fields=["make", "model", "installation_date", "updated_at"])
    audit_record(
        action=AuditAction.JOINED,
        actor=actor,
        site=site,
        outcome=f"Consented to the updated terms; asked to join {proposition.label}.",
    )
    queued, refused = sites_initialise_request(sites=[site], proposition=proposition, actor=actor)
    if refused:  # checked above; a refusal here means the rules changed under us
        raise ValidationError(" ".join(refused.values()))
    return JoinOutcome.REQUESTED if queued else JoinOutcome.ALREADY


def _apply(asset: Asset, details: ChargerDetails) -> None:
    if details.make is not None:
        asset.make = details.make.strip()
    if details.model is not None:
        asset.model = details.model.strip()
    if details.installation_date is not None:
        asset.installation_date = details.installation_date


def _missing(asset: Asset) -> str:
    parts = [
        name
        for name, value in (
            ("make", asset.make),
            ("model", asset.model),
            ("installation date", asset.installation_date),
        )
        if not value
    ]
    return " and ".join(parts)


def refused_for_withdrawal(enrolment: Enrolment) -> bool:
    """Axle refused the enrolment because the household withdrew from it earlier (its 422 says so)."""
    if enrolment.status != EnrolmentStatus.FAILED or enrolment.axle_status_code != 422:
        return False
    return "withdr" in json.dumps(enrolment.axle_response, default=str).lower()


def withdrawn_refusal(site: Site) -> Enrolment | None:
    """The enrolment Axle refused because the household withdrew earlier, if that is the latest word."""
    enrolment = Enrolment.objects.filter(site=site, status=EnrolmentStatus.FAILED).order_by("-updated_at").first()
    return enrolment if enrolment is not None and refused_for_withdrawal(enrolment) else None


@transaction.atomic
def site_rejoin(*, site: Site, actor: Actor) -> JoinOutcome:
    """The homeowner's own request to rejoin after withdrawing earlier: asks Axle to override it.

    Only this explicit action sends `override_withdrawal`; a site not refused for an earlier
    withdrawal (or already joining again) is left alone.
    """
    site = _lock(site)
    refusal = withdrawn_refusal(site)
    if refusal is None or _is_active(site):
        return JoinOutcome.ALREADY
    proposition = Proposition(refusal.proposition)
    audit_record(
        action=AuditAction.JOINED,
        actor=actor,
        site=site,
        outcome=f"Asked to rejoin {proposition.label} after withdrawing earlier (override_withdrawal).",
    )
    queued, refused = sites_initialise_request(
        sites=[site], proposition=proposition, actor=actor, override_withdrawal=True
    )
    if refused:
        raise ValidationError(" ".join(refused.values()))
    return JoinOutcome.REQUESTED if queued else JoinOutcome.ALREADY


@transaction.atomic
def site_consent_withdraw(*, site: Site, actor: Actor) -> list[Enrolment]:
    """Clear the meter consent and leave every programme the site is in or joining.

    The site then follows neither product. An initialise not sent yet is dropped (it carries the
    consent); one already at Axle enrols nothing afterwards (`site_initialised` checks). Returns
    the enrolments withdrawn; withdrawing twice changes nothing.
    """
    site = _lock(site)
    active = list(Enrolment.objects.filter(site=site, status__in=ACTIVE_ENROLMENT_STATUSES).order_by("proposition"))
    if site.meter_consent_at is None and not active:
        return []
    site.meter_consent_at = None
    site.save(update_fields=["meter_consent_at", "updated_at"])
    dropped = AxleEvent.objects.filter(
        site=site, kind=EventKind.INITIALISE, state=EventState.PENDING, lease_token__isnull=True
    ).update(state=EventState.SUPERSEDED, last_error="Not sent: the homeowner withdrew their consent.")
    withdrawn = []
    for enrolment in active:
        if dropped and site.axle_site_id is None:
            # Axle never heard of the site: there is nothing to unenrol there.
            enrolment.status, enrolment.unenrolled_at = EnrolmentStatus.UNENROLLED, timezone.now()
            enrolment.save(update_fields=["status", "unenrolled_at", "updated_at"])
            withdrawn.append(enrolment)
        else:
            withdrawn.append(enrolment_withdraw(site=site, proposition=Proposition(enrolment.proposition)))
    # As on "Stop": without consent nothing of Axle's may stay on the chargers.
    chargers_to_own_schedule(site=site, why="The homeowner withdrew their consent.")
    left = ", ".join(Proposition(e.proposition).label for e in withdrawn) or "no programme"
    audit_record(action=AuditAction.CONSENT_WITHDRAWN, actor=actor, site=site, outcome=f"Consent cleared; left {left}.")
    return withdrawn
