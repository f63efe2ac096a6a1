"""The demo province's dossiers, made by the actions people take: citizens submit online or at
the counter, one-stop officers receive, specialists process, leaders approve, the desk returns
the result; some dossiers are refused, withdrawn, stopped, sent back for a supplement; fees are
paid at the counter or online through the payment gateway (the local sandbox gateway, by the same
signed request, approval and IPN as VNPAY); applicants rate many of the results they get back.
``History`` replays a year of them on the demo's clock (``tinhso.demo.clock``), in
the order they happened, so codes, audit entries, statuses, due times and the statistics built
from them are those a real year would leave; what falls after now stays where a real dossier
would be today.
"""

import datetime
import heapq
import itertools
import random
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import agency_ids_in_scope
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.core import reference
from tinhso.demo import clock, data
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import Status
from tinhso.motcua import actions as motcua
from tinhso.payments import actions as payments
from tinhso.payments import sandbox
from tinhso.procedures.models import Level, OnlineLevel, Procedure
from tinhso.workflows.actions import actions_out, flow_version_for, perform_action, step_target
from tinhso.workflows.models import Action, DossierFlow
from tinhso.worktime.calendar import add_working_hours, is_working_day, next_working_moment

# Actions the history takes only on purpose: sending a dossier back, asking another agency.
DETOURS = frozenset({"tra_lai", "xin_y_kien"})


def demo_pdf(title: str) -> bytes:
    """A small valid PDF whose page says ``title`` (ASCII letters only)."""
    text = title.encode("ascii", "ignore")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % (len(text) + 30)
        + b"BT /F1 12 Tf 50 780 Td ("
        + text
        + b") Tj ET\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def sample_value(field: dict, citizen: User, commune: str):
    """A value that passes ``field``'s rules (real-looking Vietnamese data)."""
    kind = field["type"]
    if kind == "text":
        value = {
            "cccd": citizen.cccd,
            "phone": citizen.phone,
            "email": citizen.email or "dan@example.vn",
        }.get(field.get("format"), citizen.full_name if "ten" in field["name"] else "Theo hồ sơ đính kèm")
        return value[: field.get("max_length") or 255]
    if kind == "number":
        return field.get("min", 1) if field.get("min", 1) <= field.get("max", 10**9) else field["max"]
    if kind == "date":
        return (citizen.date_of_birth or datetime.date(1990, 1, 1)).isoformat()
    if kind == "choice":
        first = field["choices"][0]["value"]
        return [first] if field.get("multiple") else first
    if kind == "address":
        return {"province": data.PROVINCE_CODE, "commune": commune, "detail": "Số 12, đường 30 Tháng 4"}
    values = {sub["name"]: sample_value(sub, citizen, commune) for sub in field["fields"]}
    return [values] * max(1, field.get("min_items") or 1) if field.get("repeatable") else values


def online_procedures():
    """The procedures in force that can be submitted online."""
    return (
        Procedure.objects.current()
        .filter(submit_online=True)
        .exclude(online_level=OnlineLevel.NONE)
        .prefetch_related("documents", "fees")
        .order_by("code")
    )


class Staff:
    """The demo officers, and who of them may act where."""

    def __init__(self):
        self.users = list(
            User.objects.filter(
                username__in=[row[0] for row in data.OFFICERS + data.POLICE_OFFICERS]
            ).order_by("username")
        )

    def with_role(self, roles, agency_id: int) -> User | None:
        """A demo officer holding one of ``roles`` over ``agency_id`` (not the province admin,
        who may do anything)."""
        for user in self.users:
            if not user.is_superuser and agency_id in agency_ids_in_scope(user, *roles):
                return user
        return None


class Submitter:
    """Online submission as the applicant makes it: documents in their store, answers, submit."""

    def __init__(self):
        self.documents: dict[tuple[int, str], int] = {}

    def document(self, citizen: User, name: str) -> int:
        key = (citizen.pk, name)
        if key not in self.documents:
            upload = ContentFile(demo_pdf(name), name=f"{name[:60]}.pdf")
            self.documents[key] = dossier_actions.add_personal_document(citizen, upload).pk
        return self.documents[key]

    def submit(self, citizen: User, procedure: Procedure, agency: Agency, commune: str) -> Dossier:
        pages = (procedure.eform or {}).get("pages", [])
        form_data = {
            field["name"]: sample_value(field, citizen, commune) for page in pages for field in page["fields"]
        }
        attachments = [
            {"personal_document": self.document(citizen, document.name), "required_document": document.pk}
            for document in procedure.documents.all()
        ]
        dossier, _created = dossier_actions.create_dossier(
            citizen,
            procedure_code=procedure.code,
            agency_code=agency.code,
            applicant={
                "phone": citizen.phone,
                "email": citizen.email,
                "address": {"commune": commune, "detail": "Số 12, đường 30 Tháng 4"},
            },
            form_data=form_data,
            attachments=attachments,
        )
        return dossier


def _flow(dossier: Dossier) -> DossierFlow:
    return DossierFlow.objects.select_related("state", "version", "current_agency").get(dossier=dossier)


class Desk:
    """What the officers do to a dossier, each step one action by the officer whose turn it is."""

    def __init__(self, staff: Staff):
        self.staff = staff
        # The flow each dossier's last step left, as ``perform_action`` returned it: the next step
        # starts from it instead of reading it again. Any other action on the dossier forgets it.
        self.flows: dict[int, DossierFlow] = {}
        consulted = Agency.objects.valid_on().filter(kind=AgencyKind.COMMUNE_PC, unit__name=data.MY_THO)
        self.consulted = consulted.first()

    def flow(self, dossier: Dossier) -> DossierFlow:
        return self.flows.pop(dossier.pk, None) or _flow(dossier)

    def forget(self, dossier: Dossier) -> None:
        self.flows.pop(dossier.pk, None)

    def officer(
        self, dossier: Dossier, roles=(Role.ONE_STOP_OFFICER,), flow: DossierFlow | None = None
    ) -> User:
        flow = flow or self.flow(dossier)
        officer = self.staff.with_role(roles, flow.current_agency_id)
        if officer is None:
            raise LookupError(f"No demo officer {roles} at {flow.current_agency}")
        return officer

    def assignee(self, action: Action, flow: DossierFlow, dossier: Dossier) -> User | None:
        if not action.assign_role:
            return None
        return self.staff.with_role([action.assign_role], step_target(action, flow, dossier).pk)

    def accept(self, dossier: Dossier) -> None:
        """Receive the dossier as the officer's page does: the flow's action into status 2."""
        flow = self.flow(dossier)
        action = next(
            a for a in actions_out(flow.state_id, flow.version).values() if a.to_state.status_code == 2
        )
        officer = self.officer(dossier, flow=flow)
        assignee = self.assignee(action, flow, dossier)
        self.flows[dossier.pk] = perform_action(officer, dossier, action.key, assignee=assignee)

    def take(self, dossier: Dossier, detour: str = "") -> Action | None:
        """Take the flow's next step forward (or ``detour`` when the state offers it)."""
        flow = self.flow(dossier)
        choices = list(actions_out(flow.state_id, flow.version).values())
        action = next((a for a in choices if a.key == detour), None) or next(
            (a for a in choices if a.key not in DETOURS), None
        )
        if action is None:
            return None
        agency = self.consulted if action.transfers_to_agency_kind else None
        actor = self.staff.with_role(action.roles, flow.current_agency_id)
        self.flows[dossier.pk] = perform_action(
            actor, dossier, action.key, assignee=self.assignee(action, flow, dossier), agency=agency
        )
        return action

    def ask_for_supplement(self, dossier: Dossier) -> None:
        """The specialist asks, or the one-stop officer of the centre that received the dossier
        when a department handles it (the centre tells the applicant)."""
        self.forget(dossier)
        officer = self.staff.with_role(
            [Role.SPECIALIST], dossier.receiving_agency_id
        ) or self.staff.with_role([Role.ONE_STOP_OFFICER], dossier.receiving_agency_id)
        motcua.ask_for_supplement(officer, dossier, ["Bản sao Căn cước công dân còn rõ nét, đủ thông tin"])

    def collect_fees(self, dossier: Dossier) -> None:
        self.forget(dossier)
        officer = self.staff.with_role([Role.ONE_STOP_OFFICER], dossier.receiving_agency_id)
        motcua.ask_for_payment(officer, dossier, "Nộp phí, lệ phí tại quầy.")
        motcua.record_cash_payment(officer, dossier)

    def fees_paid_online(self, dossier: Dossier, citizen: User) -> None:
        """The officer asks for the fees; the applicant pays them online: the payment started
        (``payments.start_payment``), approved at the gateway and confirmed by its signed IPN
        (``payments.handle_ipn``), which records the payment and lets the dossier go on."""
        self.forget(dossier)
        officer = self.staff.with_role([Role.ONE_STOP_OFFICER], dossier.receiving_agency_id)
        motcua.ask_for_payment(officer, dossier, "Đề nghị ông/bà nộp phí, lệ phí trực tuyến.")
        _payment, url = payments.start_payment(citizen, dossier, gateway_request())
        request = sandbox.receive_payment_request(dict(parse_qsl(urlsplit(url).query)), default_ipn_url="")
        approved = sandbox.complete(request, approve=True, bank_code=BANK_CODE)
        answer = payments.handle_ipn(dict(parse_qsl(sandbox.signed_result_query(approved))))
        if answer["RspCode"] != "00":
            raise RuntimeError(f"the payment of {dossier.display_code} was not confirmed: {answer}")


BANK_CODE = "NCB"


def gateway_request() -> HttpRequest:
    """The request a citizen's browser would make to start a payment on the demo's site."""
    site = urlsplit(settings.SITE_URL)
    request = HttpRequest()
    request.META = {
        "SERVER_NAME": site.hostname or "127.0.0.1",
        "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
        "REMOTE_ADDR": "113.161.7.25",
        "wsgi.url_scheme": site.scheme or "http",
    }
    return request


# Fates of the dossiers of the year (weights out of 100).
FATES = [
    ("returned", 62),
    ("late", 8),
    ("sent_back", 5),
    ("supplement", 7),
    ("supplement_left", 2),
    ("refused", 6),
    ("withdrawn", 4),
    ("stopped", 2),
    ("waiting", 4),
]
COUNTER_FATES = frozenset({"returned", "late", "sent_back", "stopped"})
# Of the online applicants, the share who pay the fees online (the others pay at the counter) and
# who rate the result; the stars they give (1 to 5, weights), lower when the result came late.
PAID_ONLINE = 0.7
RATED = 0.45
STARS = (2, 3, 8, 27, 60)
STARS_LATE = (12, 18, 30, 22, 18)


RATING_COMMENTS = {
    1: "Hồ sơ trả chậm, không được báo trước.",
    2: "Phải bổ sung nhiều lần, hướng dẫn chưa rõ.",
    3: "",
    4: "Cán bộ hướng dẫn tận tình.",
    5: "Nhanh chóng, thuận tiện, không phải đi lại.",
}


@dataclass(order=True)
class Life:
    """One dossier's year: what happens next to it and when."""

    at: datetime.datetime
    order: int
    fate: str = field(compare=False)
    citizen: User = field(compare=False)
    procedure: Procedure = field(compare=False)
    agency: Agency = field(compare=False)
    commune: str = field(compare=False)
    walk_in: bool = field(compare=False)
    phase: str = field(compare=False, default="submit")
    dossier: Dossier | None = field(compare=False, default=None)
    finish_by: datetime.datetime | None = field(compare=False, default=None)


class History:
    """``count`` dossiers submitted over the ``days`` before ``now``, lived until ``now``."""

    def __init__(self, citizens: list[User], places: list[tuple[Agency, str]], seed: int = 2026):
        self.rng = random.Random(seed)
        self.citizens = citizens
        self.places = places  # (commune one-stop centre, commune code)
        self.staff = Staff()
        self.desk = Desk(self.staff)
        self.submitter = Submitter()
        procedures = list(online_procedures())
        self.commune_procedures = [p for p in procedures if p.level == Level.COMMUNE]
        self.province_procedures = [p for p in procedures if p.level == Level.PROVINCE]
        self.centre = (
            Agency.objects.valid_on().filter(kind=AgencyKind.SERVICE_CENTRE).order_by("code").first()
        )
        self.counter = itertools.count()
        self.made = 0

    def working_moment(self, day: datetime.date) -> datetime.datetime:
        minutes = self.rng.randint(0, 8 * 60)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(7, 30)))
        return next_working_moment(start + datetime.timedelta(minutes=minutes))

    def later(self, at: datetime.datetime, low: float, high: float) -> datetime.datetime:
        """Between ``low`` and ``high`` working hours after ``at``."""
        return add_working_hours(at, round(self.rng.uniform(low, high), 1))

    def lives(self, count: int, now: datetime.datetime, days: int) -> list[Life]:
        first = timezone.localdate(now) - datetime.timedelta(days=days)
        working_days = [
            day for day in (first + datetime.timedelta(days=n) for n in range(days)) if is_working_day(day)
        ]
        fates = [name for name, weight in FATES for _ in range(weight)]
        lives = []
        for _ in range(count):
            province = self.centre is not None and self.rng.random() < 0.2
            if province:
                procedure, agency = self.rng.choice(self.province_procedures), self.centre
                commune = self.rng.choice(self.places)[1]
            else:
                procedure = self.rng.choice(self.commune_procedures)
                agency, commune = self.rng.choice(self.places)
            walk_in = self.rng.random() < 0.2
            fate = self.rng.choice(fates)
            if walk_in and fate not in COUNTER_FATES:
                fate = "returned"  # a walk-in is accepted at the counter and has no account
            lives.append(
                Life(
                    at=self.working_moment(self.rng.choice(working_days)),
                    order=next(self.counter),
                    fate=fate,
                    citizen=self.rng.choice(self.citizens),
                    procedure=procedure,
                    agency=agency,
                    commune=commune,
                    walk_in=walk_in,
                )
            )
        return lives

    def run(self, count: int, now: datetime.datetime | None = None, days: int = 365) -> int:
        """Make the dossiers; returns how many were submitted. One transaction holds the year
        (each action's own becomes a savepoint): on SQLite a commit per action cost a third of
        the time."""
        now = now or timezone.now()
        queue = self.lives(count, now, days)
        heapq.heapify(queue)
        with transaction.atomic(), reference.as_one_request():
            while queue:
                life = heapq.heappop(queue)
                if life.at > now:
                    continue
                with clock.at(life.at):
                    following = self.step(life)
                if following is not None:
                    life.at, life.order = following, next(self.counter)
                    heapq.heappush(queue, life)
        return self.made

    def step(self, life: Life) -> datetime.datetime | None:
        """Take the next step of ``life`` now; returns when the one after is due, or None."""
        rng, desk = self.rng, self.desk
        phase, dossier = life.phase, life.dossier
        if phase == "submit":
            life.dossier = self.submit(life)
            self.made += 1
            if life.walk_in:
                life.phase = "after_acceptance"
                return self.later(life.at, 0.2, 2)
            life.phase = {"refused": "refuse", "withdrawn": "withdraw"}.get(life.fate, "accept")
            slow = life.fate == "waiting"
            return self.later(life.at, 16, 40) if slow else self.later(life.at, 0.5, 8)
        if phase == "withdraw":
            dossier_actions.withdraw_dossier(life.citizen, dossier, "Tôi nộp nhầm thủ tục, xin rút hồ sơ.")
            life.phase = "stop_withdrawn"
            return self.later(life.at, 0.5, 4)
        if phase == "stop_withdrawn":  # only the latest requests still wait for the desk
            motcua.grant_withdrawal(
                desk.officer(dossier), dossier, "Dừng giải quyết theo yêu cầu rút hồ sơ của người nộp."
            )
            return None
        if phase == "refuse":
            motcua.refuse_dossier(
                desk.officer(dossier),
                dossier,
                "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan; đề nghị nộp tại cơ quan có thẩm quyền.",
            )
            return None
        if phase == "accept":
            desk.accept(dossier)
            life.phase = "after_acceptance"
            return self.later(life.at, 0.2, 2)
        if phase == "after_acceptance":
            dossier.refresh_from_db(fields=["status", "paid_at", "due_at"])
            if not life.procedure.is_free and dossier.paid_at is None:
                online = not life.walk_in and payments.fees_due(dossier).total > 0
                if online and rng.random() < PAID_ONLINE:
                    desk.fees_paid_online(dossier, life.citizen)
                else:
                    desk.collect_fees(dossier)
                dossier.refresh_from_db(fields=["status", "paid_at", "due_at"])
            life.finish_by = self.finish_by(life, dossier)
            life.phase = "stop" if life.fate == "stopped" else "work"
            return self.later(life.at, 1, 6)
        if phase == "stop":
            leader = desk.officer(dossier, (Role.LEADER,))
            motcua.stop_dossier(
                leader, dossier, "Người nộp hồ sơ đề nghị dừng giải quyết để bổ sung giấy tờ khác."
            )
            return None
        if phase == "supplement":
            desk.ask_for_supplement(dossier)
            if life.fate == "supplement_left":
                return None
            life.fate, life.phase = "returned", "answer"
            return self.later(life.at, 8, 40)
        if phase == "answer":
            desk.forget(dossier)
            dossier_actions.answer_supplement_request(
                life.citizen, dossier, [], "Tôi đã nộp bổ sung bản sao Căn cước công dân tại quầy."
            )
            dossier.refresh_from_db(fields=["status", "paid_at", "due_at"])
            life.finish_by = self.finish_by(life, dossier)
            life.phase = "work"
            return self.later(life.at, 1, 8)
        if phase == "work":
            detour = ""
            if life.fate == "sent_back":
                detour, life.fate = "tra_lai", "returned"
            elif life.procedure.level == Level.PROVINCE and rng.random() < 0.3:
                detour = "xin_y_kien"
            action = desk.take(dossier, detour)
            if action is None:
                return None
            if action.to_state.status_code == Status.FINISHED:
                life.phase = "return"
                return self.later(life.at, 1, 24)
            if life.fate.startswith("supplement") and action.to_state.status_code == Status.PROCESSING:
                life.phase = "supplement"
                return self.later(life.at, 1, 8)
            return self.spread(life)
        if phase == "return":
            desk.take(dossier)
            if life.walk_in or rng.random() >= RATED:
                return None
            life.phase = "rate"
            return self.later(life.at, 2, 60)
        if phase == "rate":
            dossier.refresh_from_db(fields=["status"])
            if dossier_actions.can_be_rated(dossier):
                weights = STARS_LATE if life.fate == "late" else STARS
                stars = rng.choices(range(1, 6), weights=weights)[0]
                dossier_actions.rate_dossier(life.citizen, dossier, stars, RATING_COMMENTS[stars])
            return None
        raise ValueError(phase)

    def submit(self, life: Life) -> Dossier:
        if not life.walk_in:
            return self.submitter.submit(life.citizen, life.procedure, life.agency, life.commune)
        officer = self.staff.with_role([Role.ONE_STOP_OFFICER], life.agency.pk)
        citizen = life.citizen
        probe = Dossier(procedure=life.procedure, receiving_agency=life.agency)
        flow_action = self.reception_action(life.procedure)
        assignee = self.staff.with_role(
            [flow_action.assign_role or Role.SPECIALIST], dossier_actions.competent_agency(probe).pk
        )
        return motcua.receive_at_counter(
            officer,
            life.agency,
            life.procedure,
            {
                "name": citizen.full_name,
                "cccd": citizen.cccd,
                "phone": citizen.phone,
                "email": citizen.email,
                "address": "Số 12, đường 30 Tháng 4",
            },
            [],
            assignee=assignee,
        )

    def reception_action(self, procedure: Procedure) -> Action:
        version = flow_version_for(procedure)
        return version.actions.filter(
            from_state__is_start=True, to_state__status_code=Status.ACCEPTED
        ).first()

    def finish_by(self, life: Life, dossier: Dossier) -> datetime.datetime:
        """When this dossier's result will be ready: before its due time, or after it for a
        late one."""
        due = dossier.due_at or self.later(life.at, 8, 24)
        if life.fate == "late":
            return due + datetime.timedelta(hours=self.rng.uniform(4, 120))
        span = max(due - life.at, datetime.timedelta(hours=1))
        return life.at + span * self.rng.uniform(0.4, 0.95)

    def spread(self, life: Life) -> datetime.datetime:
        """The next step a part of the way to ``finish_by``."""
        target = life.finish_by or self.later(life.at, 4, 16)
        gap = (target - life.at) * self.rng.uniform(0.3, 0.6)
        return max(life.at + gap, life.at + datetime.timedelta(minutes=20))
