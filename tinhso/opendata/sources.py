"""Where a dataset's rows come from: the platform's own records, read at refresh time.

Each source is a table with a fixed data dictionary (the columns' ids, types, Vietnamese and
English labels) and a ``build(organization, today)`` that returns its rows for the publishing
agency and the agencies under it (the province's People's Committee publishes the whole province).

Only counts and public facts leave the platform: the procedure catalogue, the agency directory,
and monthly one-stop and feedback figures of the kind the public transparency page (``/minh-bach/``)
already shows. No row names a person or a dossier. The monthly tables cover finished months only:
a month's figures change afterwards only when a record of it arrives late, and then a new version
says so.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.agencies.models import Agency, AgencyKind
from tinhso.feedback.models import Report
from tinhso.procedures.models import Level, OnlineLevel, Procedure, TimeUnit
from tinhso.statistics.models import AgencyMonthlyRollup

MONTHS_PUBLISHED = 24


@dataclass(frozen=True)
class Column:
    id: str
    type: str  # a CKAN DataStore type: text, int, bool
    label: str
    label_en: str
    notes: str = ""

    def as_field(self) -> dict:
        """The column as a CKAN DataStore field with its data dictionary entry."""
        return {
            "id": self.id,
            "type": self.type,
            "info": {"label": self.label, "label_en": self.label_en, "notes": self.notes},
        }


@dataclass(frozen=True)
class Source:
    key: str
    title: object  # a lazy translation
    columns: tuple[Column, ...]
    build: Callable[[Agency, datetime.date], list[list]]
    row_key: tuple[str, ...]  # the columns that name a row, to compare two versions


def _subtree(organization: Agency) -> QuerySet:
    return organization.descendants().values("pk")


def _finished_months(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of the earliest published month and the first day of this month (excluded)."""
    this_month = today.replace(day=1)
    year, month = divmod(this_month.year * 12 + this_month.month - 1 - MONTHS_PUBLISHED, 12)
    return datetime.date(year, month + 1, 1), this_month


def procedures(organization: Agency, today: datetime.date) -> list[list]:
    """The procedures in force that the agency or one under it carries out: those listing one of
    them, and, where a commune People's Committee is among them, the commune procedures that list
    no agency (every commune carries them out)."""
    implemented = Q(agencies__in=_subtree(organization))
    if organization.descendants().filter(kind=AgencyKind.COMMUNE_PC).exists():
        implemented |= Q(agencies__isnull=True, level=Level.COMMUNE)
    rows = (
        Procedure.objects.current(today)
        .filter(implemented)
        .distinct()
        .select_related("field")
        .order_by("code")
    )
    return [
        [
            procedure.code,
            procedure.name,
            procedure.field.name,
            str(procedure.get_level_display()),
            procedure.processing_time,
            str(TimeUnit(procedure.processing_unit).label),
            str(OnlineLevel(procedure.online_level).label),
            procedure.submit_online,
            procedure.submit_postal,
        ]
        for procedure in rows
    ]


def agencies(organization: Agency, today: datetime.date) -> list[list]:
    rows = (
        Agency.objects.valid_on(today)
        .filter(pk__in=_subtree(organization))
        .select_related("parent")
        .order_by("path")
    )
    return [
        [
            agency.code,
            agency.name,
            str(agency.get_kind_display()),
            agency.parent.code if agency.parent is not None and agency.pk != organization.pk else "",
            agency.address,
            agency.phone,
            agency.email,
        ]
        for agency in rows
    ]


def dossiers_monthly(organization: Agency, today: datetime.date) -> list[list]:
    start, end = _finished_months(today)
    sums = (
        AgencyMonthlyRollup.objects.filter(agency__in=_subtree(organization), day__gte=start, day__lt=end)
        .values("day", "agency__code", "agency__name")
        .annotate(
            total_received=Sum("received"),
            total_online=Sum("received", filter=Q(channel="online")),
            total_early=Sum("resolved_early"),
            total_on_time=Sum("resolved_on_time"),
            total_late=Sum("resolved_late"),
            total_refused=Sum("refused"),
            total_withdrawn=Sum("withdrawn"),
            total_stopped=Sum("stopped"),
        )
        .order_by("day", "agency__code")
    )
    return [
        [
            row["day"].strftime("%Y-%m"),
            row["agency__code"],
            row["agency__name"],
            row["total_received"],
            row["total_online"] or 0,
            row["total_early"],
            row["total_on_time"],
            row["total_late"],
            row["total_refused"],
            row["total_withdrawn"],
            row["total_stopped"],
        ]
        for row in sums
    ]


def feedback_monthly(organization: Agency, today: datetime.date) -> list[list]:
    start, end = _finished_months(today)
    month_start = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    month_end = timezone.make_aware(datetime.datetime.combine(end, datetime.time()))
    counts = (
        Report.objects.filter(
            assigned_agency__in=_subtree(organization),
            received_at__gte=month_start,
            received_at__lt=month_end,
        )
        .annotate(month=TruncMonth("received_at"))
        .values("month", "commune__code", "commune__name", "category__service_code", "category__name")
        .annotate(
            received=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            on_time=Count("pk", filter=Q(answered_at__lte=F("due_at"))),
        )
        .order_by("month", "commune__code", "category__service_code")
    )
    return [
        [
            row["month"].strftime("%Y-%m"),
            row["commune__code"],
            row["commune__name"],
            row["category__service_code"],
            row["category__name"],
            row["received"],
            row["answered"],
            row["on_time"],
        ]
        for row in counts
    ]


MONTH = Column("thang", "text", "Tháng", "Month", "YYYY-MM")
SOURCES = {
    source.key: source
    for source in (
        Source(
            "procedures",
            _("Administrative procedures in force"),
            (
                Column(
                    "ma_thu_tuc", "text", "Mã thủ tục", "Procedure code", "Mã trên Cổng Dịch vụ công quốc gia"
                ),
                Column("ten_thu_tuc", "text", "Tên thủ tục", "Procedure name"),
                Column("linh_vuc", "text", "Lĩnh vực", "Field"),
                Column("cap_thuc_hien", "text", "Cấp thực hiện", "Level"),
                Column("thoi_han_giai_quyet", "int", "Thời hạn giải quyết", "Processing time"),
                Column("don_vi_thoi_han", "text", "Đơn vị thời hạn", "Unit of the processing time"),
                Column("dich_vu_truc_tuyen", "text", "Dịch vụ công trực tuyến", "Online service"),
                Column("nop_truc_tuyen", "bool", "Nộp trực tuyến", "Submission online"),
                Column("nop_qua_buu_chinh", "bool", "Nộp qua bưu chính", "Submission by post"),
            ),
            procedures,
            ("ma_thu_tuc",),
        ),
        Source(
            "agencies",
            _("Directory of agencies"),
            (
                Column(
                    "ma_dinh_danh",
                    "text",
                    "Mã định danh",
                    "Electronic identifier",
                    "Quyết định 20/2020/QĐ-TTg",
                ),
                Column("ten_co_quan", "text", "Tên cơ quan", "Name"),
                Column("loai", "text", "Loại cơ quan", "Kind"),
                Column("co_quan_cap_tren", "text", "Mã cơ quan cấp trên", "Parent's identifier"),
                Column("dia_chi", "text", "Địa chỉ", "Address"),
                Column("dien_thoai", "text", "Điện thoại", "Phone"),
                Column("thu_dien_tu", "text", "Thư điện tử", "E-mail"),
            ),
            agencies,
            ("ma_dinh_danh",),
        ),
        Source(
            "dossiers_monthly",
            _("Administrative dossiers handled, by agency and month"),
            (
                MONTH,
                Column("ma_co_quan", "text", "Mã cơ quan tiếp nhận", "Receiving agency's identifier"),
                Column("ten_co_quan", "text", "Cơ quan tiếp nhận", "Receiving agency"),
                Column("tiep_nhan", "int", "Hồ sơ tiếp nhận", "Dossiers received"),
                Column("tiep_nhan_truc_tuyen", "int", "Tiếp nhận trực tuyến", "Received online"),
                Column("giai_quyet_truoc_han", "int", "Giải quyết trước hạn", "Resolved early"),
                Column("giai_quyet_dung_han", "int", "Giải quyết đúng hạn", "Resolved on time"),
                Column("giai_quyet_qua_han", "int", "Giải quyết quá hạn", "Resolved late"),
                Column("tu_choi", "int", "Từ chối tiếp nhận", "Refused"),
                Column("rut_ho_so", "int", "Rút hồ sơ", "Withdrawn"),
                Column("dung_giai_quyet", "int", "Dừng giải quyết", "Stopped"),
            ),
            dossiers_monthly,
            ("thang", "ma_co_quan"),
        ),
        Source(
            "feedback_monthly",
            _("Citizen feedback, by commune, category and month"),
            (
                MONTH,
                Column("ma_xa", "text", "Mã đơn vị hành chính", "Administrative unit code"),
                Column("ten_xa", "text", "Xã, phường", "Commune or ward"),
                Column("ma_linh_vuc", "text", "Mã lĩnh vực phản ánh", "Category code", "Mã dịch vụ Open311"),
                Column("linh_vuc", "text", "Lĩnh vực phản ánh", "Category"),
                Column("tiep_nhan", "int", "Phản ánh tiếp nhận", "Reports received"),
                Column("da_tra_loi", "int", "Đã trả lời", "Answered"),
                Column("tra_loi_dung_han", "int", "Trả lời đúng hạn", "Answered on time"),
            ),
            feedback_monthly,
            ("thang", "ma_xa", "ma_linh_vuc"),
        ),
    )
}
