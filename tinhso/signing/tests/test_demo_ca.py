import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.models import AgencyKind
from tinhso.audit.models import AuditEntry
from tinhso.signing.actions import demo_ca, issue_agency_certificate
from tinhso.signing.models import AgencyCertificate, TrustRoot

pytestmark = pytest.mark.django_db


def attribute(certificate, oid):
    return certificate.subject.get_attributes_for_oid(oid)[0].value


def test_create_demo_ca_is_idempotent_with_vietnamese_subjects(agencies):
    call_command("create_demo_ca", "H20.201.01")
    call_command("create_demo_ca", "H20.201.01")

    assert TrustRoot.objects.filter(is_demo=True).count() == 1
    stored = AgencyCertificate.objects.get(agency=agencies["my_tho"])
    certificate = x509.load_pem_x509_certificate(stored.certificate_pem.encode())
    assert attribute(certificate, NameOID.COMMON_NAME) == "Trung tâm Phục vụ hành chính công phường Mỹ Tho"
    assert attribute(certificate, NameOID.ORGANIZATION_NAME) == "Ủy ban nhân dân tỉnh Đồng Tháp"
    assert attribute(certificate, NameOID.LOCALITY_NAME) == "Tỉnh Đồng Tháp"
    assert attribute(certificate, NameOID.COUNTRY_NAME) == "VN"
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    root = TrustRoot.objects.get(is_demo=True)
    assert certificate.issuer == root.certificate.subject
    certificate.verify_directly_issued_by(root.certificate)


def test_all_one_stop_gives_every_agency_one_certificate(agencies):
    call_command("create_demo_ca", "--all-one-stop")
    call_command("create_demo_ca", "--all-one-stop")

    assert AgencyCertificate.objects.count() == 5
    assert AgencyCertificate.objects.filter(is_active=True).count() == 5


def test_all_one_stop_includes_the_agencies_that_decide_on_procedures(demo_catalogue):
    """The provincial police (not a department) decide on criminal-record certificates received
    at the centre, so they sign those results and need a certificate."""
    tree = demo_catalogue
    police = tree["agencies"]["14"]
    assert police.kind == AgencyKind.OTHER

    call_command("create_demo_ca", "--all-one-stop")

    assert AgencyCertificate.objects.filter(agency=police, is_active=True).count() == 1
    assert AgencyCertificate.objects.filter(agency=tree["agencies"]["06"], is_active=True).exists()


def test_unknown_agency_code_is_refused(agencies):
    with pytest.raises(CommandError):
        call_command("create_demo_ca", "H99.999")
    with pytest.raises(CommandError):
        call_command("create_demo_ca")


def test_trust_roots_are_published(client, certificate):
    root = TrustRoot.objects.get(is_demo=True)

    listing = client.get("/xac-thuc-ket-qua/chung-thu-goc/")
    pem = client.get(f"/xac-thuc-ket-qua/chung-thu-goc/{root.pk}.pem")

    assert root.fingerprint in listing.content.decode()
    assert pem.status_code == 200
    assert pem.content.decode() == root.certificate_pem
    assert "PRIVATE" not in pem.content.decode()


def test_issuing_a_certificate_is_audited_and_replaces_the_active_one(agencies, desk):

    admin = factories.make_officer(agencies["province"], "quantri.tinh", Role.PROVINCE_ADMIN)
    first = issue_agency_certificate(None, desk)
    second = issue_agency_certificate(admin, desk)

    first.refresh_from_db()
    assert not first.is_active and second.is_active
    entries = AuditEntry.objects.filter(action="signing.issue_certificate").order_by("pk")
    assert [(entry.object_id, entry.actor_id) for entry in entries] == [
        (str(first.pk), None),
        (str(second.pk), admin.pk),
    ]
    data = entries.last().data
    assert data["agency"] == "H20.201.01" and data["replaced"] == [first.pk]
    serial = x509.load_pem_x509_certificate(second.certificate_pem.encode()).serial_number
    assert data["serial"] == format(serial, "x")
    assert data["issuer"] == TrustRoot.objects.get(is_demo=True).name


def test_only_province_administrators_issue_certificates(agencies, desk, leader):

    with pytest.raises(PermissionDenied):
        issue_agency_certificate(leader, desk)

    assert not AgencyCertificate.objects.exists()
    assert not AuditEntry.objects.filter(action="signing.issue_certificate").exists()


def test_the_demo_command_audits_each_certificate_it_issues(agencies):

    call_command("create_demo_ca", "--all-one-stop")

    audited = AuditEntry.objects.filter(action="signing.issue_certificate", actor=None)
    assert sorted(audited.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in AgencyCertificate.objects.values_list("pk", flat=True)
    )


def test_the_demo_root_is_created_once_and_audited(agencies, desk):
    call_command("create_demo_ca", "H20.201.01")
    call_command("create_demo_ca", "H20.201.01")

    root = TrustRoot.objects.get(is_demo=True)
    entry = AuditEntry.objects.get(action="signing.create_demo_ca")
    assert entry.object_id == str(root.pk) and entry.actor_id is None
    assert entry.data["fingerprint"] == root.fingerprint and entry.data["name"] == root.name
    assert entry.data["valid_to"] == root.certificate.not_valid_after_utc.isoformat()


def test_the_demo_root_made_for_a_province_administrator_names_them(agencies, desk, leader):
    with pytest.raises(PermissionDenied):
        demo_ca(leader)
    assert not TrustRoot.objects.exists()

    admin = factories.make_officer(agencies["province"], "quantri.tinh", Role.PROVINCE_ADMIN)
    issue_agency_certificate(admin, desk)
    entry = AuditEntry.objects.get(action="signing.create_demo_ca")
    assert entry.actor_id == admin.pk
    assert entry.pk < AuditEntry.objects.get(action="signing.issue_certificate").pk
