"""Onboarding existing users with Axle's advanced flow: initialise, then eligibility, then enrol.

For an operator bringing a selection of existing users to Axle, and for a homeowner joining from
the join page (`membership.site_join`). Initialise creates or updates the site and its chargers at Axle without
enrolling them and answers with their eligibility; only a site eligible for the proposition is
then enrolled, with its tariff and plug state, in its outbox stream. What Axle changed on its side
(`fields_updated`, `warnings`) is kept with the initialise event's answer and shown to the admin.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from chargers.models import Site
from smartcharging.axle.payloads import asset_payload, site_payload, to_json
from smartcharging.axle.types import InitialiseAnswer
from smartcharging.models import AuditAction, AxleEvent, Enrolment, EnrolmentStatus, EventKind, Proposition

from .audit import Actor, audit_entry, audit_record_many
from .eligibility import eligibility_record
from .joining import joining_events, sites_facts
from .outbox import events_enqueue


@transaction.atomic
def sites_initialise_request(
    *, sites: Sequence[Site], proposition: Proposition, actor: Actor, override_withdrawal: bool = False
) -> tuple[list[Site], dict[Site, str]]:
    """Queue initialise for each site (enrolment to follow if Axle says it is eligible).

    Returns the sites queued and, for the others, why not (in words an admin can act on).
    """
    facts = sites_facts([site.pk for site in sites], lock=True)
    active = set(
        Enrolment.objects.filter(
            site_id__in=facts, proposition=proposition, status__in=(EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED)
        ).values_list("site_id", flat=True)
    )
    queued: list[Site] = []
    refused: dict[Site, str] = {}
    events: list[AxleEvent] = []
    now = timezone.now()
    for site_facts in facts.values():
        site = site_facts.site
        if site.meter_consent_at is None:
            refused[site] = "The homeowner has not consented to Axle reading their meter yet."
        elif not site_facts.assets:
            refused[site] = "The site has no charger to onboard."
        elif site.pk in active:
            refused[site] = f"Already in {Proposition(proposition).label} (or joining it)."
        else:
            queued.append(site)
            body = {
                "site": site_payload(site, email=None),
                "assets": [asset_payload(asset) for asset in site_facts.assets],
                # Not sent to Axle's initialise: what to enrol the site in once it is found eligible.
                "then_enrol": {"proposition": proposition, "override_withdrawal": override_withdrawal},
            }
            events.append(AxleEvent(site=site, kind=EventKind.INITIALISE, payload=to_json(body)))
    for site in queued:
        Enrolment.objects.update_or_create(
            site=site,
            proposition=proposition,
            defaults={
                "status": EnrolmentStatus.PENDING,
                "requested_at": now,
                "override_withdrawal": override_withdrawal,
            },
        )
    events_enqueue(events)
    audit_record_many(
        audit_entry(
            action=AuditAction.ONBOARDING_REQUESTED,
            actor=actor,
            site=site,
            outcome=f"Initialise, then enrol in {Proposition(proposition).label} if eligible.",
        )
        for site in queued
    )
    return queued, refused


def site_initialised(*, site_id: int, answer: InitialiseAnswer, then_enrol: dict[str, object]) -> None:
    """Axle initialised the site: keep its ids and eligibility, then enrol it if it is eligible.

    Runs in the transaction that records the initialise event as delivered, so the enrolment's
    events follow it in the site's stream, or the refusal is on record, with it.
    """
    site = Site.objects.select_for_update().get(pk=site_id)
    site.axle_site_id = answer.site.site_id
    site.save(update_fields=["axle_site_id"])
    for asset in site.assets.all():
        if asset.external_id in answer.asset_ids:
            asset.axle_asset_id = answer.asset_ids[asset.external_id]
            asset.save(update_fields=["axle_asset_id"])
    record = eligibility_record(site, answer.eligibility)
    proposition = Proposition(str(then_enrol["proposition"]))
    override = bool(then_enrol.get("override_withdrawal", False))
    eligible = record.smart_charging if proposition == Proposition.SMART_CHARGING else record.flex_lite
    if not eligible:
        reason = f"Axle says the site is not eligible for {proposition.label}: {record.issues or 'no reason given'}"
        Enrolment.objects.filter(site=site, proposition=proposition).update(
            status=EnrolmentStatus.FAILED, axle_response={"eligibility": dict(answer.eligibility.raw)}
        )
        audit_record_many([audit_entry(action=AuditAction.ONBOARDING_REFUSED, site=site, outcome=reason)])
        return
    if not Enrolment.objects.filter(site=site, proposition=proposition, status=EnrolmentStatus.PENDING).exists():
        # The homeowner withdrew (or the enrolment was refused) while Axle was initialising the
        # site: enrolling it now would undo their choice.
        return
    facts = sites_facts([site.pk])[site.pk]
    events_enqueue(joining_events(facts, proposition=proposition, override_withdrawal=override, now=timezone.now()))


def changes_at_axle(answer: object) -> str:
    """What Axle changed on its side, from an onboard or initialise answer, in words for the admin."""
    if not isinstance(answer, dict):
        return ""
    parts = []
    for part in [answer.get("site") or {}, *(answer.get("assets") or [])]:
        if not isinstance(part, dict):
            continue
        name = part.get("external_id") or "site"
        if part.get("fields_updated"):
            parts.append(f"{name}: updated {', '.join(map(str, part['fields_updated']))}")
        if part.get("warnings"):
            parts.append(f"{name}: warning {'; '.join(map(str, part['warnings']))}")
    return ". ".join(parts)
