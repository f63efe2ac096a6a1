"""The inbox's desk index holds every column the inbox counts, pages and searches by names
(index-only scans); it replaces the index of the agency alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_agency_symbol"),
        ("dossiers", "0016_withdrawal_index_on_flows"),
        ("procedures", "0011_fee_reduced_when"),
        ("workflows", "0006_dossier_copies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossierflow",
            index=models.Index(
                condition=models.Q(("waiting_roles", ""), _negated=True),
                fields=[
                    "current_agency",
                    "dossier_due_at",
                    "dossier_submitted_at",
                    "dossier",
                    "id",
                    "waiting_roles",
                    "dossier_status",
                    "assignee",
                    "procedure",
                    "step_due_at",
                    "search_name",
                ],
                name="workflows_desk_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="dossierflow",
            name="workflows_waiting_idx",
        ),
    ]
