"""Joining and leaving an Axle proposition, as events in the site's outbox stream.

Everything a site owes Axle on joining Smart Charging goes in the same stream, in the order
`joining.joining_events` gives: each charger's tariff, then the enrolment (or, for a site Axle
does not know yet, the onboarding first), then a plug-in for a car already plugged in.

The bulk forms serve the admin's migrations: the same rows and events for a batch of sites, in a
fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargers.models import Site
from smartcharging.models import AxleEvent, Enrolment, EnrolmentStatus, Proposition

from .joining import SiteFacts, joining_events, leaving_event, sites_facts
from .outbox import events_enqueue


@transaction.atomic
def enrolment_request(
    *, site: Site, proposition: Proposition, override_withdrawal: bool = False, email: str | None = None
) -> Enrolment:
    """Ask Axle to enrol the site (onboarding it first if Axle does not know it yet)."""
    facts = sites_facts([site.pk], lock=True)[site.pk]
    if facts.site.meter_consent_at is None:
        raise ValidationError("The homeowner has not consented to Axle reading their meter yet.")
    current = Enrolment.objects.filter(site=site, proposition=proposition).first()
    if current is not None and current.is_active:
        return current  # already joined or joining: asking twice changes nothing
    events_enqueue(
        enrolments_request_many(
            [facts], proposition=proposition, override_withdrawal=override_withdrawal, now=timezone.now(), email=email
        )
    )
    return Enrolment.objects.get(site=site, proposition=proposition)


@transaction.atomic
def enrolment_withdraw(*, site: Site, proposition: Proposition) -> Enrolment:
    """Ask Axle to stop the proposition for the site; the site and its history stay."""
    enrolment = Enrolment.objects.select_for_update().get(site=site, proposition=proposition)
    if enrolment.status in (EnrolmentStatus.UNENROLLING, EnrolmentStatus.UNENROLLED):
        return enrolment
    events_enqueue(enrolments_withdraw_many([site], proposition=proposition))
    enrolment.refresh_from_db()
    return enrolment


def enrolments_request_many(
    facts: Sequence[SiteFacts],
    *,
    proposition: Proposition,
    override_withdrawal: bool,
    now: datetime,
    email: str | None = None,
) -> list[AxleEvent]:
    """Mark each site's enrolment as sent and return its joining events (for the caller to enqueue).

    Run inside the caller's transaction, with the sites locked: the enrolment and its events are
    written together. The site follows the proposition from this moment (an enrolment under way
    counts, since Axle may act before its answer reaches us).
    """
    enrolments_set_status(
        [f.site for f in facts],
        proposition,
        status=EnrolmentStatus.PENDING,
        now=now,
        override_withdrawal=override_withdrawal,
    )
    return [
        event
        for site_facts in facts
        for event in joining_events(
            site_facts, proposition=proposition, override_withdrawal=override_withdrawal, now=now, email=email
        )
    ]


def enrolments_withdraw_many(sites: Sequence[Site], *, proposition: Proposition) -> list[AxleEvent]:
    """Mark each site's enrolment as leaving and return the unenrol events (for the caller to enqueue)."""
    enrolments_set_status(sites, proposition, status=EnrolmentStatus.UNENROLLING, now=timezone.now())
    return [leaving_event(site, proposition=proposition) for site in sites]


def enrolments_set_status(
    sites: Sequence[Site],
    proposition: Proposition,
    *,
    status: EnrolmentStatus,
    now: datetime,
    override_withdrawal: bool | None = None,
) -> None:
    """Upsert the sites' enrolments in `proposition` to `status`, in two queries.

    PENDING also records when it was asked for, and whether to override an earlier withdrawal.
    """
    existing = {e.site_id: e for e in Enrolment.objects.filter(site__in=sites, proposition=proposition)}
    changed: list[Enrolment] = []
    for site in sites:
        enrolment = existing.get(site.pk) or Enrolment(site=site, proposition=proposition)
        enrolment.status = status
        if status == EnrolmentStatus.PENDING:
            enrolment.requested_at = now
            enrolment.override_withdrawal = bool(override_withdrawal)
        enrolment.updated_at = now
        changed.append(enrolment)
    Enrolment.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["site", "proposition"],
        update_fields=["status", "requested_at", "override_withdrawal", "updated_at"],
    )
