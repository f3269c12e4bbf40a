"""Correcting what a site's record says the homeowner and Axle told us, only with a reason, audited.

The meter-consent time is the homeowner's own statement (sent to Axle as
gave_boundary_meter_consent_at), set when they join (`services.membership`); Axle's site and asset
ids are Axle's answers, set when Axle onboards the site. The admin shows them read-only. When one
is wrong (a consent given on paper, an id mixed up while Axle's records were mended) an operator
with the permission corrects it here, says why, and the audit trail keeps who, when, what and why.

The correction changes our record only: Axle hears the consent time with the site's next
onboarding or initialise, as always.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chargers.models import Asset, Site
from smartcharging.models import AuditAction, AuditEntry

from .audit import Actor, actor_user, audit_record

CORRECT_PERMISSION = "smartcharging.correct_site_record"


def may_correct_site_record(actor: Actor) -> bool:
    user = actor_user(actor)
    return user is not None and user.is_active and user.has_perm(CORRECT_PERMISSION)


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    return str(value)


@transaction.atomic
def site_record_correct(
    *,
    site_id: int,
    actor: Actor,
    reason: str,
    meter_consent_at: datetime | None,
    axle_site_id: uuid.UUID | None,
    axle_asset_ids: Mapping[int, uuid.UUID | None],
) -> AuditEntry:
    """Set the site's consent time and Axle's ids to these values, recording the reason.

    `axle_asset_ids` maps each of the site's chargers (by our pk) to Axle's id for it. Raises
    PermissionDenied without the permission, ValidationError (by field) for a missing reason, a
    consent in the future, an id another site or charger has, or a correction that changes nothing.
    """
    if not may_correct_site_record(actor):
        raise PermissionDenied("Correcting consent or Axle's ids needs the permission “correct site record”.")
    site = Site.objects.select_for_update().get(pk=site_id)
    assets = {asset.pk: asset for asset in Asset.objects.select_for_update().filter(site=site)}
    errors: dict[str, list[str]] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = ["Say why the record is wrong and how you know (it is kept in the site's history)."]
    if meter_consent_at is not None and meter_consent_at > timezone.now():
        errors["meter_consent_at"] = ["Consent cannot be recorded in the future."]
    if axle_site_id is not None and Site.objects.filter(axle_site_id=axle_site_id).exclude(pk=site.pk).exists():
        errors["axle_site_id"] = [f"Another site already has Axle site id {axle_site_id}."]
    unknown = set(axle_asset_ids) - set(assets)
    if unknown:
        raise ValidationError(f"Charger(s) {sorted(unknown)} are not at this site.")
    # Two of the site's chargers may swap ids: held by one being corrected here is not "taken".
    held_elsewhere = set(
        Asset.objects.filter(axle_asset_id__in=[i for i in axle_asset_ids.values() if i])
        .exclude(pk__in=list(axle_asset_ids))
        .values_list("axle_asset_id", flat=True)
    )
    claimed: set[uuid.UUID] = set()
    for asset_pk, axle_asset_id in axle_asset_ids.items():
        if axle_asset_id is not None and (axle_asset_id in held_elsewhere or axle_asset_id in claimed):
            errors[f"asset_{asset_pk}"] = [f"Another charger already has Axle asset id {axle_asset_id}."]
        if axle_asset_id is not None:
            claimed.add(axle_asset_id)
    if errors:
        raise ValidationError(errors)

    changes = []
    if site.meter_consent_at != meter_consent_at:
        changes.append(f"meter consent time {_shown(site.meter_consent_at)} → {_shown(meter_consent_at)}")
        site.meter_consent_at = meter_consent_at
    if site.axle_site_id != axle_site_id:
        changes.append(f"Axle site id {_shown(site.axle_site_id)} → {_shown(axle_site_id)}")
        site.axle_site_id = axle_site_id
    changed_assets = []
    for asset_pk, axle_asset_id in axle_asset_ids.items():
        asset = assets[asset_pk]
        if asset.axle_asset_id != axle_asset_id:
            changes.append(
                f"Axle asset id of {asset.ocpp_charge_point_id} {_shown(asset.axle_asset_id)} → {_shown(axle_asset_id)}"
            )
            asset.axle_asset_id = axle_asset_id
            changed_assets.append(asset)
    if not changes:
        raise ValidationError("Nothing differs from the record as it is; nothing was changed.")
    site.save(update_fields=["meter_consent_at", "axle_site_id", "updated_at"])
    # Cleared first, so that a swap never holds one id twice for a moment (the column is unique).
    Asset.objects.filter(pk__in=[asset.pk for asset in changed_assets]).update(axle_asset_id=None)
    for asset in changed_assets:
        asset.save(update_fields=["axle_asset_id", "updated_at"])
    return audit_record(
        action=AuditAction.RECORD_CORRECTED,
        actor=actor,
        site=site,
        outcome=f"Corrected {'; '.join(changes)}. Reason: {reason}",
    )
