"""A small province with a bit of everything the operations centre counts: dossiers received,
finished, overdue and due soon in two wards; feedback reports new, open, overdue, answered and
rated; incoming documents waiting, overdue and registered late; a failed exchange."""

import datetime

import pytest
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.documents.models import Delivery, IncomingDocument, OutgoingDocument
from tinhso.dossiers.models import Dossier, DossierRating
from tinhso.feedback.models import Answer, Category, Rating, Report, State
from tinhso.statistics.rollup import drain
from tinhso.statistics.tests.conftest import finish, walk_in


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _report(category, commune, agency, received, due, state=State.ASSIGNED, answered=None):
    return Report.objects.create(
        category=category,
        description="Đèn đường hỏng trước chợ.",
        commune=commune,
        assigned_agency=agency,
        received_at=received,
        due_at=due,
        state=state,
        answered_at=answered,
    )


@pytest.fixture
def world(db):
    province = factories.make_province()
    agencies = province["agencies"]
    my_tho, cao_lanh = agencies["my_tho"], agencies["cao_lanh"]
    procedure = factories.make_procedure()
    clerk = factories.make_officer(my_tho, "motcua.mytho", Role.ONE_STOP_OFFICER)
    other_clerk = factories.make_officer(cao_lanh, "motcua.caolanh", Role.ONE_STOP_OFFICER)
    now = timezone.now()
    dossiers = [walk_in(clerk, my_tho, procedure, f"Người nộp {n}") for n in range(5)]
    dossiers.append(walk_in(other_clerk, cao_lanh, procedure, "Người nộp Cao Lãnh"))
    finish(dossiers[0], now)
    Dossier.objects.filter(pk=dossiers[1].pk).update(due_at=now - datetime.timedelta(days=3))
    Dossier.objects.filter(pk=dossiers[2].pk).update(due_at=now - datetime.timedelta(hours=2))
    Dossier.objects.filter(pk=dossiers[5].pk).update(due_at=now - datetime.timedelta(hours=1))
    Dossier.objects.filter(pk=dossiers[3].pk).update(due_at=now + datetime.timedelta(minutes=30))
    DossierRating.objects.create(dossier=dossiers[0], stars=5, rated_at=now)
    DossierRating.objects.create(dossier=dossiers[5], stars=2, rated_at=now)
    drain()

    roads = Category.objects.create(name="Hư hỏng đường giao thông", service_code="hu-hong-duong")
    lights = Category.objects.create(name="Đèn chiếu sáng", service_code="den-chieu-sang")
    ward_pc, other_pc = my_tho.parent, cao_lanh.parent
    hour = datetime.timedelta(hours=1)
    _report(roads, province["my_tho"], ward_pc, now - hour, now + 8 * hour)
    _report(lights, province["my_tho"], ward_pc, now - 2 * hour, now - hour)  # overdue
    _report(lights, province["cao_lanh"], other_pc, now - 3 * hour, now - hour)  # overdue, other ward
    _report(roads, province["my_tho"], None, now - hour, now + 8 * hour, state=State.RECEIVED)
    answered = _report(
        roads, province["my_tho"], ward_pc, now - 3 * hour, now + hour, State.ANSWERED, answered=now - hour
    )
    late = _report(
        lights,
        province["my_tho"],
        ward_pc,
        now - 5 * hour,
        now - 3 * hour,
        State.ANSWERED,
        answered=now - 2 * hour,
    )
    leader = factories.make_officer(ward_pc, "lanhdao.mytho", Role.LEADER, "Trương Văn Lợi")
    citizen = factories.make_citizen()
    for report, stars in ((answered, 5), (late, 2)):
        answer = Answer.objects.create(
            report=report, text="Đã xử lý.", officer=leader, agency=ward_pc, created_at=now, approved_at=now
        )
        Rating.objects.create(answer=answer, stars=stars, user=citizen)

    day = datetime.timedelta(days=1)
    week_ago = now - 7 * day

    def incoming(agency, state, **fields):
        return IncomingDocument.objects.create(
            agency=agency,
            source=IncomingDocument.Source.EXCHANGE,
            sender_name="Sở Nội vụ tỉnh Đồng Tháp",
            subject="Về việc báo cáo tình hình cải cách hành chính",
            state=state,
            **fields,
        )

    state = IncomingDocument.State
    incoming(ward_pc, state.PENDING, arrived_at=week_ago)  # waiting past the next working day: late
    incoming(ward_pc, state.PENDING, arrived_at=now)
    incoming(ward_pc, state.REGISTERED, arrived_at=week_ago, registered_at=now - day)  # registered late
    incoming(ward_pc, state.REGISTERED, arrived_at=now - hour, registered_at=now)
    incoming(ward_pc, state.ASSIGNED, arrived_at=week_ago, registered_at=week_ago, handling_due_at=now - day)
    incoming(other_pc, state.ASSIGNED, arrived_at=week_ago, registered_at=week_ago, handling_due_at=now - day)
    incoming(ward_pc, state.DONE, arrived_at=week_ago, registered_at=week_ago, done_at=now)
    outgoing = OutgoingDocument.objects.create(
        agency=ward_pc, type_code="bao_cao", subject="Báo cáo tháng", created_by=leader, state="issued"
    )
    Delivery.objects.create(document=outgoing, recipient=other_pc, transport=Delivery.Transport.DEAD)
    Delivery.objects.create(
        document=outgoing, recipient=agencies["province"], transport=Delivery.Transport.DELIVERED
    )
    unsent = Delivery.objects.create(
        document=outgoing, recipient=cao_lanh, transport=Delivery.Transport.QUEUED
    )
    Delivery.objects.filter(pk=unsent.pk).update(created_at=now - 2 * hour)  # queued for two hours
    Delivery.objects.create(
        document=outgoing, recipient=my_tho, transport=Delivery.Transport.QUEUED
    )  # just made
    return {
        **province,
        "procedure": procedure,
        "ward_pc": ward_pc,
        "other_pc": other_pc,
        "leader": leader,
        "province_leader": factories.make_officer(agencies["province"], "lanhdao.tinh", Role.LEADER),
        "admin": factories.make_officer(agencies["province"], "admin.tinh", Role.PROVINCE_ADMIN),
        "clerk": clerk,
    }
