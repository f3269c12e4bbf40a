"""Forms for the homeowner pages: plain-word errors, phone-friendly inputs, no business rules.

The services validate the domain (energy range, clock changes, tariff windows) and their
ValidationErrors are shown on these forms by `show_service_errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from chargers.models import Asset
from chargers.validators import validate_mpan
from smartcharging.models import MAX_ENERGY_KWH, ChargingMode, TariffType
from smartcharging.services.membership import NO_CONSENT, ChargerDetails

ENERGY_PRESETS_KWH = (10, 20, 30, 40, 60)
READY_BY_PRESETS = ("06:00", "07:00", "08:00")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_EFFICIENCY_MI_PER_KWH = Decimal("3.5")  # a typical family EV; the homeowner edits it
KM_PER_MILE = Decimal("1.609344")
TIME_ERRORS = {"invalid": "Enter a time like 07:00.", "required": "Choose a time."}


def _time_input(**attrs: str) -> forms.TimeInput:
    return forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": "300", **attrs})


def _number_input(**attrs: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "decimal", **attrs})


def _kwh_to_add_field() -> forms.DecimalField:
    """The "kWh to add" box, the same in the routine and in tonight's change."""
    return forms.DecimalField(
        label="kWh to add",
        required=False,
        min_value=Decimal("0.5"),
        max_value=MAX_ENERGY_KWH,
        decimal_places=1,
        widget=_number_input(step="0.5", min="0.5", max="200"),
        error_messages={
            "min_value": "Enter at least 0.5 kWh.",
            "max_value": "That's more than any car battery holds: enter 200 kWh or less.",
            "max_decimal_places": "Use at most one decimal place, e.g. 12.5.",
            "invalid": "Enter a number of kWh, e.g. 30.",
        },
    )


def show_service_errors(form: forms.BaseForm, error: ValidationError, *, fields: dict[str, str]) -> None:
    """Put a service's ValidationError on the form: model field names mapped to form fields."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = fields.get(name)
            for message in messages:
                form.add_error(target if target in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class IntentForm(forms.Form):
    """The routine: how much to add, by when, how, and different times on some days."""

    amount_in = forms.ChoiceField(
        choices=[("kwh", "kWh"), ("range", "Miles or km")], initial="kwh", widget=forms.RadioSelect
    )
    energy_kwh = _kwh_to_add_field()
    distance = forms.DecimalField(
        label="Range to add",
        required=False,
        min_value=Decimal(1),
        max_value=Decimal(1500),
        decimal_places=0,
        widget=_number_input(step="1", min="1"),
        error_messages={"invalid": "Enter a whole number of miles or km, e.g. 100.", "min_value": "Enter at least 1."},
    )
    distance_unit = forms.ChoiceField(choices=[("mi", "miles"), ("km", "km")], initial="mi")
    efficiency = forms.DecimalField(
        label="Your car's efficiency",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal(15),
        decimal_places=2,
        initial=DEFAULT_EFFICIENCY_MI_PER_KWH,
        widget=_number_input(step="0.1", min="0.5", max="15"),
        error_messages={"invalid": "Enter the efficiency as a number, e.g. 3.5."},
    )
    ready_by = forms.TimeField(label="Ready by", widget=_time_input(), error_messages=TIME_ERRORS)
    charging_mode = forms.ChoiceField(
        label="How to charge",
        choices=[
            (ChargingMode.MINIMISE.value, "Just what I asked for"),
            (ChargingMode.MAXIMISE.value, "Fill all cheap time"),
        ],
        initial=ChargingMode.MINIMISE.value,
        widget=forms.RadioSelect,
    )
    may_charge_peak = forms.BooleanField(label="May use peak time if needed", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i, day in enumerate(WEEKDAYS):
            self.fields[f"day_{i}"] = forms.TimeField(
                label=day, required=False, widget=_time_input(), error_messages=TIME_ERRORS
            )

    @property
    def weekday_fields(self) -> list[forms.BoundField]:
        return [self[f"day_{i}"] for i in range(7)]

    @property
    def weekdays_in_use(self) -> bool:
        """Some day has its own time (or an error): the section starts open."""
        return any(field.errors or field.value() for field in self.weekday_fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("amount_in") == "range":
            distance, efficiency = data.get("distance"), data.get("efficiency")
            if distance is None and "distance" not in self.errors:
                self.add_error("distance", "Enter how far you need to go, e.g. 100.")
            if efficiency is None and "efficiency" not in self.errors:
                self.add_error("efficiency", "Enter your car's efficiency, e.g. 3.5.")
            if distance is not None and efficiency is not None:
                unit = "miles" if data.get("distance_unit") == "mi" else "km"
                energy = (distance / efficiency).quantize(Decimal("0.1"), ROUND_CEILING)
                if energy > MAX_ENERGY_KWH:
                    self.add_error(
                        "distance",
                        f"{distance} {unit} at {efficiency} {unit} per kWh is {energy} kWh, more than any car "
                        "battery holds. Check the distance and the efficiency.",
                    )
                data["energy_kwh"] = energy
        elif data.get("energy_kwh") is None and "energy_kwh" not in self.errors:
            self.add_error("energy_kwh", "Enter how many kWh to add, or tap one of the amounts.")
        return data

    @property
    def energy_estimated(self) -> bool:
        return self.cleaned_data.get("amount_in") == "range"

    def weekday_ready_by(self) -> dict[int, time | None]:
        return {i: self.cleaned_data.get(f"day_{i}") for i in range(7)}


class TonightForm(forms.Form):
    """A one-off change for the next charge; the routine is kept."""

    ready_by = forms.TimeField(label="Ready by", widget=_time_input(), error_messages=TIME_ERRORS)
    energy_kwh = _kwh_to_add_field()


TARIFF_TYPES = [
    (TariffType.DUAL_RATE.value, "Cheaper at set times"),
    (TariffType.SINGLE_RATE.value, "One price all day"),
    (TariffType.SMART.value, "Smart EV tariff (the supplier picks cheap times)"),
    (TariffType.DYNAMIC.value, "Price changes every half hour (e.g. Agile)"),
]
WINDOW_ROWS = 3
RATE_ERRORS = {
    "invalid": "Enter the rate in pence per kWh, e.g. 7.5.",
    "max_decimal_places": "Use at most two decimal places.",
}


class TariffForm(forms.Form):
    name = forms.CharField(label="Tariff name", required=False, max_length=100)
    tariff_type = forms.ChoiceField(label="Kind of tariff", choices=TARIFF_TYPES, widget=forms.RadioSelect)
    peak_rate_pence = forms.DecimalField(
        label="Normal rate (p/kWh)",
        required=False,
        decimal_places=2,
        max_digits=6,
        widget=_number_input(step="0.01"),
        error_messages=RATE_ERRORS,
    )
    off_peak_rate_pence = forms.DecimalField(
        label="Cheap rate (p/kWh)",
        required=False,
        decimal_places=2,
        max_digits=6,
        widget=_number_input(step="0.01"),
        error_messages=RATE_ERRORS,
    )
    # Composed from the rows in clean(); carries the service's errors about the windows.
    windows = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(WINDOW_ROWS):
            for end in ("start", "end"):
                self.fields[f"w{i}_{end}"] = forms.TimeField(
                    label="From" if end == "start" else "To",
                    required=False,
                    widget=_time_input(step="1800"),
                    error_messages=TIME_ERRORS,
                )

    @property
    def window_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, bool]]:
        """(start, end, shown): the rows in use, and one empty row to add another window."""
        rows = [(self[f"w{i}_start"], self[f"w{i}_end"]) for i in range(WINDOW_ROWS)]
        used = [bool(start.value() or end.value() or start.errors or end.errors) for start, end in rows]
        last_used = max((i for i, u in enumerate(used) if u), default=-1)
        return [(start, end, i <= last_used + 1) for i, (start, end) in enumerate(rows)]

    @staticmethod
    def initial_windows(text: str) -> dict[str, str]:
        """Form initial values for stored windows "23:30-05:30, 13:00-16:00"."""
        initial = {}
        for i, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
            start, _, end = part.partition("-")
            initial[f"w{i}_start"], initial[f"w{i}_end"] = start.strip(), end.strip()
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = []
        for i in range(WINDOW_ROWS):
            start, end = data.get(f"w{i}_start"), data.get(f"w{i}_end")
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(f"w{i}_start" if start is None else f"w{i}_end", "Give both a start and an end time.")
                continue
            # A time input cannot say 24:00: 00:00 to 00:00 means all day.
            all_day = start == end == time(0)
            parts.append(f"{start:%H:%M}-{'24:00' if all_day else f'{end:%H:%M}'}")
        data["windows"] = ", ".join(parts)
        if data.get("tariff_type") == TariffType.SINGLE_RATE:
            # One price all day has no cheap hours, whatever the rows still hold from a preset.
            data["windows"], data["off_peak_rate_pence"] = "", None
        return data


class BoostForm(forms.Form):
    hours = forms.TypedChoiceField(
        label="Charge now for",
        coerce=int,
        choices=[(1, "1 hour"), (2, "2 hours"), (3, "3 hours"), (4, "4 hours"), (6, "6 hours"), (8, "8 hours")],
        initial=2,
    )


class MpanField(forms.CharField):
    """The MPAN as typed from a bill, spaces allowed; checked with the validator's own words."""

    default_validators = [validate_mpan]

    def to_python(self, value: Any) -> str:
        return "".join(str(super().to_python(value)).split())


class JoinForm(forms.Form):
    """Joining Axle's programme: consent, the MPAN, and what each charger still lacks."""

    consent = forms.BooleanField(
        label="I agree to the updated terms, and to Axle reading my electricity meter to plan my charging.",
        error_messages={"required": NO_CONSENT},
    )
    mpan = MpanField(
        label="Your MPAN",
        help_text="13 digits at the bottom right of the 'S' box on your electricity bill.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter your MPAN: the 13 digits from your electricity bill."},
    )

    def __init__(self, *args: Any, assets: Sequence[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.charger_rows: list[tuple[Asset, list[forms.BoundField]]] = []
        for asset in assets:
            names = []
            if not asset.make:
                self.fields[f"make_{asset.pk}"] = forms.CharField(
                    label="Make",
                    max_length=100,
                    help_text="The brand on the charger, e.g. Zappi or Ohme.",
                    error_messages={"required": "Enter the charger's make: Axle needs it."},
                )
                names.append(f"make_{asset.pk}")
            if not asset.model:
                self.fields[f"model_{asset.pk}"] = forms.CharField(
                    label="Model",
                    max_length=100,
                    help_text="On its label or in its app, e.g. v2.1.",
                    error_messages={"required": "Enter the charger's model: Axle needs it."},
                )
                names.append(f"model_{asset.pk}")
            if not asset.installation_date:
                self.fields[f"installed_{asset.pk}"] = forms.DateField(
                    label="Installed on",
                    help_text="Roughly is fine: the month it went in.",
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                    error_messages={
                        "required": "Enter when the charger was installed: Axle needs it.",
                        "invalid": "Enter a date like 2024-05-01.",
                    },
                )
                names.append(f"installed_{asset.pk}")
            if names:
                self.charger_rows.append((asset, [self[name] for name in names]))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        for name, value in data.items():
            if name.startswith("installed_") and value is not None and value > today:
                self.add_error(name, "The installation date cannot be in the future.")
        return data

    def charger_details(self) -> list[ChargerDetails]:
        data = self.cleaned_data
        return [
            ChargerDetails(
                asset_id=asset.pk,
                make=data.get(f"make_{asset.pk}"),
                model=data.get(f"model_{asset.pk}"),
                installation_date=data.get(f"installed_{asset.pk}"),
            )
            for asset, _ in self.charger_rows
        ]


def _words(value: str) -> str:
    """Compared without regard to case, spaces or punctuation: "10 Downing St." is "10 downing st"."""
    return " ".join("".join(c if c.isalnum() else " " for c in value.casefold()).split())


class MoveOutForm(forms.Form):
    """Moving out cannot be undone: a box to tick and the address's first line to type."""

    understood = forms.BooleanField(
        label="I understand that my rewards can no longer be read or withdrawn afterwards.",
        error_messages={"required": "Tick the box to show you've read what happens."},
    )
    address_line = forms.CharField(
        label="Type the first line of the address",
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words", "spellcheck": "false"}),
        error_messages={"required": "Type the first line of the address to confirm."},
    )

    def __init__(self, *args: Any, address_line: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_line = address_line

    def clean_address_line(self) -> str:
        typed = str(self.cleaned_data.get("address_line", ""))
        if _words(typed) != _words(self.expected_line):
            raise ValidationError(f"That isn't this home's first line. Type it as shown: {self.expected_line}.")
        return typed
