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
from django.utils.translation import gettext_lazy as _

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
      this tells how many were overdue at any past day boundary)."""

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

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id} {self.procedure_id} {self.channel}"


class DailyRollup(Rollup):
    class Meta:
        verbose_name = _("daily statistics")
        verbose_name_plural = _("daily statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "channel"], name="statistics_daily_key"
            )
        ]


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
