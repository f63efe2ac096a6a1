"""The deadline sweep: dossiers due soon or overdue are marked on their flow (once each) and
the assignee and the leaders of the agency holding them are told by email. The one-stop officers
and leaders of the receiving agency are told, once per step, of an online dossier not examined
within its examination time (status 1, ``ONLINE_EXAMINATION_HOURS``) and of a paper dossier not
taken up by its transfer time (status 2, Decree 118/2025/NĐ-CP Art. 18(2) as amended by Decree
309/2026/NĐ-CP Art. 9).
A dossier waiting for payment of a procedure whose law does not count that time is not due."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.accounts.models import Membership, Role
from tinhso.core.text import format_datetime
from tinhso.dossiers.models import Channel
from tinhso.dossiers.status import CLOCK_RUNNING, Status
from tinhso.motcua.inbox import soon_limit
from tinhso.workflows.models import DossierFlow


def _leader_emails(agency) -> set[str]:
    """Leaders of the agency and of the agencies above it."""
    ancestors = [int(pk) for pk in agency.path.strip("/").split("/") if pk]
    return set(
        Membership.objects.active()
        .filter(role=Role.LEADER, agency_id__in=ancestors or [agency.pk])
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _one_stop_emails(agency) -> set[str]:
    return set(
        Membership.objects.active()
        .filter(role=Role.ONE_STOP_OFFICER, agency=agency)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _step_message(flow: DossierFlow):
    dossier = flow.dossier
    values = {
        "code": dossier.display_code,
        "procedure": dossier.procedure.name,
        "due": format_datetime(flow.step_due_at),
    }
    if dossier.status == Status.NEW:
        subject = _("Online dossier %(code)s not examined in time") % values
        body = (
            _(
                "Dossier %(code)s (“%(procedure)s”) was submitted online and should have been "
                "examined by %(due)s: accept it, ask for what is missing or refuse it."
            )
            % values
        )
    else:
        subject = _("Paper dossier %(code)s not transferred in time") % values
        body = (
            _(
                "Dossier %(code)s (“%(procedure)s”) was received at the counter and should have been "
                "transferred for processing by %(due)s (the same working day, or the start of the next "
                "one when received after 15:00)."
            )
            % values
        )
    recipients = _one_stop_emails(dossier.receiving_agency) | _leader_emails(dossier.receiving_agency)
    return subject, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients)


def _message(flow: DossierFlow, level: int):
    dossier = flow.dossier
    values = {
        "code": dossier.display_code,
        "procedure": dossier.procedure.name,
        "due": format_datetime(dossier.due_at),
    }
    if level == DossierFlow.ALERT_OVERDUE:
        subject = _("Overdue dossier %(code)s") % values
        body = _("Dossier %(code)s (“%(procedure)s”) was due on %(due)s and is overdue.") % values
    else:
        subject = _("Dossier %(code)s is due soon") % values
        body = _("Dossier %(code)s (“%(procedure)s”) is due on %(due)s.") % values
    recipients = _leader_emails(flow.current_agency)
    if flow.assignee_id and flow.assignee.email:
        recipients.add(flow.assignee.email)
    return subject, body, settings.DEFAULT_FROM_EMAIL, sorted(recipients)


def sweep_deadlines(now=None) -> dict[str, int]:
    """Mark and notify; returns how many dossiers became due soon, overdue, not examined and not
    transferred in time."""
    now = now or timezone.now()
    running = Q(dossier__status__in=CLOCK_RUNNING, dossier__due_at__isnull=False) & ~Q(
        dossier__status=Status.PAYMENT, dossier__procedure__excludes_financial_obligations=True
    )
    found = {"due_soon": 0, "overdue": 0, "not_examined": 0, "not_transferred": 0}
    messages = []
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        flows = (
            DossierFlow.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("dossier__procedure", "current_agency", "assignee")
            .filter(running)
        )
        for level, key, condition in (
            (DossierFlow.ALERT_OVERDUE, "overdue", Q(dossier__due_at__lt=now)),
            (
                DossierFlow.ALERT_DUE_SOON,
                "due_soon",
                Q(dossier__due_at__gte=now, dossier__due_at__lt=soon_limit(now)),
            ),
        ):
            for flow in flows.filter(condition, alert_level__lt=level):
                flow.alert_level = level
                flow.save(update_fields=["alert_level"])
                found[key] += 1
                message = _message(flow, level)
                if message[3]:
                    messages.append(message)
        waiting = (
            DossierFlow.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("dossier__procedure", "dossier__receiving_agency")
            .filter(
                Q(dossier__status=Status.NEW, dossier__channel=Channel.ONLINE)
                | Q(dossier__status=Status.ACCEPTED, dossier__channel=Channel.DIRECT),
                step_due_at__lt=now,
                step_alert_sent=False,
            )
        )
        for flow in waiting:
            flow.step_alert_sent = True
            flow.save(update_fields=["step_alert_sent"])
            found["not_examined" if flow.dossier.status == Status.NEW else "not_transferred"] += 1
            message = _step_message(flow)
            if message[3]:
                messages.append(message)
    if messages:
        send_mass_mail(messages)
    return found
