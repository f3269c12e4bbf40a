"""Onboarding existing users with Axle's advanced flow: initialise, then eligibility, then enrol.

For an operator bringing a selection of existing users to Axle, and for a homeowner joining from
the join page (`membership.site_join`). Initialise creates or updates the site and its chargers at Axle without
enrolling them and answers with their eligibility; only a site eligible for the proposition is
then enrolled, with its tariff and plug state, in its outbox stream. What Axle changed on its side
(`fields_updated`, `warnings`) is kept with the initialise event's answer and shown to the admin.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db import transaction
from django.utils import timezone

from chargers.models import Asset, ChargerState, Site
from smartcharging.axle.payloads import asset_payload, site_payload, to_json
from smartcharging.axle.types import InitialiseAnswer
from smartcharging.models import (
    ACTIVE_ENROLMENT_STATUSES,
    AuditAction,
    AxleEvent,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    Proposition,
)
from smartcharging.selectors import site_product

from .audit import Actor, audit_entry, audit_record_many
from .eligibility import eligibility_record
from .enrolments import enrolments_set_status
from .joining import SiteFacts, joining_events, sites_facts
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
            site_id__in=facts, proposition=proposition, status__in=ACTIVE_ENROLMENT_STATUSES
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
            events.append(
                initialise_event(site_facts, proposition=proposition, override_withdrawal=override_withdrawal)
            )
    enrolments_set_status(
        queued, proposition, status=EnrolmentStatus.PENDING, now=now, override_withdrawal=override_withdrawal
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
    enrolment = Enrolment.objects.filter(site=site, proposition=proposition).first()
    if not eligible:
        reason = f"Axle says the site is not eligible for {proposition.label}: {record.issues or 'no reason given'}"
        if enrolment is not None and enrolment.status == EnrolmentStatus.PENDING:
            enrolment.status = EnrolmentStatus.FAILED
            enrolment.axle_response = {"eligibility": dict(answer.eligibility.raw)}
            enrolment.save(update_fields=["status", "axle_response", "updated_at"])
        elif enrolment is not None and enrolment.is_active:
            # Re-initialised for a changed charger: an enrolled site stays enrolled; the admin fixes it.
            reason += ". The site stays enrolled; fix what Axle names."
        audit_record_many([audit_entry(action=AuditAction.ONBOARDING_REFUSED, site=site, outcome=reason)])
        return
    if enrolment is None or not enrolment.is_active:
        # The homeowner withdrew (or the enrolment was refused) while Axle was initialising the
        # site: enrolling it now would undo their choice.
        return
    facts = sites_facts([site.pk])[site.pk]
    events_enqueue(joining_events(facts, proposition=proposition, override_withdrawal=override, now=timezone.now()))


def initialise_event(facts: SiteFacts, *, proposition: Proposition, override_withdrawal: bool) -> AxleEvent:
    """Initialise the site and all its chargers at Axle, then (once eligible) enrol it in `proposition`."""
    body = {
        "site": site_payload(facts.site, email=None),
        "assets": [asset_payload(asset) for asset in facts.assets],
        # Not sent to Axle's initialise: what to enrol the site in once it is found eligible.
        "then_enrol": {"proposition": proposition, "override_withdrawal": override_withdrawal},
    }
    return AxleEvent(site=facts.site, kind=EventKind.INITIALISE, payload=to_json(body))


# What Axle knows of a charger: a change to any of these is a change Axle must hear of.
AXLE_CHARGER_FIELDS = frozenset({"make", "model", "installation_date", "rated_power_kw", "ocpp_charge_point_id"})


@transaction.atomic
def charger_changed(*, asset: Asset, created: bool, changed: Collection[str], actor: Actor) -> bool:
    """A charger was added to a site, or replaced (new hardware for the same home): Axle's record follows.

    Our charger keeps its external id, so a replacement updates the asset Axle knows (initialise
    is an upsert) rather than deleting it: Axle documents no call that deletes one charger, and a
    charger that merely opted out must never be deleted there. The new charger gets the site's
    tariff, and a plug-in if a car is plugged in, through the enrolment that follows initialise.
    Returns whether Axle is to be told (not for a site Axle does not know yet: joining tells it).
    """
    if not created and not AXLE_CHARGER_FIELDS & set(changed):
        return False
    site = asset.site
    action = AuditAction.CHARGER_ADDED if created else AuditAction.CHARGER_REPLACED
    what = "added" if created else f"changed ({', '.join(sorted(AXLE_CHARGER_FIELDS & set(changed)))})"
    if not created and "ocpp_charge_point_id" in changed:
        # New hardware: its configuration is its own, read again when it boots.
        ChargerState.objects.filter(asset=asset).update(
            max_stack_level=None,
            allowed_rate_units="",
            max_periods=None,
            max_profiles_installed=None,
            config_read_at=None,
        )
    product = site_product(site.pk)
    tell_axle = site.axle_site_id is not None and product is not None
    outcome = f"Charger {asset.ocpp_charge_point_id} {what}." + (" Axle's record updated." if tell_axle else "")
    audit_record_many([audit_entry(action=action, actor=actor, site=site, outcome=outcome)])
    if tell_axle and product is not None:
        facts = sites_facts([site.pk], lock=True)[site.pk]
        events_enqueue([initialise_event(facts, proposition=product, override_withdrawal=False)])
    return tell_axle


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
