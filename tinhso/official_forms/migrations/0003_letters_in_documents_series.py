from django.db import migrations, models

TYPES = {4: "cong_van", 5: "thong_bao"}


def number_in_documents_series(apps, schema_editor):
    """Each letter gets the series the documents' numbering gives its type in its agency today, and
    each series counter is raised to at least the highest number its letters took, so that no
    number given from now on repeats one a letter already has."""
    Letter = apps.get_model("official_forms", "Letter")
    RegisterSettings = apps.get_model("documents", "RegisterSettings")
    SeriesCounter = apps.get_model("documents", "SeriesCounter")
    per_type = set(
        RegisterSettings.objects.filter(series_mode="per_type").values_list("agency_id", flat=True)
    )
    highest: dict[tuple[int, int, str], int] = {}
    for letter in Letter.objects.order_by("pk").iterator():
        letter.series = f"type:{TYPES[letter.form_number]}" if letter.agency_id in per_type else "common"
        letter.save(update_fields=["series"])
        key = (letter.agency_id, letter.year, letter.series)
        highest[key] = max(highest.get(key, 0), letter.number)
    for (agency_id, year, series), number in highest.items():
        counter, _created = SeriesCounter.objects.get_or_create(agency_id=agency_id, year=year, series=series)
        if counter.value < number:
            counter.value = number
            counter.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_documents_initial"),
        ("official_forms", "0002_issued_forms"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="letter", name="letter_agency_year_number"),
        migrations.AddField(
            model_name="letter",
            name="series",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(number_in_documents_series, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="letter",
            constraint=models.UniqueConstraint(
                fields=("agency", "year", "series", "number"), name="letter_agency_year_series_number"
            ),
        ),
        migrations.DeleteModel(name="LetterCounter"),
    ]
