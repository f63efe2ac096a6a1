"""The integration platform's part of the retention schedule (``tinhso.core.retention``): the
exchange log's rows (the operational records and the message log: headers name the person acting)
are deleted after their period, up to the last anchor made before it, so that what is kept still
verifies (``tinhso.lgsp.exchange_log.prune``). The anchors stay. The period is the platform's
choice (``RETENTION_DAYS["exchange_log"]``), long enough for a citizen to see a year of calls
about them on their account page."""

from tinhso.core import retention
from tinhso.lgsp.exchange_log import prunable_through, prune
from tinhso.lgsp.models import Exchange

retention.register(
    retention.Kind(
        "exchange_log",
        "exchange log rows (operational records) up to an anchor",
        "delete",
        due=lambda before, now: Exchange.objects.filter(sequence__lte=prunable_through(before)),
        apply=lambda records, before: prune(before),
        position=12,
    )
)
