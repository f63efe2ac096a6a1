import pytest
from django.core.files.base import ContentFile

from tinhso.procedures.models import Procedure, RequiredDocument


def test_catalogue_lists_and_paginates(client, catalogue):
    response = client.get("/thu-tuc/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Thủ tục hành chính" in page
    assert f"Tìm thấy {Procedure.objects.count()} thủ tục" in page
    assert "Trang 1/2" in page
    second = client.get("/thu-tuc/", {"level": "commune", "page": 2}).content.decode()
    assert "Trang 2/2" in second
    assert 'href="?level=commune&amp;page=1"' in second


def test_catalogue_search_and_filters(client, catalogue):
    page = client.get("/thu-tuc/", {"q": "dang ky khai sinh"}).content.decode()
    assert '<a href="/thu-tuc/1.001193/">Đăng ký khai sinh</a>' in page
    assert "Chứng thực chữ ký" not in page
    page = client.get("/thu-tuc/", {"field": "ly-lich-tu-phap", "agency": "H20.14"}).content.decode()
    assert "Tìm thấy 2 thủ tục" in page
    page = client.get("/thu-tuc/", {"online_level": "full", "level": "province"}).content.decode()
    assert "Cấp Phiếu lý lịch tư pháp cho công dân" in page
    assert "Cấp Chứng chỉ hành nghề dược" not in page


def test_catalogue_refuses_unknown_filter_values(client, catalogue):
    page = client.get("/thu-tuc/", {"field": "khong-co"}).content.decode()
    assert "Có lỗi cần sửa" in page
    assert "Tìm thấy" not in page


def test_procedure_page_shows_everything(client, catalogue):
    page = client.get("/thu-tuc/DT-004/").content.decode()
    assert (
        "<h1>Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam</h1>"
        in page
    )
    assert "mã tạm, chưa đối chiếu với Cổng Dịch vụ công quốc gia" in page
    # Since 1/3/2025 the provincial police issue criminal-record certificates.
    assert "Công an tỉnh Đồng Tháp" in page
    assert "Sở Tư pháp tỉnh Đồng Tháp" not in page
    assert '<span class="money">200.000 đ</span>/lần' in page
    assert 'mức giảm <span class="money">100.000 đ</span>/lần' in page
    assert "5.000 đ</span>/phiếu" in page
    assert "10 ngày" in page
    assert "Dịch vụ công trực tuyến toàn trình" in page
    assert "trước đây là mức độ 4" in page
    assert "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp" in page
    assert "Luật Lý lịch tư pháp số 28/2009/QH12" in page
    assert "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp" in page
    assert "Quá trình cư trú" in page
    assert 'href="/ho-so/nop/DT-004/">Nộp hồ sơ trực tuyến</a>' in page


def test_commune_procedure_page(client, catalogue):
    page = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Ủy ban nhân dân các xã, phường" in page
    assert "Cấp xã" in page or "cấp xã" in page
    assert "Miễn" in page and "8.000 đ</span>/bản" in page
    assert "trong ngày (tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)" in page
    page = client.get("/thu-tuc/1.001731/").content.decode()
    assert "Không mất phí, lệ phí." in page
    page = client.get("/thu-tuc/2.000884/").content.decode()
    assert "Chưa cung cấp trực tuyến" in page


def test_unknown_code_is_404(client, catalogue):
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def test_ended_procedure_still_has_its_page(client, catalogue):
    Procedure.objects.filter(code="1.000894").update(is_active=False)
    page = client.get("/thu-tuc/1.000894/").content.decode()
    assert "Thủ tục này không còn được áp dụng" in page


@pytest.mark.django_db
def test_template_download(client, catalogue, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = RequiredDocument.objects.filter(procedure__code="1.001193").first()
    document.template.save("to-khai-khai-sinh.docx", ContentFile(b"PK mau"), save=True)
    page = client.get("/thu-tuc/1.001193/").content.decode()
    url = f"/thu-tuc/1.001193/mau/{document.pk}/"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK mau"
    assert "attachment" in response["Content-Disposition"]
    other = RequiredDocument.objects.filter(procedure__code="1.001193").exclude(pk=document.pk).first()
    assert client.get(f"/thu-tuc/1.001193/mau/{other.pk}/").status_code == 404
    assert client.get(f"/thu-tuc/1.000894/mau/{document.pk}/").status_code == 404


def test_a_partial_online_service_shows_its_public_justification(client, catalogue):
    """Decree 224/2026/NĐ-CP art. 14: a service only partly online must say why, publicly."""
    page = client.get("/thu-tuc/1.000894/").content.decode()
    assert "Cơ quan chưa công khai lý do dịch vụ này chưa được cung cấp trực tuyến toàn trình." in page
    Procedure.objects.filter(code="1.000894").update(
        partial_online_justification="Hai bên nam, nữ phải có mặt khi trao Giấy chứng nhận kết hôn"
    )
    page = client.get("/thu-tuc/1.000894/").content.decode()
    assert "Lý do chưa cung cấp trực tuyến toàn trình: Hai bên nam, nữ phải có mặt" in page
