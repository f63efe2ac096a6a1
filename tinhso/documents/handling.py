"""Handling deadlines of incoming documents and the reminders to the person in charge.

Decree 30/2020/NĐ-CP Art. 24 (read in the research notes' summary of the full text, not in the
gazette): the clerk presents an incoming document to the leader the same day, at the latest the
next working day, urgent ones at once (``presentation_due``; the list marks a registered document
still waiting past it); the leader names the unit or person in charge, the co-ordinators and the
handling deadline (``actions.assign_incoming``, in working days of the province's calendar,
``tinhso.worktime``). The agency's leader follows handling across the agency (the "overdue"
list); the person in charge (or, while a unit in charge has named nobody, its leaders) is
reminded once a deadline is within one working day ("due soon") and once it has passed
("overdue"), in the app (``reminders_for``) and by e-mail.

``actions.remind_handlers`` (run every minute by ``deliver_documents``, the documents' worker)
writes each reminder's row before its message; the row is unique per document, person, threshold
and deadline, so two processes never send one twice and a new deadline is reminded afresh.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tinhso.accounts.models import Membership, Role, User
from tinhso.core.text import format_datetime
from tinhso.documents.models import HandlingReminder, IncomingDocument, Urgency
from tinhso.worktime.calendar import add_working_hours, is_working_day, next_working_moment, working_periods

DUE_SOON_WORKING_HOURS = 8  # one working day
Threshold = HandlingReminder.Threshold


def presentation_due(document: IncomingDocument) -> datetime.datetime | None:
    """When a registered document must be before the leader (Art. 24): at once when urgent,
    otherwise by the end of office hours of the next working day."""
    if document.registered_at is None:
        return None
    if document.urgency != Urgency.NORMAL:
        return document.registered_at
    day = next_working_moment(document.registered_at).date() + datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return working_periods(day)[-1][1]


def due(now: datetime.datetime) -> list[tuple[IncomingDocument, str, User]]:
    """The (document, threshold, person) whose reminder is owed at ``now`` and not yet written:
    the person in charge, or while a unit in charge has named nobody, each leader of the unit."""
    soon = add_working_hours(now, DUE_SOON_WORKING_HOURS)
    assigned = IncomingDocument.objects.filter(
        state=IncomingDocument.State.ASSIGNED, handling_due_at__isnull=False
    ).select_related("handler", "agency")
    owed = []
    for threshold, documents in (
        (Threshold.OVERDUE, assigned.filter(handling_due_at__lte=now)),
        (Threshold.DUE_SOON, assigned.filter(handling_due_at__gt=now, handling_due_at__lte=soon)),
    ):
        sent = HandlingReminder.objects.filter(
            incoming=OuterRef("pk"),
            user=OuterRef("handler"),
            threshold=threshold,
            due_at=OuterRef("handling_due_at"),
        )
        for document in documents.filter(handler__isnull=False).exclude(Exists(sent)).order_by("pk"):
            assert document.handler is not None
            owed.append((document, str(threshold), document.handler))
        for document in documents.filter(handler__isnull=True, handling_unit__isnull=False).order_by("pk"):
            assert document.handling_due_at is not None and document.handling_unit_id is not None
            reminded = HandlingReminder.objects.filter(
                incoming=document, threshold=threshold, due_at=document.handling_due_at
            ).values("user_id")
            leaders = Membership.objects.active().filter(
                agency_id=document.handling_unit_id, role=Role.LEADER
            )
            unit = (
                User.objects.filter(pk__in=leaders.values("user_id")).exclude(pk__in=reminded).order_by("pk")
            )
            owed += [(document, str(threshold), leader) for leader in unit]
    return owed


def message(document: IncomingDocument, threshold: str) -> tuple[str, str]:
    """The e-mail's subject and body, in Vietnamese."""
    assert document.handling_due_at is not None
    with translation.override("vi"):
        values = {
            "subject": document.subject,
            "due": format_datetime(document.handling_due_at),
        }
        if threshold == Threshold.OVERDUE:
            subject = _("Overdue: %(subject)s") % values
            first = _("The handling deadline of this document passed at %(due)s.") % values
        else:
            subject = _("Due soon: %(subject)s") % values
            first = _("The handling deadline of this document is %(due)s.") % values
        body = [
            first,
            "",
            document.reference or document.subject,
            document.subject,
            _("Sender: %(name)s") % {"name": document.sender_name},
            "",
            settings.SITE_URL.rstrip("/") + reverse("documents:incoming", args=[document.pk]),
            "",
            settings.PLATFORM_NAME,
        ]
    return subject, "\n".join(body)


def reminders_for(user: User) -> QuerySet[HandlingReminder]:
    """The in-app reminders of ``user``: those of documents still in their hands (or in their
    unit's, while nobody of it is named)."""
    led = Membership.objects.active().filter(user=user, role=Role.LEADER).values("agency_id")
    return HandlingReminder.objects.filter(
        Q(incoming__handler=user) | Q(incoming__handler__isnull=True, incoming__handling_unit__in=led),
        user=user,
        incoming__state=IncomingDocument.State.ASSIGNED,
        due_at=F("incoming__handling_due_at"),
    ).select_related("incoming")
