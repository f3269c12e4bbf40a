"""Asking Axle which propositions a site may join, and keeping its answer for the readiness checks.

Axle's answer is a remote call per site, so the readiness checklist reads the stored answer
(`SiteEligibility`) rather than asking Axle on every page. An admin refreshes it for a selection
of sites; the checks run in the background at MIGRATION_AXLE_CALLS_PER_S.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chargers.models import Site
from smartcharging.axle import client
from smartcharging.axle.errors import AxleError
from smartcharging.axle.types import Eligibility
from smartcharging.models import AuditAction, Proposition, SiteEligibility

from .audit import Actor, audit_record
from .queueing import queue_task

logger = logging.getLogger(__name__)

CHUNK = 50  # sites per background task


def site_eligibility_check(*, site_id: int) -> SiteEligibility | None:
    """Ask Axle about one site and store the answer; None if Axle could not answer just now.

    A site Axle does not know yet cannot be asked: it is stored as not eligible, saying why. A
    refusal (e.g. 404) is stored as Axle's answer; an outage leaves the last answer as it was.
    """
    site = Site.objects.get(pk=site_id)
    if site.axle_site_id is None:
        return _store(site, eligible=(), issues="Not known to Axle yet: onboard the site first.", raw=None)
    try:
        answer = client.eligibility(site_id=site.axle_site_id)
    except AxleError as error:
        if error.transient:
            logger.warning("Eligibility of site %s not checked: %s", site.pk, error)
            return None
        return _store(site, eligible=(), issues=f"Axle answered {error.status_code}: {error.message}", raw=None)
    return eligibility_record(site, answer)


def eligibility_record(site: Site, answer: Eligibility) -> SiteEligibility:
    """Keep Axle's eligibility answer (from the eligibility endpoint, or within initialise's answer)."""
    return _store(site, eligible=answer.eligible_propositions, issues=_issues(answer), raw=dict(answer.raw))


def eligibility_check_queue(*, site_ids: Sequence[int], actor: Actor) -> int:
    """Check the sites in the background, in chunks paced at the configured rate; returns how many."""
    ids = list(site_ids)
    now = timezone.now()
    for start in range(0, len(ids), CHUNK):
        eta = now + timedelta(seconds=start / settings.MIGRATION_AXLE_CALLS_PER_S)
        queue_task(
            "smartcharging.axle.check_eligibility", ids[start : start + CHUNK], eta=eta, sweep="the admin asking again"
        )
    audit_record(action=AuditAction.ELIGIBILITY_CHECKED, actor=actor, outcome=f"Asked Axle about {len(ids)} site(s).")
    return len(ids)


@transaction.atomic
def _store(site: Site, *, eligible: Sequence[str], issues: str, raw: object) -> SiteEligibility:
    record, _ = SiteEligibility.objects.update_or_create(
        site=site,
        defaults={
            "smart_charging": Proposition.SMART_CHARGING in eligible,
            "flex_lite": Proposition.FLEX_LITE in eligible,
            "issues": issues,
            "raw": raw,
            "checked_at": timezone.now(),
        },
    )
    return record


def _issues(answer: Eligibility) -> str:
    """Axle's reasons a charger cannot join Smart Charging, e.g. "CP00001: asset_model_not_set"."""
    reasons = [
        f"{external_id}: {', '.join(codes) or 'not eligible'}"
        for external_id, codes in answer.issues_for(Proposition.SMART_CHARGING)
    ]
    if Proposition.SMART_CHARGING not in answer.eligible_propositions and not reasons:
        reasons.append("Axle gave no reason.")
    return "; ".join(reasons)
