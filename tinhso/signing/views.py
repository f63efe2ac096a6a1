"""Public verification of signed results, the demo CA certificate, and result downloads."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from tinhso.accounts.permissions import can
from tinhso.audit.services import record_dossier_read
from tinhso.signing.forms import CheckForm
from tinhso.signing.models import SignedDocument, TrustRoot
from tinhso.signing.pdf import verify_pdf


def verify(request, pk):
    """What the QR code on a result leads to: the stored file verified again, now."""
    document = get_object_or_404(SignedDocument.objects.select_related("agency", "dossier"), pk=pk)
    with document.file.open("rb") as handle:
        content = handle.read()
    stored_unchanged = hashlib.sha256(content).hexdigest() == document.sha256
    result = verify_pdf(content)
    return render(
        request,
        "signing/verify.html",
        {
            "document": document,
            "result": result,
            "stored_unchanged": stored_unchanged,
            "genuine": stored_unchanged and result.valid,
        },
    )


@require_http_methods(["GET", "POST"])
def check(request):
    """Anyone may upload a PDF to check its signatures."""
    form = CheckForm(request.POST, request.FILES) if request.method == "POST" else CheckForm()
    result = registered = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            content = form.cleaned_data["content"]
            result = verify_pdf(content)
            digest = hashlib.sha256(content).hexdigest()
            registered = SignedDocument.objects.select_related("agency").filter(sha256=digest).first()
        else:
            status = 400
    return render(
        request,
        "signing/check.html",
        {"form": form, "result": result, "genuine": bool(result and result.valid), "registered": registered},
        status=status,
    )


def trust_root(request, pk):
    """A trusted root certificate (PEM), for verifiers to install."""
    root = get_object_or_404(TrustRoot, pk=pk, is_active=True)
    response = HttpResponse(root.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="ca-{root.fingerprint[:16]}.pem"'
    return response


def trust_roots(request):
    return render(request, "signing/trust_roots.html", {"roots": TrustRoot.objects.filter(is_active=True)})


@login_required
def download(request, pk):
    document = get_object_or_404(SignedDocument.objects.select_related("dossier"), pk=pk)
    if not can(request.user, "signing.download", document):
        raise Http404
    if document.dossier:
        record_dossier_read(
            request.user, document.dossier, ["full_name", "result"], "signing.download", request
        )
    name = f"ket-qua-{document.dossier.code}.pdf" if document.dossier else f"{pk}.pdf"
    response = FileResponse(
        document.file.open("rb"), content_type="application/pdf", as_attachment=True, filename=name
    )
    response["Cache-Control"] = "private, no-store"
    return response
