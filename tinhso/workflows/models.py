"""Processing flows as data.

A ``Flow`` belongs to a procedure (or is shared, the default for procedures without their own);
its ``FlowVersion``s hold the ``State``s (each mapped to one national status code 1–10) and the
``Action``s between them (who may take them, conditions, the duration of the step they start,
transfers to other agencies). A published version never changes: edits go to a new version.
A running dossier keeps, in its ``DossierFlow``, the version it started with; each handoff is a
``StepRecord`` (what Form 06, the control sheet, prints).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import Role
from tinhso.agencies.models import AgencyKind
from tinhso.dossiers.status import CLOCK_RUNNING, Status


def _refuse_if_published(version) -> None:
    if version.is_published:
        raise ValidationError(
            _("A published flow version cannot be changed: create a new version."), code="published"
        )


class Condition(models.TextChoices):
    PAYMENT_RECEIVED = "payment_received", _("fees paid (or none due)")
    RESULT_SIGNED = "result_signed", _("result signed")
    ALL_DOCUMENTS_PRESENT = "all_documents_present", _("every required document attached")
    ASSIGNED = "assigned", _("assigned to an officer")


class DurationUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class Flow(models.Model):
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flows",
        help_text=_("Empty: a shared flow, used by procedures without a flow of their own."),
    )
    key = models.SlugField(_("key"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=255)
    is_default = models.BooleanField(
        _("default flow"), default=False, help_text=_("The shared flow used when a procedure has none.")
    )

    class Meta:
        verbose_name = _("processing flow")
        verbose_name_plural = _("processing flows")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def published_version(self) -> "FlowVersion | None":
        """The latest published version, or None."""
        return self.versions.filter(is_published=True).order_by("-number").first()


class FlowVersion(models.Model):
    flow = models.ForeignKey(Flow, verbose_name=_("flow"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("flow version")
        verbose_name_plural = _("flow versions")
        ordering = ["flow", "number"]
        constraints = [models.UniqueConstraint(fields=["flow", "number"], name="workflows_version_number")]

    def __str__(self) -> str:
        return f"{self.flow} v{self.number}"

    def start_state(self):
        return self.states.get(is_start=True)


class State(models.Model):
    version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="states")
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=255)
    status_code = models.PositiveSmallIntegerField(_("national status"), choices=Status.choices)
    is_start = models.BooleanField(_("start state"), default=False)
    is_end = models.BooleanField(_("end state"), default=False)

    class Meta:
        verbose_name = _("state")
        verbose_name_plural = _("states")
        ordering = ["version", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="workflows_state_key")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_published(self.version)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_published(self.version)
        return super().delete(*args, **kwargs)


class Action(models.Model):
    version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="actions")
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=255)
    from_state = models.ForeignKey(
        State, verbose_name=_("from state"), on_delete=models.CASCADE, related_name="actions_out"
    )
    to_state = models.ForeignKey(
        State, verbose_name=_("to state"), on_delete=models.CASCADE, related_name="actions_in"
    )
    roles = models.JSONField(_("roles allowed"), default=list, blank=True, help_text=_("Role values."))
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    duration = models.DecimalField(
        _("duration of the next step"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Empty: the step runs until the dossier's due time."),
    )
    duration_unit = models.CharField(
        _("unit"), max_length=20, choices=DurationUnit.choices, default=DurationUnit.WORKING_HOURS
    )
    assign_role = models.CharField(
        _("assign to an officer of role"),
        max_length=30,
        choices=Role.choices,
        blank=True,
        help_text=_("The officer taking the action chooses who handles the next step."),
    )
    transfers_to_agency_kind = models.CharField(
        _("transfer to an agency of kind"), max_length=20, choices=AgencyKind.choices, blank=True
    )
    target_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("transfer to agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    returns_to_receiving_agency = models.BooleanField(_("back to the receiving agency"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "from_state", "key"], name="workflows_action_key")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_published(self.version)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_published(self.version)
        return super().delete(*args, **kwargs)

    @property
    def transfers(self) -> bool:
        return bool(
            self.transfers_to_agency_kind or self.target_agency_id or self.returns_to_receiving_agency
        )


class DossierFlow(models.Model):
    """Where a dossier is in its flow: the version it started with, the current state, agency,
    officer and step times. ``alert_level`` remembers which deadline warnings were sent, and
    ``step_alert_sent`` whether the current step's own warning (online dossier not examined,
    paper dossier not transferred in time) was."""

    ALERT_NONE, ALERT_DUE_SOON, ALERT_OVERDUE = 0, 1, 2

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, related_name="flow")
    version = models.ForeignKey(FlowVersion, on_delete=models.PROTECT, related_name="dossier_flows")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_dossier_flows",
    )
    current_agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("current agency"), on_delete=models.PROTECT, related_name="+"
    )
    # The roles that may act in the current state, as ",role,role,": the inbox filters on it.
    waiting_roles = models.CharField(max_length=200, blank=True)
    # Folded applicant name for accent-insensitive search.
    search_name = models.CharField(max_length=200, blank=True, db_index=True)
    step_started_at = models.DateTimeField(_("step started at"))
    step_due_at = models.DateTimeField(_("step due at"), null=True, blank=True)
    alert_level = models.PositiveSmallIntegerField(default=ALERT_NONE)
    step_alert_sent = models.BooleanField(default=False)
    timing = models.CharField(_("result timing"), max_length=10, blank=True)
    # Copies of the dossier's fields the officers' inbox filters, counts and sorts on, so that it
    # reads the flow rows alone (``tinhso.motcua.inbox``): at 10 million dossiers, joining each
    # of a busy desk's 24,575 open flows to its dossier took most of the page's time. The
    # database keeps them equal to the dossier's, whoever writes either row (triggers of
    # migration 0006); the application never writes them.
    dossier_status = models.PositiveSmallIntegerField(null=True, editable=False)
    dossier_due_at = models.DateTimeField(null=True, editable=False)
    dossier_submitted_at = models.DateTimeField(null=True, editable=False)
    procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.DO_NOTHING,
        null=True,
        editable=False,
        db_index=False,
        related_name="+",
    )
    receiving_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.DO_NOTHING,
        null=True,
        editable=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dossier in a flow")
        verbose_name_plural = _("dossiers in flows")
        indexes = [
            models.Index(fields=["current_agency", "state"], name="workflows_inbox_idx"),
            # The officers' inbox: only the steps someone may act on (a closed flow waits for
            # nobody), by the agency holding the dossier (``tinhso.motcua.inbox``), in due order,
            # with every column the inbox counts, pages and searches by names: a busy desk is
            # read from the index alone, without reading its flows' rows.
            models.Index(
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
                condition=~Q(waiting_roles=""),
            ),
            # The withdrawal requests, for the receiving agency's one-stop officers and for the
            # leaders of the agency holding the dossier.
            models.Index(
                fields=["receiving_agency"],
                name="workflows_withdrawal_idx",
                condition=Q(dossier_status=Status.WITHDRAWN),
            ),
            models.Index(
                fields=["current_agency"],
                name="workflows_withdrawal_here_idx",
                condition=Q(dossier_status=Status.WITHDRAWN),
            ),
            # The leaders' list of the overdue dossiers at their agencies, worst first.
            models.Index(
                fields=["current_agency", "dossier_due_at"],
                name="workflows_running_due_idx",
                condition=Q(dossier_status__in=sorted(CLOCK_RUNNING)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.state}"


class StepRecord(models.Model):
    """One handoff (Form 06)."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="step_records")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action_name = models.CharField(_("action"), max_length=255)
    from_state = models.ForeignKey(State, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    # The step that ended with this handoff: when it started, when it was due, whether on time.
    step_started_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField(_("step due at"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        ordering = ["dossier", "at", "pk"]
        indexes = [
            # What an officer handled (``tinhso.motcua.inbox.handled_by``), their latest first.
            models.Index(fields=["from_user", "at", "dossier"], name="workflows_step_by_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.action_name}"
