"""/ho-so/ (issue 20, finding 13): the way in for someone signed out, the citizen's own dossiers
once signed in, the inbox for an officer."""

import pytest

from tinhso import testing as factories
from tinhso.dossiers import views

pytestmark = pytest.mark.django_db


def test_signed_out_the_page_offers_search_tracking_and_sign_in(client):
    response = client.get("/ho-so/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Dịch vụ công trực tuyến</h1>" in page
    assert 'action="/thu-tuc/"' in page and 'name="q"' in page
    assert 'href="/ho-so/tra-cuu/"' in page
    assert 'href="/tai-khoan/dang-nhap/?next=/ho-so/"' in page


def test_signed_in_a_citizen_sees_their_dossiers(client, citizen, submitted, other_citizen):
    client.force_login(citizen)
    page = client.get("/ho-so/").content.decode()
    assert "<h1>Hồ sơ của tôi</h1>" in page and submitted.display_code in page
    client.force_login(other_citizen)
    assert submitted.display_code not in client.get("/ho-so/").content.decode()


def test_an_officer_is_sent_to_the_one_stop_inbox(rf, desk):
    request = rf.get("/ho-so/")
    request.user = factories.make_officer(desk)
    response = views.index(request)
    assert response.status_code == 302 and response["Location"] == "/mot-cua/"
