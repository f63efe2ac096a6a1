"""Maintained counters for the one-stop report: daily and monthly rollups keyed by (day, receiving
agency, procedure, channel), fed by draining the dossier outbox (``tinhso.statistics.rollup``),
and the same counters without the procedure (``AgencyDailyRollup``, ``AgencyMonthlyRollup``),
kept in the same transactions, for reports not filtered by field or procedure: a few hundred
rows a month for the whole province instead of one per agency, procedure and channel; and
without the agency either (``ProvinceDailyRollup``, ``ProvinceMonthlyRollup``: three rows a day
or a month) for reports on the whole province.

The outbox's ``published_at`` belongs to the national-portal sync, so this app keeps its own
record of the events it has counted: ``ProcessedEvent`` rows above a low-water mark kept in
``RollupCursor`` (every event at or below it has been counted; see ``rollup.advance_cursor``).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The counters of the Decision 766 index (``tinhso.statistics.index766``), kept from one
# ``IndexRow`` per dossier: what the dossier adds on the day it was received, the day it was closed
# and the day it was finished, as the index defines it now.
INDEX_COUNTERS = (
    "idx_received",
    "idx_digitised",
    "idx_full_process",
    "idx_full_process_online",
    "idx_fee_due",
    "idx_paid_online",
    "idx_any_fee",
    "idx_any_fee_paid_online",
    "idx_closed",
    "idx_closed_on_time",
    "idx_result",
    "idx_e_result",
    "idx_finished",
    "idx_finished_seconds",
)
COUNTERS = (
    "received",
    "received_full_process",
    "received_full_process_online",
    "digitised",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "withdrawn",
    "stopped",
    "refused",
    "returned",
    "fee_paid",
    "paid_online",
    "closed_late",
    "overdue_from",
    *INDEX_COUNTERS,
)


class Rollup(models.Model):
    """Counters of one (day, agency, procedure, channel). What each counter means:

    - ``received``: dossiers accepted for processing (first move to status 2), on that day;
      ``received_full_process`` of them for a full-process online procedure, and
      ``received_full_process_online`` of those submitted online; ``digitised`` of them that had
      their documents attached electronically when accepted;
    - ``resolved_early/on_time/late``: received dossiers finished (status 9) that day, classified
      against the due time as ``tinhso.workflows.actions.classify_result``;
    - ``fee_paid``: dossiers whose fees were paid that day (the "paid" outbox event), whatever
      their status; ``paid_online`` of them paid through the online payment gateway;
    - ``withdrawn`` / ``stopped``: received dossiers withdrawn (7) / stopped (8) that day;
    - ``refused`` (3) and ``returned`` (10) on that day;
    - ``closed_late``: received dossiers closed (9, 7, 8) after their due time, on the closing day;
      ``overdue_from``: the same dossiers counted on the day they fell due (with ``closed_late``
      this tells how many were overdue at any past day boundary);
    - ``idx_*``: the Decision 766 index's counts (see ``IndexRow``): on the day a dossier was
      received, ``idx_received`` and of them ``idx_digitised``, ``idx_full_process`` (and
      ``_online``), ``idx_fee_due`` (and ``idx_paid_online``), ``idx_any_fee`` (and
      ``_paid_online``); on the day it was closed (finished, stopped or refused) ``idx_closed``
      and ``idx_closed_on_time``; on the day it was finished ``idx_finished`` with the seconds
      from reception (``idx_finished_seconds``), ``idx_result`` (a procedure giving a document
      result) and ``idx_e_result`` of them."""

    day = models.DateField(_("day"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10)
    received = models.IntegerField(default=0)
    received_full_process = models.IntegerField(default=0)
    received_full_process_online = models.IntegerField(default=0)
    digitised = models.IntegerField(default=0)
    resolved_early = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    resolved_late = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    stopped = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    fee_paid = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    closed_late = models.IntegerField(default=0)
    overdue_from = models.IntegerField(default=0)
    idx_received = models.IntegerField(db_default=0)
    idx_digitised = models.IntegerField(db_default=0)
    idx_full_process = models.IntegerField(db_default=0)
    idx_full_process_online = models.IntegerField(db_default=0)
    idx_fee_due = models.IntegerField(db_default=0)
    idx_paid_online = models.IntegerField(db_default=0)
    idx_any_fee = models.IntegerField(db_default=0)
    idx_any_fee_paid_online = models.IntegerField(db_default=0)
    idx_closed = models.IntegerField(db_default=0)
    idx_closed_on_time = models.IntegerField(db_default=0)
    idx_result = models.IntegerField(db_default=0)
    idx_e_result = models.IntegerField(db_default=0)
    idx_finished = models.IntegerField(db_default=0)
    idx_finished_seconds = models.BigIntegerField(db_default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id} {self.procedure_id} {self.channel}"


def fee_index(name: str) -> models.Index:
    """The fee-bearing procedures with dossiers received in a period (766 item 3.5b), read from
    the index alone: a month of daily rows is ~120,000 at 10 million dossiers."""
    return models.Index(
        fields=["day"],
        include=["agency", "procedure", "idx_any_fee_paid_online"],
        name=name,
        condition=Q(idx_any_fee__gt=0),
    )


class DailyRollup(Rollup):
    class Meta:
        verbose_name = _("daily statistics")
        verbose_name_plural = _("daily statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "channel"], name="statistics_daily_key"
            )
        ]
        indexes = [fee_index("statistics_daily_fee_idx")]


class MonthlyRollup(Rollup):
    """The same counters per calendar month; ``day`` is the first day of the month."""

    class Meta:
        verbose_name = _("monthly statistics")
        verbose_name_plural = _("monthly statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "channel"], name="statistics_monthly_key"
            )
        ]
        indexes = [fee_index("statistics_monthly_fee_idx")]


class AgencyDailyRollup(Rollup):
    """The daily counters of all procedures of one (day, agency, channel)."""

    procedure = None

    class Meta:
        verbose_name = _("daily statistics by agency")
        verbose_name_plural = _("daily statistics by agency")
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "channel"], name="statistics_agency_daily_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id} {self.channel}"


class AgencyMonthlyRollup(Rollup):
    """The monthly counters of all procedures of one (month, agency, channel)."""

    procedure = None

    class Meta:
        verbose_name = _("monthly statistics by agency")
        verbose_name_plural = _("monthly statistics by agency")
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "channel"], name="statistics_agency_monthly_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id} {self.channel}"


class ProvinceDailyRollup(Rollup):
    """The daily counters of the whole province by channel, for reports on the whole province."""

    agency = None
    procedure = None

    class Meta:
        verbose_name = _("daily statistics of the province")
        verbose_name_plural = _("daily statistics of the province")
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="statistics_province_daily_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}"


class ProvinceMonthlyRollup(Rollup):
    """The monthly counters of the whole province by channel."""

    agency = None
    procedure = None

    class Meta:
        verbose_name = _("monthly statistics of the province")
        verbose_name_plural = _("monthly statistics of the province")
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="statistics_province_monthly_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}"


class IndexRow(models.Model):
    """What one received dossier adds to the index counters of the rollups, as computed the last
    time one of its outbox events was counted (``rollup``): the next time, the difference
    between the old and the new row is added, so that a later change (a result signed, a fee
    paid, a dossier finished without an electronic result) corrects the day it belongs to."""

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, primary_key=True)
    agency_id = models.BigIntegerField(null=True)
    procedure_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=10, blank=True)
    received_day = models.DateField(null=True)
    closed_day = models.DateField(null=True)
    finished_day = models.DateField(null=True)
    digitised = models.BooleanField(default=False)
    full_process = models.BooleanField(default=False)
    full_process_online = models.BooleanField(default=False)
    fee_due = models.BooleanField(default=False)
    paid_online = models.BooleanField(default=False)
    any_fee = models.BooleanField(default=False)
    closed_on_time = models.BooleanField(default=False)
    has_result = models.BooleanField(default=False)
    e_result = models.BooleanField(default=False)
    finished_seconds = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.dossier_id)


class ProcessedEvent(models.Model):
    """An outbox event (``dossiers.DossierEvent``) already counted; the primary key makes a
    second count impossible even when two workers read the same event."""

    event_id = models.BigIntegerField(primary_key=True)
    processed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return str(self.event_id)


class RollupCursor(models.Model):
    """One row: every outbox event with an id at or below ``low_water`` has been counted."""

    low_water = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.low_water)
