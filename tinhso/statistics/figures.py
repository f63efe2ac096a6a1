"""The dossiers behind each number of the one-stop report: one definition per figure, the one the
rollups count (``tinhso.statistics.report`` reads them, ``rollup.REBUILD_SQL`` and
``rollup._contributions`` keep them), written as a query on the dossiers so that a number opens
the list it counts. ``tests/test_figures.py`` checks, figure by figure, that the report's number
is the length of its list.

Times are compared with the period's bounds (``date_from`` 00:00 to the day after ``date_to``
00:00, local time), as the rollups group events by their local day. A dossier is "closed" when it
is finished (``finished_at``) or stopped (status 8, at its last change to 8); its due time is the
one before the stop for a stopped dossier.
"""

import datetime

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import (
    Attachment,
    Channel,
    Dossier,
    DossierStatusChange,
    DueTimeChange,
    DueTimeChangeKind,
)
from tinhso.dossiers.status import Status
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.procedures.models import OnlineLevel
from tinhso.statistics.report import OPEN, overdue_before

# figure -> its title on the list page; the keys are the ones the report page links.
FIGURES = {
    "carried_over": _("Carried over from the previous period"),
    "received": _("Newly received"),
    "received_online": _("Newly received online"),
    "received_direct": _("Newly received in person"),
    "received_postal": _("Newly received by post"),
    "to_process": _("Total to process"),
    "resolved": _("Resolved"),
    "resolved_early": _("Resolved early"),
    "resolved_on_time": _("Resolved on time"),
    "resolved_late": _("Resolved late"),
    "in_progress": _("In progress"),
    "not_yet_due": _("In progress, not yet due"),
    "overdue": _("Overdue dossiers"),
    "withdrawn": _("Withdrawn"),
    "stopped": _("Stopped"),
    "refused": _("Refused"),
    "returned": _("Results returned"),
    "fee_paid": _("Dossiers with fees paid"),
    "paid_online": _("Fees paid online"),
    "digitised": _("Received with their documents as files"),
    "full_process": _("Received for full-process online procedures"),
    "full_process_online": _("Received online for full-process online procedures"),
}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def in_scope(agency=None, include_children=True, field=None, procedure=None) -> QuerySet:
    """The submitted dossiers of the report's scope (receiving agency, field, procedure)."""
    dossiers = Dossier.objects.filter(is_draft=False)
    if agency is not None and include_children:
        dossiers = dossiers.filter(receiving_agency__path__startswith=agency.path)
    elif agency is not None:
        dossiers = dossiers.filter(receiving_agency=agency)
    if procedure is not None:
        dossiers = dossiers.filter(procedure=procedure)
    elif field is not None:
        dossiers = dossiers.filter(procedure__field=field)
    return dossiers


def _with_closing(dossiers: QuerySet) -> QuerySet:
    """``closed_at`` (finished, or stopped at its last change to 8; None while open or never
    received), ``ended_at`` (refused or stopped: the last change to that status) and ``due`` (the
    due time, before the stop for a stopped dossier)."""
    last_change = Subquery(
        DossierStatusChange.objects.filter(dossier=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-at")
        .values("at")[:1]
    )
    due_before_stop = Subquery(
        DueTimeChange.objects.filter(dossier=OuterRef("pk"), kind=DueTimeChangeKind.STOP)
        .order_by("pk")
        .values("old_due_at")[:1]
    )
    return dossiers.annotate(
        ended_at=Case(
            When(status__in=(Status.REFUSED, Status.STOPPED), then=Coalesce(last_change, F("updated_at")))
        ),
        closed_at=Case(
            When(received_at__isnull=True, then=None),
            When(finished_at__isnull=False, then=F("finished_at")),
            When(status=Status.STOPPED, then=F("ended_at")),
        ),
        due=Case(When(status=Status.STOPPED, then=due_before_stop), default=F("due_at")),
    )


def _not_closed_before(moment) -> Q:
    return Q(closed_at__isnull=True) | Q(closed_at__gte=moment)


def _withdrawal_granted() -> Exists:
    return Exists(
        DossierStatusChange.objects.filter(
            dossier=OuterRef("pk"), from_status=Status.WITHDRAWN, to_status=Status.STOPPED
        )
    )


def figure_dossiers(
    figure: str,
    agency=None,
    include_children=True,
    field=None,
    procedure=None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet:
    """The dossiers counted by ``figure`` of the report for this scope and period (a key of
    ``FIGURES``; KeyError otherwise)."""
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or date_to.replace(month=1, day=1)
    start, end = _start_of(date_from), _start_of(date_to + datetime.timedelta(days=1))
    dossiers = _with_closing(in_scope(agency, include_children, field, procedure))
    received = dossiers.filter(received_at__isnull=False)
    in_period = {"received_at__gte": start, "received_at__lt": end}
    finished = received.filter(finished_at__gte=start, finished_at__lt=end)
    early = Q(due__isnull=False, finished_at__lte=F("due"), finished_day__lt=TruncDate("due"))
    late = Q(due__isnull=False, finished_at__gt=F("due"))
    stopped = received.filter(status=Status.STOPPED, ended_at__gte=start, ended_at__lt=end).annotate(
        withdrawal=_withdrawal_granted()
    )
    in_progress = received.filter(Q(received_at__lt=end) & _not_closed_before(end))
    before = overdue_before(date_to)
    overdue = received.filter(status__in=OPEN, due_at__lt=before)
    if date_to < today:
        # Closed late after the end of a past period, due before it (the rollups' ``overdue_from``
        # and ``closed_late``).
        overdue = received.filter(
            Q(status__in=OPEN, due_at__lt=before)
            | Q(closed_at__gte=end, due__lt=before, closed_at__gt=F("due"))
        )
    paid = dossiers.filter(paid_at__gte=start, paid_at__lt=end)
    queries = {
        "carried_over": lambda: received.filter(Q(received_at__lt=start) & _not_closed_before(start)),
        "received": lambda: received.filter(**in_period),
        "received_online": lambda: received.filter(**in_period, channel=Channel.ONLINE),
        "received_direct": lambda: received.filter(**in_period, channel=Channel.DIRECT),
        "received_postal": lambda: received.filter(**in_period, channel=Channel.POSTAL),
        "to_process": lambda: received.filter(Q(received_at__lt=end) & _not_closed_before(start)),
        "resolved": lambda: finished,
        "resolved_early": lambda: finished.annotate(finished_day=TruncDate("finished_at")).filter(early),
        "resolved_on_time": lambda: finished.annotate(finished_day=TruncDate("finished_at")).exclude(
            early | late
        ),
        "resolved_late": lambda: finished.filter(late),
        "in_progress": lambda: in_progress,
        "not_yet_due": lambda: in_progress.filter(~Exists(overdue.filter(pk=OuterRef("pk")))),
        "overdue": lambda: overdue,
        "withdrawn": lambda: stopped.filter(withdrawal=True),
        "stopped": lambda: stopped.filter(withdrawal=False),
        "refused": lambda: dossiers.filter(status=Status.REFUSED, ended_at__gte=start, ended_at__lt=end),
        "returned": lambda: dossiers.filter(returned_at__gte=start, returned_at__lt=end),
        "fee_paid": lambda: paid,
        "paid_online": lambda: paid.filter(
            Exists(Payment.objects.filter(dossier=OuterRef("pk"), status=PaymentStatus.PAID))
        ),
        "digitised": lambda: received.filter(**in_period).filter(
            Exists(
                Attachment.objects.filter(dossier=OuterRef("pk"), uploaded_at__lte=OuterRef("received_at"))
            )
        ),
        "full_process": lambda: received.filter(**in_period, procedure__online_level=OnlineLevel.FULL),
        "full_process_online": lambda: received.filter(
            **in_period, procedure__online_level=OnlineLevel.FULL, channel=Channel.ONLINE
        ),
    }
    return queries[figure]()
