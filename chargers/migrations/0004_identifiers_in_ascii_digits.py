"""Identifiers in ASCII digits only (chargers/validators.py): charge point ids get their validator, and
MPANs saved before the rule in another script's digits are rewritten in 0-9.

An MPAN whose 0-9 spelling another site already has is left as it is: two homes claim one meter, and
an operator must say which (the site's admin form names the problem when it is next saved).
"""

import unicodedata

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

import chargers.validators


def _in_ascii_digits(value: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)


def mpans_in_ascii_digits(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    site_model = apps.get_model("chargers", "Site")
    for site in site_model.objects.exclude(mpan__regex=r"^[0-9]*$").only("pk", "mpan"):
        spelled = _in_ascii_digits(site.mpan)
        if spelled != site.mpan and not site_model.objects.filter(mpan=spelled).exists():
            site_model.objects.filter(pk=site.pk).update(mpan=spelled)


class Migration(migrations.Migration):
    dependencies = [
        ("chargers", "0003_ocpp_gateway"),
    ]

    operations = [
        migrations.AlterField(
            model_name="asset",
            name="ocpp_charge_point_id",
            field=models.CharField(
                help_text="The id the charger uses in its OCPP URL, /ocpp/<charge point id>.",
                max_length=64,
                unique=True,
                validators=[chargers.validators.validate_charge_point_id],
                verbose_name="OCPP charge point id",
            ),
        ),
        migrations.RunPython(mpans_in_ascii_digits, migrations.RunPython.noop, elidable=True),
    ]
