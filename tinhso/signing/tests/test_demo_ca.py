import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command

from tinhso import testing
from tinhso.agencies.models import AgencyKind
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


def test_all_one_stop_includes_the_agencies_that_decide_on_procedures(db):
    """The provincial police (not a department) decide on criminal-record certificates received
    at the centre, so they sign those results and need a certificate."""
    tree = testing.make_demo_catalogue()
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
