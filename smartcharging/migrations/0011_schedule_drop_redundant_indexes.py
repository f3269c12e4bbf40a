"""Drop two indexes of ChargingSchedule that no query needs, which every push paid for twice.

- asset_id alone: schedule_asset_history (asset_id, received_at) starts with it.
- envelope_id's varchar_pattern_ops copy, which PostgreSQL gets for LIKE: envelope ids are only
  ever compared whole, which the unique index serves.

Django's own AlterField(db_index=False) is not used: on PostgreSQL it drops every plain index on
the column it finds, and that includes the partial unique index schedule_one_current_per_asset.
The state change is Django's; the database change drops exactly these two, by what they index.
"""

from django.db import migrations, models

FK_INDEX = "smartcharging_chargingschedule_asset_id"
LIKE_INDEX = "smartcharging_chargingschedule_envelope_id_like"


def _redundant(schema_editor, model):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    for name, info in constraints.items():
        if not info["index"] or info["unique"] or info["primary_key"]:
            continue
        if info["columns"] == ["asset_id"] or (info["columns"] == ["envelope_id"] and name.endswith("_like")):
            yield name


def drop(apps, schema_editor):
    model = apps.get_model("smartcharging", "ChargingSchedule")
    for name in list(_redundant(schema_editor, model)):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def restore(apps, schema_editor):
    model = apps.get_model("smartcharging", "ChargingSchedule")
    table = schema_editor.quote_name(model._meta.db_table)
    schema_editor.execute(f"CREATE INDEX {schema_editor.quote_name(FK_INDEX)} ON {table} (asset_id)")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(LIKE_INDEX)} ON {table} (envelope_id varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chargers", "0003_ocpp_gateway"),
        ("smartcharging", "0010_schedule_waiting_to_apply_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="chargingschedule",
                    name="asset",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="schedules",
                        to="chargers.asset",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
