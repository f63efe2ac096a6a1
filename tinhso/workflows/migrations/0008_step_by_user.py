"""The handoffs by the officer who made them, latest first: each officer's list of the dossiers they
handled (``tinhso.motcua.inbox.handled_by``)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_agency_symbol"),
        ("dossiers", "0016_withdrawal_index_on_flows"),
        ("workflows", "0007_inbox_desk_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="steprecord",
            index=models.Index(fields=["from_user", "at", "dossier"], name="workflows_step_by_user_idx"),
        ),
    ]
