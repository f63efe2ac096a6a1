"""The signer's and the seal's images shown with the signatures (Appendix I), and their refusals."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw

from tinhso.documents import actions
from tinhso.documents.models import SealImage, SignerImage
from tinhso.signing import actions as signing_actions
from tinhso.signing.pdf import verify_pdf


def png(mode="RGBA", size=(300, 120), colour=(20, 60, 180, 255)) -> bytes:
    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255))
    ImageDraw.Draw(image).line([(10, 90), (150, 20), (290, 80)], fill=colour[: len(mode)], width=6)
    output = BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def images_in(pdf: bytes) -> int:
    return pdf.count(b"/Subtype /Image") + pdf.count(b"/Subtype/Image")


def test_uploaded_images_are_placed_with_the_signatures(agencies, pc_staff):
    signing_actions.issue_agency_certificate(None, agencies["pc"])
    actions.set_signer_image(pc_staff["leader"], png())
    actions.set_seal_image(pc_staff["clerk"], agencies["pc"], png(colour=(210, 0, 0, 255), size=(200, 200)))
    draft = actions.create_draft(
        pc_staff["specialist"], agencies["pc"], type_code="thong_bao", subject="Lịch họp"
    )
    signed = actions.sign_draft(pc_staff["leader"], draft)
    with signed.file.open("rb") as handle:
        first = handle.read()
    assert images_in(first) > 0  # the signature (with its transparency mask)
    issued = actions.issue_document(pc_staff["clerk"], signed)
    with issued.file.open("rb") as handle:
        final = handle.read()
    assert images_in(final) == 2 * images_in(first)  # and the seal
    assert verify_pdf(final).valid


def test_without_images_drawn_ones_stand_in(agencies, pc_staff):
    signing_actions.issue_agency_certificate(None, agencies["pc"])
    draft = actions.create_draft(
        pc_staff["specialist"], agencies["pc"], type_code="thong_bao", subject="Lịch họp"
    )
    signed = actions.sign_draft(pc_staff["leader"], draft)
    with signed.file.open("rb") as handle:
        assert images_in(handle.read()) == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a not a png", "not_png"),
        (png(mode="RGB"), "not_transparent"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "bad_png"),
        (png(size=(2400, 100)), "image_size"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024), "image_size"),
    ],
)
def test_refused_images_change_nothing(agencies, pc_staff, data, code):
    with pytest.raises(ValidationError) as refusal:
        actions.set_signer_image(pc_staff["leader"], data)
    assert refusal.value.code == code
    with pytest.raises(ValidationError):
        actions.set_seal_image(pc_staff["clerk"], agencies["pc"], data)
    assert not SignerImage.objects.exists() and not SealImage.objects.exists()


def test_who_may_set_which_image(agencies, pc_staff, dept_staff, signed_in, client):
    with pytest.raises(PermissionDenied):
        actions.set_signer_image(pc_staff["clerk"], png())
    with pytest.raises(PermissionDenied):
        actions.set_seal_image(pc_staff["leader"], agencies["pc"], png())
    with pytest.raises(PermissionDenied):
        actions.set_seal_image(dept_staff["clerk"], agencies["pc"], png())
    signed_in(pc_staff["specialist"])
    assert client.get(reverse("documents:images")).status_code == 404
    signed_in(pc_staff["clerk"])
    page = client.get(reverse("documents:images"))
    assert page.status_code == 200 and 'name="seal-image"' in page.content.decode()
    assert 'name="signer-image"' not in page.content.decode()
    client.post(
        reverse("documents:images"),
        {"agency": agencies["pc"].pk, "kind": "seal", "seal-image": SimpleUploadedFile("dau.png", png())},
    )
    assert SealImage.objects.get().agency == agencies["pc"]
    # The clerk's upload of a signer image is refused: a clerk is no leader.
    client.post(
        reverse("documents:images"),
        {"agency": agencies["pc"].pk, "kind": "signer", "signer-image": SimpleUploadedFile("ky.png", png())},
    )
    assert not SignerImage.objects.exists()
