import datetime

import pyotp
import pytest
from django.test import Client

from tinhso import testing
from tinhso.accounts.models import Membership, Role, User
from tinhso.agencies.models import AgencyKind
from tinhso.units.models import DivisionType, Level

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
    province = testing.make_unit(
        "82", "Tỉnh Đồng Tháp", Level.PROVINCE, DivisionType.PROVINCE, valid_from=None
    )
    my_tho = testing.make_unit("28315", "Xã Mỹ Thọ", Level.COMMUNE, DivisionType.COMMUNE, province, None)
    cao_lanh = testing.make_unit("29869", "Phường Cao Lãnh", Level.COMMUNE, DivisionType.WARD, province, None)
    return province, my_tho, cao_lanh


@pytest.fixture
def agencies(units):
    """UBND tỉnh (H22) with two communes; commune A has a one-stop desk under it."""
    province, my_tho, cao_lanh = units

    def agency(code, name, kind, unit, parent=None):
        return testing.make_agency(code, name, kind, unit, parent, valid_from=None)

    pc = agency("H22", "Ủy ban nhân dân tỉnh Đồng Tháp", AgencyKind.PROVINCIAL_PC, province)
    commune_a = agency("H22.50", "Ủy ban nhân dân xã Mỹ Thọ", AgencyKind.COMMUNE_PC, my_tho, pc)
    desk_a = agency("H22.50.1", "Bộ phận Một cửa xã Mỹ Thọ", AgencyKind.ONE_STOP_DESK, my_tho, commune_a)
    commune_b = agency("H22.51", "Ủy ban nhân dân phường Cao Lãnh", AgencyKind.COMMUNE_PC, cao_lanh, pc)
    return {"province": pc, "a": commune_a, "desk_a": desk_a, "b": commune_b}


def make_officer(username, full_name, memberships=(), password=PASSWORD, totp_secret=None):
    user = testing.make_officer(None, username, name=full_name, password=password, totp_secret=totp_secret)
    for agency, role in memberships:
        Membership.objects.create(user=user, agency=agency, role=role, valid_from=testing.START)
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
