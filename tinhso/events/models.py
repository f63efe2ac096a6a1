"""The event feed and the webhooks.

``FeedEntry`` puts the source outboxes (``dossiers.DossierEvent``, ``documents.DocumentEvent``
and the feedback reports' ``feedback.StateChange``) in one order: a database trigger on each
source table writes one entry in the transaction that writes the outbox row, with the id of that
transaction (``tinhso.events.feed`` explains why the order is (transaction id, entry id) and how
a reader never skips an entry). The entry only points at its row; the CloudEvent is rendered from
the row when read.

A ``Subscription`` receives the events of its types and agency as signed webhooks: one
``Delivery`` per (subscription, entry), retried with back-off until the subscriber answers 2xx
or the attempts run out (dead letter), each try kept as an ``Attempt``.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Source(models.TextChoices):
    DOSSIER = "dossier", _("dossiers")
    DOCUMENT = "document", _("documents")
    FEEDBACK = "feedback", _("feedback")


class FeedEntry(models.Model):
    """One event of the feed; written by the database triggers only (migration 0001)."""

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(default=0)  # PostgreSQL's pg_current_xact_id(); 0 on SQLite
    source = models.CharField(max_length=10, choices=Source.choices)
    source_id = models.BigIntegerField()
    # Set by the database when the trigger inserts the entry: for the retention schedule.
    created_at = models.DateTimeField(db_default=Now(), db_index=True)

    class Meta:
        verbose_name = _("feed event")
        verbose_name_plural = _("feed events")
        ordering = ["txid", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="events_feed_source_once")
        ]
        indexes = [models.Index(fields=["txid", "id"], name="events_feed_order")]
        permissions = [("read_feed", _("Can read the event feed"))]

    def __str__(self) -> str:
        return f"{self.source}-{self.source_id}"


class DispatchCursor(models.Model):
    """Where the webhook dispatcher is in the feed (one row, pk 1)."""

    txid = models.BigIntegerField(default=0)
    entry_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.txid}.{self.entry_id}"


class PrunedHorizon(models.Model):
    """The last feed entry the retention schedule deleted (one row, pk 1): a reader resuming
    from a cursor before it has missed events and is told so."""

    txid = models.BigIntegerField(default=0)
    entry_id = models.BigIntegerField(default=0)
    pruned_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.txid}.{self.entry_id}"


class Subscription(models.Model):
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("address"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list, blank=True)  # empty: every type
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class SigningSecret(models.Model):
    """A signing key ("whsec_" + base64 of 32 random bytes). After a rotation the old one signs
    too until ``expires_at``, so the subscriber can switch without losing a delivery."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.created_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("given up")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    entry = models.ForeignKey(FeedEntry, on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(_("event type"), max_length=80)
    state = models.CharField(
        pgettext_lazy("delivery", "state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    resent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["subscription", "entry"], name="events_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="events_delivery_due", condition=models.Q(state="pending")
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.entry_id} {self.state}"


class Attempt(models.Model):
    """One try of a delivery: the subscriber's answer (status code) or what went wrong."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"


class SubscriptionEvent(models.Model):
    """The webhooks' own outbox: every change of a subscription, a secret rotation, a resend
    (written by ``tinhso.events.actions`` with the audit entry; never a secret)."""

    kind = models.CharField(max_length=20)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subscription_id}"
