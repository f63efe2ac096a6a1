"""What the dossier actions announce to the apps above them, inside the action's transaction:
those apps import ``tinhso.dossiers``, never the other way round. The workflow engine
(``tinhso.workflows.apps``) puts a new dossier on its flow and restarts the examination time of
a dossier completed at reception; the one-stop forms (``tinhso.official_forms.apps``) issue, signed,
Form 01 when a dossier is accepted and Form 02 when a supplement is requested. A receiver's error
rolls the action back."""

from django.dispatch import Signal

# A dossier got its code (submitted online or received at the counter): ``dossier``, ``at``.
dossier_created = Signal()
# The applicant completed a dossier sent back at reception (status 1 again): ``dossier``, ``at``.
dossier_completed_at_reception = Signal()
# A dossier was accepted for processing (sent by the flow engine): ``dossier`` (locked),
# ``actor``, ``at``.
dossier_accepted = Signal()
# A supplement was requested from the applicant: ``dossier`` (locked), ``actor``, ``at``.
supplement_requested = Signal()
# A status change was written to the outbox (``DossierEvent``): ``event``. The national portal
# sync (``tinhso.national.apps``) wakes its worker on commit.
outbox_written = Signal()
