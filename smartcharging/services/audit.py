"""The audit trail: who did what to which site, when, and with what outcome.

Written by the service that makes the change, in its transaction, so an entry exists if and only
if the change does. Entries are never edited; the admin shows them read-only.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.models import User
from chargers.models import Site
from smartcharging.models import AuditAction, AuditEntry, MigrationRun

Actor = AbstractBaseUser | AnonymousUser | None


def actor_user(actor: Actor) -> User | None:
    """The signed-in user behind a change; an anonymous or platform change has none."""
    return actor if isinstance(actor, User) else None


def audit_entry(
    *,
    action: AuditAction,
    actor: Actor = None,
    site: Site | None = None,
    run: MigrationRun | None = None,
    outcome: str = "",
) -> AuditEntry:
    """An entry not yet saved (for `audit_record`, or many at once with `audit_record_many`)."""
    user = actor_user(actor)
    return AuditEntry(
        action=action,
        actor=user,
        actor_label=user.email if user is not None else "",
        site=site,
        run=run,
        outcome=outcome,
    )


def audit_record(
    *,
    action: AuditAction,
    actor: Actor = None,
    site: Site | None = None,
    run: MigrationRun | None = None,
    outcome: str = "",
) -> AuditEntry:
    entry = audit_entry(action=action, actor=actor, site=site, run=run, outcome=outcome)
    entry.save()
    return entry


def audit_record_many(entries: Iterable[AuditEntry]) -> None:
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
