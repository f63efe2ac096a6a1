"""Pages travel compressed to the browsers that accept it (issue 19: citizens' phones on a slow
mobile network); static files are compressed once by collectstatic and served by WhiteNoise."""

import gzip

import pytest


@pytest.mark.django_db
def test_pages_are_gzipped_for_browsers_that_accept_it(client):
    plain = client.get("/tai-khoan/dang-nhap/")
    response = client.get("/tai-khoan/dang-nhap/", headers={"accept-encoding": "gzip, deflate"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    body = gzip.decompress(response.content).decode()
    assert '<html lang="vi">' in body and "Đăng nhập" in body
    assert len(response.content) < len(plain.content) / 2


@pytest.mark.django_db
def test_pages_are_sent_plain_to_clients_that_do_not_accept_gzip(client):
    response = client.get("/", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert '<html lang="vi">' in response.content.decode()


@pytest.mark.parametrize(
    "content_type, compressed",
    [
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("text/csv", True),
        ("image/svg+xml", True),
        ("application/pdf", False),
        ("image/jpeg", False),
        ("application/zip", False),
    ],
)
def test_only_text_is_compressed_on_the_fly(rf, content_type, compressed):
    """PDFs, photos and archives are compressed already: gzipping them again costs CPU for nothing
    and drops the Content-Length that shows a download's progress."""
    from django.http import HttpResponse

    from tinhso.core.middleware import TextGZipMiddleware

    body = b"tinhso " * 200
    middleware = TextGZipMiddleware(lambda request: HttpResponse(body, content_type=content_type))
    response = middleware(rf.get("/", headers={"accept-encoding": "gzip"}))
    assert (response.get("Content-Encoding") == "gzip") is compressed
    assert (response.content == body) is not compressed
