"""An operator's change to a tariff or an intent in Django admin is a change like a homeowner's:
Axle is told (for a Smart Charging site) and the audit trail names the operator."""

import pytest

from accounts.models import User
from smartcharging.models import AuditAction, AuditEntry, AxleEvent, ChargingIntent, EnrolmentStatus, EventKind, Tariff
from tests.factories import AssetFactory, ChargingIntentFactory, EnrolmentFactory, TariffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser("ops@example.com", "admin-passphrase-123"))
    return client


@pytest.fixture
def smart_asset():
    asset = AssetFactory()
    EnrolmentFactory(site=asset.site, status=EnrolmentStatus.ENROLLED)
    return asset


def test_a_tariff_changed_in_admin_is_sent_to_axle_and_audited(operator, smart_asset):
    tariff = TariffFactory(site=smart_asset.site, off_peak_windows="00:30-05:30")
    response = operator.post(
        f"/admin/smartcharging/tariff/{tariff.pk}/change/",
        {
            "site": smart_asset.site.pk,
            "tariff_type": "dual_rate",
            "name": "Economy 7",
            "off_peak_windows": "23:30-05:30",
            "peak_rate_pence": "28.00",
            "off_peak_rate_pence": "9.00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Tariff.objects.get(pk=tariff.pk).off_peak_windows == "23:30-05:30"
    event = AxleEvent.objects.get(kind=EventKind.TARIFF)
    assert event.payload["tariff"]["off_peak_times"] == "00:00-05:30, 23:30-24:00"
    entry = AuditEntry.objects.get(action=AuditAction.TARIFF_CHANGED)
    assert (entry.actor_label, entry.site) == ("ops@example.com", smart_asset.site)


def test_a_bad_tariff_in_admin_is_refused_with_the_models_words(operator, smart_asset):
    tariff = TariffFactory(site=smart_asset.site)
    response = operator.post(
        f"/admin/smartcharging/tariff/{tariff.pk}/change/",
        {"site": smart_asset.site.pk, "tariff_type": "dual_rate", "name": "x", "off_peak_windows": ""},
    )
    assert response.status_code == 200
    assert "A dual-rate tariff needs its off-peak windows" in response.content.decode()
    assert not AxleEvent.objects.exists()


def test_an_intent_added_in_admin_is_sent_to_axle_and_audited(operator, smart_asset):
    response = operator.post(
        "/admin/smartcharging/chargingintent/add/",
        {
            "asset": smart_asset.pk,
            "energy_required_kwh": "25",
            "ready_by_local_time": "06:30",
            "charging_mode": "minimise_charging_time",
            "ready_by_saturday": "09:00",
        },
    )
    assert response.status_code == 302, response.content
    intent = ChargingIntent.objects.get(asset=smart_asset)
    assert (str(intent.energy_required_kwh), intent.ready_by_saturday.isoformat()) == ("25.0", "09:00:00")
    assert AxleEvent.objects.get(kind=EventKind.INTENT).payload["intent"]["energy_required_kwh"] == 25.0
    entry = AuditEntry.objects.get(action=AuditAction.INTENT_CHANGED)
    assert entry.outcome == f"{smart_asset.ocpp_charge_point_id}: Routine: 25 kWh by 06:30."
    assert entry.actor_label == "ops@example.com"


def test_an_intent_changed_in_admin_keeps_its_identity(operator, smart_asset):
    intent = ChargingIntentFactory(asset=smart_asset)
    operator.post(
        f"/admin/smartcharging/chargingintent/{intent.pk}/change/",
        {"asset": smart_asset.pk, "energy_required_kwh": "40", "ready_by_local_time": "07:00",
         "charging_mode": "maximise_charging_time"},
    )  # fmt: skip
    assert ChargingIntent.objects.get().pk == intent.pk
    assert ChargingIntent.objects.get().energy_required_kwh == 40
