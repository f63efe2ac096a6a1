import datetime

import pyotp
import pytest
from django.test import Client

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.units.models import AdministrativeUnit, DivisionType, Level

PASSWORD = "Sen-hồng-Tháp-Mười-2025"


class HttpsClient(Client):
    """Every request over HTTPS, as in production (SECURE_SSL_REDIRECT, secure cookies)."""

    def generic(self, *args, **kwargs):
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


@pytest.fixture
def client():
    return HttpsClient()


@pytest.fixture
def units(db):
    province = AdministrativeUnit.objects.create(
        code="82", name="Tỉnh Đồng Tháp", level=Level.PROVINCE, division_type=DivisionType.PROVINCE
    )
    my_tho = AdministrativeUnit.objects.create(
        code="28315",
        name="Xã Mỹ Thọ",
        level=Level.COMMUNE,
        division_type=DivisionType.COMMUNE,
        parent=province,
    )
    cao_lanh = AdministrativeUnit.objects.create(
        code="29869",
        name="Phường Cao Lãnh",
        level=Level.COMMUNE,
        division_type=DivisionType.WARD,
        parent=province,
    )
    return province, my_tho, cao_lanh


@pytest.fixture
def agencies(units):
    """UBND tỉnh (H22) with two communes; commune A has a one-stop desk under it."""
    province, my_tho, cao_lanh = units
    pc = Agency.objects.create(
        code="H22", name="Ủy ban nhân dân tỉnh Đồng Tháp", kind=AgencyKind.PROVINCIAL_PC, unit=province
    )
    commune_a = Agency.objects.create(
        code="H22.50", name="Ủy ban nhân dân xã Mỹ Thọ", kind=AgencyKind.COMMUNE_PC, parent=pc, unit=my_tho
    )
    desk_a = Agency.objects.create(
        code="H22.50.1",
        name="Bộ phận Một cửa xã Mỹ Thọ",
        kind=AgencyKind.ONE_STOP_DESK,
        parent=commune_a,
        unit=my_tho,
    )
    commune_b = Agency.objects.create(
        code="H22.51",
        name="Ủy ban nhân dân phường Cao Lãnh",
        kind=AgencyKind.COMMUNE_PC,
        parent=pc,
        unit=cao_lanh,
    )
    return {"province": pc, "a": commune_a, "desk_a": desk_a, "b": commune_b}


def make_officer(username, full_name, memberships=(), password=PASSWORD, totp_secret=None):
    user = User.objects.create_user(username, password, full_name=full_name, kind=UserKind.OFFICER)
    for agency, role in memberships:
        Membership.objects.create(user=user, agency=agency, role=role, valid_from=datetime.date(2025, 7, 1))
    if totp_secret:
        User.objects.filter(pk=user.pk).update(
            totp_secret=totp_secret, totp_confirmed_at=datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC)
        )
        user.refresh_from_db()
    return user


@pytest.fixture
def officers(agencies):
    """A province admin, an agency admin of commune A, a one-stop officer of A's desk, one of B."""
    return {
        "province_admin": make_officer(
            "quantri.tinh", "Trần Quốc Bảo", [(agencies["province"], Role.PROVINCE_ADMIN)]
        ),
        "admin_a": make_officer("quantri.mytho", "Lê Thị Hồng Nhung", [(agencies["a"], Role.AGENCY_ADMIN)]),
        "officer_a": make_officer(
            "motcua.mytho", "Nguyễn Văn An", [(agencies["desk_a"], Role.ONE_STOP_OFFICER)]
        ),
        "officer_b": make_officer(
            "motcua.caolanh", "Phạm Minh Tuấn", [(agencies["b"], Role.ONE_STOP_OFFICER)]
        ),
    }


@pytest.fixture
def citizen(db):
    return User.objects.create_user(
        "087195001234",
        PASSWORD,
        full_name="Võ Thị Thu Trang",
        cccd="087195001234",
        date_of_birth=datetime.date(1995, 3, 8),
        gender="female",
        phone="0912 345 678",
    )


def current_code(secret, offset_steps=0):
    totp = pyotp.TOTP(secret)
    return totp.at(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=30 * offset_steps))


def wrong_code(secret):
    """A 6-digit code valid in none of the steps the server accepts now."""
    valid = {current_code(secret, offset) for offset in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(1000) if f"{n:06d}" not in valid)
