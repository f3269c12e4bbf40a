"""Joining and leaving an Axle proposition, as events in the site's outbox stream.

Everything a site owes Axle on joining Smart Charging follows the enrolment in the same stream, so
it leaves in this order: onboard (or enrol), then each charger's tariff, then a plug-in for a car
already plugged in.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargers.models import PlugSession, Site
from smartcharging.axle.payloads import asset_payload, site_payload, to_json
from smartcharging.models import Enrolment, EnrolmentStatus, EventKind, Proposition, Tariff

from .outbox import event_enqueue
from .plugs import plug_in_event_enqueue
from .tariffs import tariff_event_enqueue


@transaction.atomic
def enrolment_request(
    *, site: Site, proposition: Proposition, override_withdrawal: bool = False, email: str | None = None
) -> Enrolment:
    """Ask Axle to enrol the site (onboarding it first if Axle does not know it yet)."""
    site = Site.objects.select_for_update().get(pk=site.pk)
    if site.meter_consent_at is None:
        raise ValidationError("The homeowner has not consented to Axle reading their meter yet.")
    enrolment, created = Enrolment.objects.get_or_create(site=site, proposition=proposition)
    if not created and enrolment.status in (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED):
        return enrolment  # already joined or joining: asking twice changes nothing
    enrolment.status = EnrolmentStatus.PENDING
    enrolment.override_withdrawal = override_withdrawal
    enrolment.requested_at = timezone.now()
    enrolment.save()
    assets = list(site.assets.all())
    if site.axle_site_id is None:
        body = {
            "site": site_payload(site, email=email),
            "assets": [asset_payload(asset) for asset in assets],
            "proposition": proposition,
            "override_withdrawal": override_withdrawal,
        }
        event_enqueue(site=site, kind=EventKind.ONBOARD, payload=to_json(body))
    else:
        body = {"proposition": proposition, "override_withdrawal": override_withdrawal}
        event_enqueue(site=site, kind=EventKind.ENROL, payload=to_json(body))
    if proposition == Proposition.SMART_CHARGING:
        tariff = Tariff.objects.filter(site=site).first()
        now = timezone.now()
        for asset in assets:
            if tariff is not None:
                tariff_event_enqueue(tariff=tariff, asset=asset)
            session = PlugSession.objects.filter(asset=asset, plugged_out_at__isnull=True).first()
            if session is not None:
                plug_in_event_enqueue(asset=asset, session=session, now=now)
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, site: Site, proposition: Proposition) -> Enrolment:
    """Ask Axle to stop the proposition for the site; the site and its history stay."""
    enrolment = Enrolment.objects.select_for_update().get(site=site, proposition=proposition)
    if enrolment.status in (EnrolmentStatus.UNENROLLING, EnrolmentStatus.UNENROLLED):
        return enrolment
    enrolment.status = EnrolmentStatus.UNENROLLING
    enrolment.save()
    event_enqueue(site=site, kind=EventKind.UNENROL, payload={"proposition": proposition})
    return enrolment
