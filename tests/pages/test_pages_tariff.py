"""The home's tariff: common UK presets or windows and rates by hand, shown on a 24-hour strip."""

from decimal import Decimal

import pytest

from smartcharging.models import AxleEvent, EventKind, Tariff, TariffType
from smartcharging.pages.presets import PRESETS_BY_KEY, TARIFF_PRESETS
from tests.pages.builders import text

pytestmark = pytest.mark.django_db

BY_HAND = {
    "tariff_type": TariffType.DUAL_RATE.value,
    "name": "My night tariff",
    "w0_start": "23:30",
    "w0_end": "05:30",
    "w1_start": "13:00",
    "w1_end": "16:00",
    "off_peak_rate_pence": "7.5",
    "peak_rate_pence": "27.03",
}


def url(site, query=""):
    return f"/homes/{site.pk}/tariff/{query}"


def test_windows_across_midnight_are_saved_and_sent_to_axle(signed_in, site, asset, smart):
    response = signed_in.post(url(site), BY_HAND, follow=True)
    assert response.redirect_chain == [(url(site), 302)]
    tariff = Tariff.objects.get(site=site)
    assert tariff.off_peak_windows == "23:30-05:30, 13:00-16:00"
    assert (tariff.off_peak_rate_pence, tariff.peak_rate_pence) == (Decimal("7.5"), Decimal("27.03"))
    event = AxleEvent.objects.get(kind=EventKind.TARIFF)
    assert event.payload["tariff"]["off_peak_times"] == "00:00-05:30, 13:00-16:00, 23:30-24:00"
    page = text(response)
    assert "Your tariff is saved. We've sent it to Axle" in page
    # The 24-hour strip shows the window across midnight as its two parts of the day.
    strip = response.context["current_strip"]
    assert [w.label for w in strip.windows] == ["00:00-05:30", "13:00-16:00", "23:30-24:00"]
    assert 'data-window="23:30-24:00"' in response.content.decode()


def test_a_window_ending_at_midnight(signed_in, site):
    signed_in.post(url(site), BY_HAND | {"w0_start": "19:00", "w0_end": "00:00", "w1_start": "", "w1_end": ""})
    assert Tariff.objects.get(site=site).off_peak_windows == "19:00-00:00"


def test_a_preset_fills_the_form_with_typical_editable_rates(signed_in, site):
    page = signed_in.get(url(site, "?preset=octopus-go"))
    form = page.context["form"]
    preset = PRESETS_BY_KEY["octopus-go"]
    assert form.initial["w0_start"] == "00:30"
    assert form.initial["w0_end"] == "05:30"
    assert form.initial["off_peak_rate_pence"] == preset.off_peak_rate_pence
    assert "Octopus Go: check and save" in text(page)
    assert not Tariff.objects.filter(site=site).exists()  # nothing saved until the homeowner says so


def test_every_preset_saves_as_it_is(signed_in, site):
    for preset in TARIFF_PRESETS:
        initial = signed_in.get(url(site, f"?preset={preset.key}")).context["form"].initial
        data = {key: "" if value is None else str(value) for key, value in initial.items()}
        response = signed_in.post(url(site), data)
        assert response.status_code == 302, (preset.key, response.context["form"].errors)
        tariff = Tariff.objects.get(site=site)
        assert (tariff.name, tariff.off_peak_windows) == (preset.name, preset.windows_text)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"w0_end": ""}, "w0_end", "Give both a start and an end time."),
        ({"w1_start": "05:00"}, "windows", "The off-peak windows 23:30-05:30 and 05:00-16:00 overlap"),
        ({"off_peak_rate_pence": "40"}, "off_peak_rate_pence", "The off-peak rate is higher than the peak rate"),
        ({"w0_start": "", "w0_end": "", "w1_start": "", "w1_end": ""}, "windows", "A dual-rate tariff needs"),
        ({"peak_rate_pence": "cheap"}, "peak_rate_pence", "Enter the rate in pence per kWh, e.g. 7.5."),
    ],
)
def test_mistakes_are_explained_where_they_are(signed_in, site, change, field, message):
    response = signed_in.post(url(site), BY_HAND | change)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in text(response)
    assert not Tariff.objects.filter(site=site).exists()


def test_one_price_all_day_has_no_cheap_hours(signed_in, site):
    signed_in.post(url(site), BY_HAND | {"tariff_type": TariffType.SINGLE_RATE.value})
    tariff = Tariff.objects.get(site=site)
    assert (tariff.off_peak_windows, tariff.off_peak_rate_pence) == ("", None)
    page = signed_in.get(url(site))
    assert page.context["current_strip"].windows == ()
    assert "No cheap hours" in text(page)
