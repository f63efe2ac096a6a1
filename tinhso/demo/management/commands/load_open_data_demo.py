"""The open-data catalogue in the demo: the Provincial People's Committee publishes the procedure
catalogue, the agency directory and the monthly one-stop and feedback figures, built from the
demo's records by the open-data actions; one more dataset is left unpublished for its managers."""

from django.core.management.base import BaseCommand

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.demo import data
from tinhso.opendata import actions
from tinhso.opendata.models import Dataset, Frequency

DATASETS = (
    (
        "procedures",
        "thu-tuc-hanh-chinh",
        "Danh mục thủ tục hành chính đang thực hiện",
        "Administrative procedures in force",
        "Các thủ tục hành chính tỉnh Đồng Tháp đang tiếp nhận: mã trên Cổng Dịch vụ công quốc gia, lĩnh vực, "
        "cấp thực hiện, thời hạn giải quyết và hình thức nộp.",
        ["thủ tục hành chính", "dịch vụ công"],
        Frequency.DAILY,
        True,
    ),
    (
        "agencies",
        "danh-ba-co-quan",
        "Danh bạ cơ quan, đơn vị",
        "Directory of agencies",
        "Các cơ quan, đơn vị của tỉnh với mã định danh điện tử (Quyết định 20/2020/QĐ-TTg), "
        "địa chỉ và điện thoại.",
        ["cơ quan", "mã định danh"],
        Frequency.DAILY,
        True,
    ),
    (
        "dossiers_monthly",
        "ho-so-theo-thang",
        "Tình hình giải quyết hồ sơ thủ tục hành chính theo tháng",
        "Administrative dossiers handled, by month",
        "Số hồ sơ tiếp nhận và giải quyết (trước hạn, đúng hạn, quá hạn) của từng cơ quan tiếp nhận, "
        "theo tháng đã kết thúc.",
        ["hồ sơ", "một cửa", "thống kê"],
        Frequency.MONTHLY,
        True,
    ),
    (
        "feedback_monthly",
        "phan-anh-kien-nghi-theo-thang",
        "Phản ánh, kiến nghị của người dân theo tháng",
        "Citizen feedback, by month",
        "Số phản ánh, kiến nghị tiếp nhận và đã trả lời theo xã, phường và lĩnh vực, theo tháng đã kết thúc.",
        ["phản ánh", "kiến nghị"],
        Frequency.MONTHLY,
        False,
    ),
)


class Command(BaseCommand):
    help = "Create, refresh and publish the demo's open datasets."

    def handle(self, *args, **options):
        admin = User.objects.get(username=data.OFFICERS[0][0])
        province = Agency.objects.valid_on().get(kind=AgencyKind.PROVINCIAL_PC)
        for source, name, title, title_en, notes, tags, frequency, publish in DATASETS:
            if Dataset.objects.filter(name=name).exists():
                continue
            dataset = actions.create_dataset(
                admin,
                organization=province,
                source=source,
                name=name,
                title=title,
                title_en=title_en,
                notes=notes,
                tags=tags,
                frequency=frequency,
            )
            actions.refresh_dataset(admin, dataset)
            if publish:
                actions.set_published(admin, dataset, True)
        self.stdout.write(
            f"Open data: {Dataset.objects.filter(is_published=True).count()} datasets published."
        )
