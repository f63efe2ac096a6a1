"""Dossiers get a random submission reference; the dossier code is issued on reception (Decree
118/2025/NĐ-CP Art. 17(3) as amended by Decree 309/2026/NĐ-CP Art. 8(3)). Every dossier already
submitted (not received at the counter) gets a reference; its code stays as it is."""

import secrets

from django.db import migrations, models

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _reference() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def backfill_references(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    pending = Dossier.objects.filter(is_draft=False, submission_reference__isnull=True).exclude(
        channel="direct"
    )
    given = set()
    while True:
        batch = list(pending.only("pk")[:1000])
        if not batch:
            break
        for dossier in batch:
            reference = _reference()
            while reference in given:
                reference = _reference()
            given.add(reference)
            dossier.submission_reference = reference
        Dossier.objects.bulk_update(batch, ["submission_reference"])


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0008_event_kind"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="dossier",
            name="dossiers_submitted_has_code",
        ),
        migrations.AddField(
            model_name="dossier",
            name="submission_reference",
            field=models.CharField(
                blank=True, max_length=20, null=True, unique=True, verbose_name="submission reference"
            ),
        ),
        migrations.RunPython(backfill_references, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_draft", True),
                    models.Q(
                        ("submitted_at__isnull", False),
                        models.Q(
                            ("submission_reference__isnull", False), ("code__isnull", False), _connector="OR"
                        ),
                    ),
                    _connector="OR",
                ),
                name="dossiers_submitted_has_code_or_reference",
            ),
        ),
        migrations.AddConstraint(
            model_name="dossier",
            constraint=models.CheckConstraint(
                condition=models.Q(("received_at__isnull", True), ("code__isnull", False), _connector="OR"),
                name="dossiers_received_has_code",
            ),
        ),
    ]
