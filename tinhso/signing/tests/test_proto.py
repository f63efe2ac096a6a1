import pytest
from tinhso.signing.pdf import sign_pdf, verify_pdf

@pytest.mark.django_db
def test_proto(desk, certificate, result_pdf):
    signed = sign_pdf(result_pdf, desk, "Ký kết quả", "Đồng Tháp", "Lê Văn Hùng")
    r = verify_pdf(signed)
    print(r)
    assert r.valid
