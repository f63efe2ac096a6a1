"""A dossier is put on its flow when it is submitted (in the submitting transaction)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from tinhso.dossiers.models import Dossier


@receiver(post_save, sender=Dossier, dispatch_uid="workflows_start_flow")
def start_flow_on_submission(sender, instance: Dossier, created: bool, update_fields=None, **kwargs):
    if instance.is_draft or kwargs.get("raw"):
        return
    if not created and update_fields is not None and "is_draft" not in update_fields:
        return
    from tinhso.workflows.actions import start_flow

    start_flow(instance, new=created)
