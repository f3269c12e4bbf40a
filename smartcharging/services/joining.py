"""What a site owes Axle on joining or leaving a proposition, as outbox events not yet saved.

One builder serves a single enrolment (a homeowner or an operator) and a batch of a bulk
migration, so both send the same steps in the same order. The facts about the sites are read in a
fixed number of queries however many sites there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from chargers.models import Asset, PlugSession, Site
from smartcharging.axle.payloads import asset_payload, plug_in_payload, site_payload, tariff_payload, to_json
from smartcharging.models import AxleEvent, ChargingIntent, EventKind, Proposition, Tariff


@dataclass
class SiteFacts:
    """A site with everything its joining events are built from."""

    site: Site
    assets: list[Asset] = field(default_factory=list)
    tariff: Tariff | None = None
    intents: dict[int, ChargingIntent] = field(default_factory=dict)  # by asset id
    open_sessions: dict[int, PlugSession] = field(default_factory=dict)  # by asset id

    @property
    def needs_onboarding(self) -> bool:
        """Axle lacks the site or one of its chargers: onboarding (an upsert) must come first."""
        return self.site.axle_site_id is None or any(asset.axle_asset_id is None for asset in self.assets)


def sites_facts(site_ids: Iterable[int], *, lock: bool = False) -> dict[int, SiteFacts]:
    """The facts of each site, in five queries; `lock` takes the site rows for the transaction."""
    sites = Site.objects.filter(pk__in=list(site_ids)).order_by("pk")
    if lock:
        sites = sites.select_for_update(of=("self",))
    facts = {site.pk: SiteFacts(site) for site in sites}
    for asset in Asset.objects.filter(site_id__in=facts).order_by("pk"):
        asset.site = facts[asset.site_id].site
        facts[asset.site_id].assets.append(asset)
    for tariff in Tariff.objects.filter(site_id__in=facts):
        tariff.site = facts[tariff.site_id].site
        facts[tariff.site_id].tariff = tariff
    assets = {asset.pk: asset for site in facts.values() for asset in site.assets}
    for intent in ChargingIntent.objects.filter(asset_id__in=assets):
        intent.asset = assets[intent.asset_id]
        facts[intent.asset.site_id].intents[intent.asset_id] = intent
    for session in PlugSession.objects.filter(asset_id__in=assets, plugged_out_at__isnull=True):
        facts[assets[session.asset_id].site_id].open_sessions[session.asset_id] = session
    return facts


def joining_events(
    facts: SiteFacts,
    *,
    proposition: Proposition,
    override_withdrawal: bool,
    now: datetime,
    email: str | None = None,
) -> list[AxleEvent]:
    """The site's steps into `proposition`, in the order they must reach Axle.

    Smart Charging needs the tariff and the plug state as well. A site Axle knows gets its tariff
    before the enrolment, so Axle can plan from the moment it enrols it; a site Axle does not know
    yet is onboarded first, because a tariff is sent per Axle charger id. A car already plugged in
    is announced last, with its intent and tariff.
    """
    site = facts.site
    smart = proposition == Proposition.SMART_CHARGING
    tariff_body = {"tariff": to_json(tariff_payload(facts.tariff))} if smart and facts.tariff else None
    tariffs = [
        AxleEvent(site=site, asset=asset, kind=EventKind.TARIFF, payload=tariff_body)
        for asset in facts.assets
        if tariff_body is not None
    ]
    plug_ins = [
        AxleEvent(
            site=site,
            asset=asset,
            kind=EventKind.PLUG_IN,
            payload=plug_in_payload(
                intent=facts.intents.get(asset.pk),
                tariff=facts.tariff,
                vehicle_charging_rate_kw=session.vehicle_charging_rate_kw,
                now=now,
            ),
        )
        for asset in facts.assets
        if smart and (session := facts.open_sessions.get(asset.pk)) is not None
    ]
    if facts.needs_onboarding:
        onboard = {
            "site": site_payload(site, email=email),
            "assets": [asset_payload(asset) for asset in facts.assets],
            "proposition": proposition,
            "override_withdrawal": override_withdrawal,
        }
        return [AxleEvent(site=site, kind=EventKind.ONBOARD, payload=to_json(onboard)), *tariffs, *plug_ins]
    enrol = {"proposition": proposition, "override_withdrawal": override_withdrawal}
    return [*tariffs, AxleEvent(site=site, kind=EventKind.ENROL, payload=enrol), *plug_ins]


def leaving_event(site: Site, *, proposition: Proposition) -> AxleEvent:
    """The site's step out of `proposition` (Axle keeps the site, its chargers and its rewards)."""
    return AxleEvent(site=site, kind=EventKind.UNENROL, payload={"proposition": proposition})
