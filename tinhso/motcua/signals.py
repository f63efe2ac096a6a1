"""What the one-stop actions announce to the apps above them, inside the action's transaction
(as ``tinhso.dossiers.signals`` does for the dossier actions): those apps import
``tinhso.motcua``, never the other way round. The one-stop forms (``tinhso.official_forms.apps``)
issue Form 03 when a dossier is refused, and register in the outgoing register and issue the
letters of Form 04 when its due time is extended and Form 05 when it is stopped. A receiver's
error rolls the action back."""

from django.dispatch import Signal

# A dossier was refused at reception: ``dossier`` (locked), ``actor``, ``at``.
dossier_refused = Signal()
# A dossier's due time was extended: ``dossier`` (locked), ``agency`` (the agency that is late, in
# whose name the apology is written), ``actor``, ``at``.
dossier_extended = Signal()
# A dossier was stopped, by the agency or at the applicant's request: ``dossier`` (locked),
# ``actor``, ``at``.
dossier_stopped = Signal()
