from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tinhso.signing.pdf import PDF_MAGIC


def max_check_bytes() -> int:
    return int(getattr(settings, "SIGNING_MAX_CHECK_MB", 20)) * 1024 * 1024


class CheckForm(forms.Form):
    file = forms.FileField(
        label=_("PDF document to check"),
        error_messages={"required": _("Choose a PDF file."), "empty": _("The file is empty.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A signed PDF file, at most %(limit)s MB.") % {
            "limit": max_check_bytes() // (1024 * 1024)
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_check_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)},
                code="too_large",
            )
        upload.seek(0)
        content = upload.read()
        if not content.startswith(PDF_MAGIC):
            raise forms.ValidationError(_("The file is not a PDF document."), code="file_type")
        self.cleaned_data["content"] = content
        return upload
