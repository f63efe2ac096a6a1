"""The national dossier statuses (codes 1–10 exchanged with the National Public Service Portal)
and the only transitions allowed between them. Internal workflow states of the back office are
richer, but each maps to one of these codes, and every change goes through ``check_transition``.
"""

import functools

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Status(models.IntegerChoices):
    NEW = 1, _("Newly registered")
    ACCEPTED = 2, _("Accepted")
    REFUSED = 3, _("Not accepted")
    PROCESSING = 4, _("Being processed")
    SUPPLEMENT = 5, _("Supplementary documents requested")
    PAYMENT = 6, _("Financial obligation requested")
    WITHDRAWN = 7, _("Withdrawal requested by the citizen")
    STOPPED = 8, _("Processing stopped")
    FINISHED = 9, _("Processing finished")
    RETURNED = 10, _("Result returned")


@functools.cache
def _labels(language: str) -> dict[int, str]:
    with translation.override(language):
        return {status.value: str(status.label) for status in Status}


def status_label(status: int) -> str:
    """The label of ``status`` in the active language (each language translated once per process:
    the public tracking page shows one per history step)."""
    return _labels(translation.get_language())[status]


# From each status, the statuses it may move to.
TRANSITIONS: dict[int, frozenset[int]] = {
    Status.NEW: frozenset(
        {Status.ACCEPTED, Status.REFUSED, Status.SUPPLEMENT, Status.PAYMENT, Status.WITHDRAWN}
    ),
    Status.ACCEPTED: frozenset(
        {
            Status.PROCESSING,
            Status.SUPPLEMENT,
            Status.PAYMENT,
            Status.WITHDRAWN,
            Status.STOPPED,
            Status.FINISHED,
        }
    ),
    Status.PROCESSING: frozenset(
        {Status.SUPPLEMENT, Status.PAYMENT, Status.WITHDRAWN, Status.STOPPED, Status.FINISHED}
    ),
    # Answered before acceptance → back to 1, after acceptance → 4; never answered → refused/stopped.
    Status.SUPPLEMENT: frozenset(
        {Status.NEW, Status.PROCESSING, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED}
    ),
    # Paid → back to where the dossier was (1, 2 or 4), or finished when the fee was the last step.
    Status.PAYMENT: frozenset(
        {Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.FINISHED, Status.WITHDRAWN, Status.STOPPED}
    ),
    Status.FINISHED: frozenset({Status.RETURNED}),
    # A withdrawal is the citizen's request: the competent body stops the dossier (8, Form 05)
    # or, when it has already decided, refuses the request and the dossier goes back to where it
    # was (Decree 118/2025/NĐ-CP Art. 21(1); Circular 03/2025/TT-VPCP Art. 7).
    Status.WITHDRAWN: frozenset(
        {Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT, Status.STOPPED}
    ),
    Status.REFUSED: frozenset(),
    Status.STOPPED: frozenset(),
    Status.RETURNED: frozenset(),
}

# A citizen may ask to withdraw until the result is ready.
WITHDRAWABLE = frozenset({Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT})
# No further change: the dossier is closed.
FINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
# The processing clock runs (the due time counts) in these statuses.
CLOCK_RUNNING = frozenset({Status.ACCEPTED, Status.PROCESSING, Status.PAYMENT})


def can_transition(from_status: int, to_status: int) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def check_transition(from_status: int, to_status: int) -> None:
    """Raise a Vietnamese ``ValidationError`` unless ``from_status`` may move to ``to_status``."""
    if not can_transition(from_status, to_status):
        raise ValidationError(
            gettext("A dossier in status “%(from)s” cannot move to “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to_status).label},
            code="invalid_transition",
        )
