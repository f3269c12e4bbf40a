"""Create the demo operator and households for a local run (idempotent; refuses in production)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import Application

from accounts.models import Household, User
from chargers.models import Asset, RateUnits, Site
from smartcharging.models import ChargingMode, Enrolment, Proposition, TariffType
from smartcharging.services.axle_client_app import axle_client_mark
from smartcharging.services.enrolments import enrolment_request
from smartcharging.services.intents import intent_set
from smartcharging.services.tariffs import tariff_set

DEMO_PASSWORD = "smart-charging-demo"  # noqa: S105 - a local demo account, refused in production
# The local Axle stand-in pushes schedules with this OAuth client (Procfile.dev passes the same values).
STANDIN_CLIENT_ID = "axle-standin-demo"
STANDIN_CLIENT_SECRET = "smart-charging-demo-client"  # noqa: S105 - local demo only, refused in production

# (email, name, address, MPAN, charge point id, make, model, kW, phases, amps, rate units, product).
# Bob is still on Flex Lite, so an operator can try the migration to Smart Charging in the admin.
DEMO_HOUSEHOLDS = [
    ("ann@example.com", "Ann Driver", "1 Acacia Avenue, London", "1200023305967", "SIM-7KW-001",
     "Zappi", "v2.1", "7.4", 1, 32, RateUnits.WATTS, Proposition.SMART_CHARGING),
    ("bob@example.com", "Bob Rider", "2 Beech Road, Leeds", "1234567890126", "SIM-22KW-002",
     "Easee", "One", "22", 3, 32, RateUnits.AMPS, Proposition.FLEX_LITE),
]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Create a demo operator and two demo households with chargers, tariffs and intents, one enrolled in Smart "
        "Charging and one in Flex Lite (through the outbox, so the local Axle stand-in onboards them), and the "
        "stand-in's OAuth client."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SETTINGS_MODULE.endswith("production"):
            raise CommandError("seed_demo creates accounts with a published password; it never runs in production.")
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("Demo ready. Sign in at http://127.0.0.1:8000/admin/"))
        self.stdout.write(f"  operator:   ops@example.com / {DEMO_PASSWORD}")
        for email, *_ in DEMO_HOUSEHOLDS:
            self.stdout.write(f"  homeowner:  {email} / {DEMO_PASSWORD}")

    def _seed(self) -> None:
        standin, _ = Application.objects.get_or_create(
            client_id=STANDIN_CLIENT_ID,
            defaults={
                "name": "Axle Energy (local stand-in)",
                "client_secret": STANDIN_CLIENT_SECRET,  # hashed on save
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
            },
        )
        axle_client_mark(application=standin)  # it pushes schedules as Axle does
        if not User.objects.filter(email="ops@example.com").exists():
            User.objects.create_superuser("ops@example.com", DEMO_PASSWORD, full_name="Demo Operator")
        for email, name, address, mpan, cp_id, make, model, kw, phases, amps, units, product in DEMO_HOUSEHOLDS:
            household, _ = Household.objects.get_or_create(name=f"{name}'s home")
            if not User.objects.filter(email=email).exists():
                User.objects.create_user(email, DEMO_PASSWORD, full_name=name, household=household)
            site, _ = Site.objects.get_or_create(
                mpan=mpan,
                defaults={
                    "household": household,
                    "street_address": address,
                    "postcode": "SW1A 1AA",
                    "meter_consent_at": timezone.now(),
                },
            )
            asset, _ = Asset.objects.get_or_create(
                ocpp_charge_point_id=cp_id,
                defaults={
                    "site": site,
                    "make": make,
                    "model": model,
                    "installation_date": date(2024, 5, 1),
                    "rated_power_kw": Decimal(kw),
                    "phases": phases,
                    "max_current_a": amps,
                    "rate_units": units,
                },
            )
            if not hasattr(site, "tariff"):
                tariff_set(
                    site=site,
                    tariff_type=TariffType.DUAL_RATE,
                    name="Economy 7",
                    off_peak_windows="23:30-05:30",
                    peak_rate_pence=Decimal("28.00"),
                    off_peak_rate_pence=Decimal("9.00"),
                )
            if not hasattr(asset, "intent"):
                intent_set(
                    asset=asset,
                    energy_required_kwh=Decimal("30"),
                    ready_by_local_time=time(7, 0),
                    charging_mode=ChargingMode.MAXIMISE,
                )
            if not Enrolment.objects.filter(site=site).exists():
                enrolment_request(site=site, proposition=product, email=email)
