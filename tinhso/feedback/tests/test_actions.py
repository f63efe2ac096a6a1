"""The report lifecycle, routing, duplicates, reopening, rating, photos and the bad inputs."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tinhso.audit.models import AuditEntry
from tinhso.feedback import actions
from tinhso.feedback.models import Answer, Photo, Rating, Report, State, StateChange
from tinhso.feedback.services import similar_open_reports


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 90))
    exif = Image.Exif()
    exif[0x010F] = "Điện thoại của An"  # Make
    exif[0x8825] = {1: "N", 2: (10.0, 21.0, 37.8), 3: "E", 4: (106.0, 21.0, 24.8)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_full_lifecycle_is_recorded(place, answered, mailoutbox):
    report = Report.objects.get(pk=answered.pk)
    assert report.code.startswith("PA-") and report.state == State.ANSWERED and report.published
    assert report.assigned_agency == place["pc_my_tho"]
    assert [c.to_state for c in report.history.all()] == ["received", "assigned", "in_progress", "answered"]
    assert report.current_answer.approved_by == place["leader"]
    actions_recorded = set(
        AuditEntry.objects.filter(object_type="feedback.report", object_id=str(report.pk)).values_list(
            "action", flat=True
        )
    )
    assert {
        "feedback.submit",
        "feedback.assign",
        "feedback.start_work",
        "feedback.answer",
        "feedback.approve_answer",
    } <= actions_recorded
    assert [m.to for m in mailoutbox if "trả lời" in m.subject] == [["nguyenvanan@example.vn"]]

    rating = actions.rate_answer(place["citizen"], report, 4, "Đã sửa nhanh, cảm ơn.")
    report.refresh_from_db()
    assert rating.stars == 4 and report.state == State.CLOSED
    with pytest.raises(ValidationError):
        actions.rate_answer(place["citizen"], report, 5)


def test_routing_table_proposes_the_commune_rule_then_the_default(place, submit):
    in_my_tho = submit()
    in_cao_lanh = submit(commune=place["cao_lanh"], latitude="10.459700", longitude="105.633500")
    rubbish = submit(category=place["rubbish"], commune=place["cao_lanh"], latitude="", longitude="")
    assert actions.propose_agency(in_my_tho) == place["pc_my_tho"]
    assert actions.propose_agency(in_cao_lanh) == place["construction"]
    assert actions.propose_agency(rubbish) == place["pc_cao_lanh"]


def test_due_time_counts_working_hours(place, submit):
    report = submit()
    from tinhso.worktime.calendar import add_working_hours

    assert report.due_at == add_working_hours(report.received_at, 8)


def test_reassign_and_the_states_that_refuse_steps(place, submit):
    report = submit()
    with pytest.raises(PermissionDenied):
        actions.start_work(place["officer"], report)  # not assigned yet: not theirs
    actions.assign_report(place["router"], report, place["construction"])
    with pytest.raises(PermissionDenied):
        actions.start_work(place["officer"], report)
    actions.reassign(place["router"], report, place["pc_my_tho"], "Đường do phường quản lý.")
    report = actions.start_work(place["officer"], report)
    assert report.state == State.IN_PROGRESS
    with pytest.raises(ValidationError):
        actions.assign_report(place["router"], report, place["construction"])


def test_reopen_within_the_period_only(place, answered, settings):
    settings.FEEDBACK_REOPEN_DAYS = 7
    report = actions.reopen_report(place["citizen"], answered, "Ổ gà lại xuất hiện sau cơn mưa.")
    assert report.state == State.REOPENED and report.due_at > timezone.now()
    actions.answer_report(place["officer"], report, "Đã thảm lại mặt đường.")
    report = actions.approve_answer(place["leader"], report)
    Report.objects.filter(pk=report.pk).update(answered_at=timezone.now() - datetime.timedelta(days=8))
    with pytest.raises(ValidationError, match="7"):
        actions.reopen_report(place["citizen"], report, "Vẫn chưa sửa.")
    assert actions.close_answered() == 1
    assert Report.objects.get(pk=report.pk).state == State.CLOSED


def test_only_the_reporter_rates_and_reopens(place, answered):
    with pytest.raises(PermissionDenied):
        actions.rate_answer(place["officer"], answered, 5)
    with pytest.raises(PermissionDenied):
        actions.reopen_report(place["other_officer"], answered, "Không phải của tôi")


def test_a_second_pending_answer_is_refused(place, submit):
    report = submit()
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    actions.answer_report(place["officer"], report, "Trả lời thứ nhất.")
    with pytest.raises(ValidationError):
        actions.answer_report(place["officer2"], report, "Trả lời thứ hai.")
    assert Answer.objects.filter(report=report).count() == 1


def test_reject_closes_and_tells_the_reporter(place, submit, mailoutbox):
    report = submit(contact_email="an.nguyen@example.vn")
    report = actions.reject_report(place["router"], report, "Nội dung không thuộc thẩm quyền.")
    assert report.state == State.REJECTED and report.closed_at
    assert any("an.nguyen@example.vn" in m.to for m in mailoutbox if "không được xử lý" in m.subject)


def test_hotline_report_is_entered_for_the_caller(place):
    report = actions.enter_hotline_report(
        place["router"],
        category=place["rubbish"],
        description="Người gọi báo rác ùn ứ ở chợ Cao Lãnh.",
        commune=place["cao_lanh"],
        address="Chợ Cao Lãnh",
        contact_name="Trần Thị Bích Ngọc",
        contact_phone="0387654321",
    )
    assert report.channel == "hotline" and report.entered_by == place["router"] and report.reporter is None
    with pytest.raises(PermissionDenied):
        actions.enter_hotline_report(
            place["officer"],
            category=place["rubbish"],
            description="x",
            commune=place["cao_lanh"],
            address="Chợ",
        )


def test_similar_open_reports_nearby_and_follow_instead(place, submit):
    first = submit()
    near = similar_open_reports(place["roads"], 10.3610, 106.3572)  # about 60 m away
    assert [r for r, _d in near] == [first] and near[0][1] < 100
    assert similar_open_reports(place["roads"], 10.3700, 106.3570) == []  # about 1 km
    assert similar_open_reports(place["rubbish"], 10.3610, 106.3572) == []
    follower = actions.follow_report(place["province_leader"], first)
    assert actions.follow_report(place["province_leader"], first) == follower


def test_photo_is_re_encoded_without_exif(place, submit):
    upload = SimpleUploadedFile("o-ga.jpg", jpeg_with_gps(), content_type="image/jpeg")
    report = submit(photos=[upload])
    photo = Photo.objects.get(report=report)
    assert not photo.file.name.endswith("o-ga.jpg")
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not image.getexif()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"latitude": "", "longitude": "", "address": ""}, "address"),
        ({"latitude": "10.7769", "longitude": "106.7009"}, "latitude"),  # Hồ Chí Minh City
        ({"latitude": "21.0285", "longitude": "105.8542"}, "latitude"),  # Hà Nội
        ({"latitude": "mười", "longitude": "106.35"}, "latitude"),
        ({"latitude": "10.36", "longitude": "NaN"}, "longitude"),
        ({"description": "Ổ gà " * 1250}, "description"),
        ({"description": "   "}, "description"),
        ({"commune": None}, "commune"),
        ({"contact_email": "an@"}, "contact_email"),
        ({"attributes": {"muc_do": "rat-cao"}}, "attribute[muc_do]"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(place, submit, fields, field):
    with pytest.raises(ValidationError) as caught:
        submit(**fields)
    assert field in caught.value.error_dict
    assert not Report.objects.exists() and not StateChange.objects.exists()
    assert not AuditEntry.objects.filter(object_type="feedback.report").exists()


def test_a_30_mb_photo_and_a_file_that_is_not_an_image(place, submit):
    big = SimpleUploadedFile(
        "lon.jpg", b"\xff\xd8\xff" + b"0" * (30 * 1024 * 1024), content_type="image/jpeg"
    )
    fake = SimpleUploadedFile("anh.jpg", b"%PDF-1.7 not a photo", content_type="image/jpeg")
    for upload, message in ((big, "10 MB"), (fake, "anh.jpg")):
        with pytest.raises(ValidationError) as caught:
            submit(photos=[upload])
        assert message in " ".join(caught.value.error_dict["photos"][0].messages)
    assert not Report.objects.exists() and not Photo.objects.exists()


def test_script_tags_are_stored_as_text(place, submit):
    report = submit(description='<script>alert("x")</script> Đèn đường hỏng')
    assert report.description.startswith("<script>")


def test_rating_out_of_range_is_refused(place, answered):
    for stars in (0, 6, "năm"):
        with pytest.raises(ValidationError):
            actions.rate_answer(place["citizen"], answered, stars)
    assert not Rating.objects.exists()
