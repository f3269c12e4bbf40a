"""Joining and leaving an Axle proposition, as events in the site's outbox stream.

Everything a site owes Axle on joining Smart Charging goes in the same stream, in the order
`joining.joining_events` gives: each charger's tariff, then the enrolment (or, for a site Axle
does not know yet, the onboarding first), then a plug-in for a car already plugged in.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargers.models import Site
from smartcharging.models import Enrolment, EnrolmentStatus, Proposition

from .joining import joining_events, leaving_event, sites_facts
from .outbox import events_enqueue


@transaction.atomic
def enrolment_request(
    *, site: Site, proposition: Proposition, override_withdrawal: bool = False, email: str | None = None
) -> Enrolment:
    """Ask Axle to enrol the site (onboarding it first if Axle does not know it yet)."""
    facts = sites_facts([site.pk], lock=True)[site.pk]
    if facts.site.meter_consent_at is None:
        raise ValidationError("The homeowner has not consented to Axle reading their meter yet.")
    enrolment, created = Enrolment.objects.get_or_create(site=facts.site, proposition=proposition)
    if not created and enrolment.is_active:
        return enrolment  # already joined or joining: asking twice changes nothing
    enrolment.status = EnrolmentStatus.PENDING
    enrolment.override_withdrawal = override_withdrawal
    enrolment.requested_at = timezone.now()
    enrolment.save()
    events_enqueue(
        joining_events(
            facts, proposition=proposition, override_withdrawal=override_withdrawal, now=timezone.now(), email=email
        )
    )
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, site: Site, proposition: Proposition) -> Enrolment:
    """Ask Axle to stop the proposition for the site; the site and its history stay."""
    enrolment = Enrolment.objects.select_for_update().get(site=site, proposition=proposition)
    if enrolment.status in (EnrolmentStatus.UNENROLLING, EnrolmentStatus.UNENROLLED):
        return enrolment
    enrolment.status = EnrolmentStatus.UNENROLLING
    enrolment.save()
    events_enqueue([leaving_event(site, proposition=proposition)])
    return enrolment
