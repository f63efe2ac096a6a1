"""Writes to the calendar's tables change ``core.ReferenceVersion`` "calendar": every server
process sees a change made by another at its next request (``tinhso.worktime.calendar``)."""

from django.db import migrations

from tinhso.core.reference import install_triggers, remove_triggers

TABLES = [
    "worktime_workschedule",
    "worktime_workperiod",
    "worktime_calendarexception",
    "worktime_holidayyear",
    "worktime_holiday",
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("worktime", "0003_holiday_years"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install_triggers(schema_editor, "calendar", TABLES),
            lambda apps, schema_editor: remove_triggers(schema_editor, TABLES),
            elidable=False,
        ),
    ]
