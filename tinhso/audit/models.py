"""The append-only, tamper-evident audit trail (see ``hashing`` for what is hashed).

Each entry is linked by hash to the previous entry about the same object, so writers on
different objects never wait for each other. Anchors periodically chain the latest hash of
every changed object, so that removing the newest entries of a chain, or rewriting a whole
chain, is detected too. Rows are never updated nor deleted: the model and its queryset refuse,
and on PostgreSQL a trigger refuses even raw SQL (migration 0002).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.audit import hashing


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows cannot be updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows cannot be deleted.")


class AuditEntry(AppendOnlyModel):
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object ID"), max_length=64)
    sequence = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=255, blank=True)
    at = models.DateTimeField(_("time"))
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder, default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "sequence"], name="audit_entry_unique_sequence"
            ),
        ]
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_entry_actor_at"),
            models.Index(fields=["action", "at"], name="audit_entry_action_at"),
            models.Index(fields=["at"], name="audit_entry_at"),
        ]

    def __str__(self):
        return f"{self.object_type}#{self.object_id} [{self.sequence}] {self.action}"

    def compute_hash(self) -> str:
        return hashing.entry_hash(
            object_type=self.object_type,
            object_id=self.object_id,
            sequence=self.sequence,
            action=self.action,
            actor_label=self.actor_label,
            at=self.at,
            data=self.data,
            ip=self.ip,
            prev_hash=self.prev_hash,
        )


class AuditAnchor(AppendOnlyModel):
    """The latest hash of every object chain changed since the previous anchor, chained to it.

    ``heads`` lists ``[entry_id, object_type, object_id, sequence, hash]`` for every covered
    chain; ``root_hash`` is computed from them and ``hash`` can be published out of band.
    """

    created_at = models.DateTimeField(_("created at"))
    entries_count = models.PositiveIntegerField(_("new entries"))
    last_entry_id = models.BigIntegerField(_("last entry ID"))
    heads = models.JSONField(_("chain heads"), default=list)
    root_hash = models.CharField(_("root hash"), max_length=64)
    prev_anchor_hash = models.CharField(_("previous anchor hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")

    def __str__(self):
        return self.hash

    def compute_hash(self) -> str:
        return hashing.anchor_hash(
            created_at=self.created_at,
            entries_count=self.entries_count,
            last_entry_id=self.last_entry_id,
            root_hash=self.root_hash,
            prev_anchor_hash=self.prev_anchor_hash,
        )
