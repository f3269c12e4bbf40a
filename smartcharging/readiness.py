"""Is a site ready to move to Smart Charging? A checklist computed in SQL, for one site or 50,000.

Each check is a boolean annotation on a Site queryset, so the admin list can show and filter on
every check in one query, and the migration's preparation can check every selected site at once.
The same definitions decide both: there is one place that says what "ready" means.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable, Expression
from django.db.models.functions import Cast, Mod, Substr
from django.db.models.lookups import Exact

from chargers.models import Asset, Site
from chargers.validators import MPAN_WEIGHTS
from smartcharging.models import SiteEligibility, Tariff
from smartcharging.selectors import site_product_expression


@dataclass(frozen=True)
class Check:
    key: str  # the annotation is "ready_<key>"
    column: str  # the admin list's column header (short: seven of them sit side by side)
    label: str  # what the filter "Missing: <label>" says
    missing: str  # what to tell the admin when the check fails


CHECKS = (
    Check("consent", "Consent", "meter consent", "no meter consent recorded"),
    Check("mpan", "MPAN", "a valid MPAN", "the MPAN is not 13 digits with a valid check digit"),
    Check(
        "charger_details",
        "Charger",
        "charger model and installation date",
        "a charger lacks its model or installation date",
    ),
    Check("tariff", "Tariff", "tariff", "no tariff on file"),
    Check("intent", "Intent", "intent", "a charger has no charging intent (kWh and ready-by)"),
    Check(
        "charger_online",
        "Online",
        "charger online and taking profiles",
        "a charger is offline or cannot take profiles in W or A",
    ),
    Check(
        "eligible", "Eligible", "eligibility at Axle", "Axle has not confirmed the site is eligible for Smart Charging"
    ),
)
CHECKS_BY_KEY = {check.key: check for check in CHECKS}


def _mpan_is_valid() -> Case:
    """13 digits whose last is the check digit of the first 12 (as chargers.validators.validate_mpan)."""
    weighted: Combinable = Value(0)
    for position, weight in enumerate(MPAN_WEIGHTS, start=1):
        weighted = weighted + Cast(Substr("mpan", position, 1), IntegerField()) * weight
    last_digit = Cast(Substr("mpan", 13, 1), IntegerField())
    return Case(
        # Cast only text known to be digits: PostgreSQL refuses to cast anything else.
        When(mpan__regex=r"^[0-9]{13}$", then=Exact(last_digit, Mod(Mod(weighted, 11), 10))),
        default=Value(False),
        output_field=BooleanField(),
    )


def _is(condition: Q | Exists) -> Expression:
    return ExpressionWrapper(condition if isinstance(condition, Q) else Q(condition), output_field=BooleanField())


def _every_charger(failing: Q) -> Expression:
    """The site has a charger, and none of its chargers matches `failing`."""
    chargers = Asset.objects.filter(site_id=OuterRef("pk"))
    return _is(Q(Exists(chargers)) & ~Q(Exists(chargers.filter(failing))))


def readiness_annotations() -> dict[str, Expression]:
    """`ready_<check>` for each check, plus `product` (the proposition the site follows, or "")."""
    untranslatable = (
        ~Q(state__allowed_rate_units="")
        & ~Q(state__allowed_rate_units__contains="Power")
        & ~Q(state__allowed_rate_units__contains="Current")
    )
    checks: dict[str, Expression] = {
        "consent": _is(Q(meter_consent_at__isnull=False)),
        "mpan": _mpan_is_valid(),
        "charger_details": _every_charger((Q(make="") & Q(model="")) | Q(installation_date__isnull=True)),
        "tariff": _is(Exists(Tariff.objects.filter(site_id=OuterRef("pk")))),
        "intent": _every_charger(Q(intent__isnull=True)),
        "charger_online": _every_charger(Q(state__isnull=True) | Q(state__connected=False) | untranslatable),
        "eligible": _is(Exists(SiteEligibility.objects.filter(site_id=OuterRef("pk"), smart_charging=True))),
    }
    product = site_product_expression()
    return {**{f"ready_{key}": expression for key, expression in checks.items()}, "product": product}


def with_readiness(sites: QuerySet[Site]) -> QuerySet[Site]:
    return sites.annotate(**readiness_annotations())


def is_ready() -> Q:
    """Filter on a `with_readiness` queryset: every check passes."""
    return Q(**{f"ready_{check.key}": True for check in CHECKS})


def product_is(product: str) -> Q:
    """Filter: the site follows `product` ("" for neither), by the same conditions in the same order as
    the `product` annotation's CASE, but as EXISTS / NOT EXISTS, which PostgreSQL turns into semi-
    and anti-joins. Filtering on the CASE itself evaluates it for every site, and its cost estimate
    (about 1M at 50,000 sites) makes PostgreSQL JIT-compile the admin list's query: 1.4 s of 1.6 s.
    """
    expression = site_product_expression()
    earlier = Q()
    for when in expression.cases:
        if when.result.value == product:
            return earlier & Q(when.condition)
        earlier &= ~Q(when.condition)
    return earlier if expression.default.value == product else Q(pk__in=[])


def missing(row: object) -> list[str]:
    """What a site (annotated by `with_readiness`, as a model or a values() dict) still lacks, in words."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return [check.missing for check in CHECKS if not get(f"ready_{check.key}")]
