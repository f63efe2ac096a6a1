"""What a person may see about their own data (Law 91/2025/QH15 on personal data protection,
art. 4: the data subject's rights to know about the processing of their data, to view it and to
have it provided; Decree 356/2025/NĐ-CP).

``read_rows`` turns the read log (``tinhso.audit.services.record_personal_data_read``) into what
the account page shows: when, which agency and role, why, for which dossier or report. The law
names the controller (the agency) as the one who processes the data; it does not say, as far as
could be checked, that the officer's own name must be shown, so the page shows the agency and the
role, not the officer (the name stays in the audit trail for inspectors).

``collect`` gathers everything the platform holds about one person for the export: only rows that
are theirs, and of other people nothing but the agency that handled or read their data.
"""

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import Role
from tinhso.audit.services import personal_data_reads_about

# What the purpose codes given to ``record_personal_data_read`` mean to the person.
PURPOSES = {
    "motcua.handle_dossier": _("Handling your dossier"),
    "motcua.draft_result": _("Preparing the result of your dossier"),
    "dossiers.attachment": _("Opening a document attached to your dossier"),
    "dossiers.api_view": _("Reading your dossier through the back-office interface"),
    "official_forms.register": _("Keeping the dossier register (Form 07)"),
    "feedback.handle": _("Handling your feedback report"),
    "accounts.admin_view": _("Account administration"),
    "payments.admin_view": _("Checking a payment"),
    "payments.receipt": _("Viewing the receipt of your payment"),
    "signing.download": _("Downloading the signed result of your dossier"),
}
FORM_PURPOSE_PREFIX = "official_forms.form_"
ADMIN_ROLE = "admin"


def purpose_label(code: str) -> str:
    if code in PURPOSES:
        return str(PURPOSES[code])
    if code.startswith(FORM_PURPOSE_PREFIX):
        return str(
            _("Printing form %(number)s of your dossier") % {"number": code.removeprefix(FORM_PURPOSE_PREFIX)}
        )
    return code


def role_label(codes: str) -> str:
    labels = []
    for code in filter(None, codes.split(",")):
        if code == ADMIN_ROLE:
            labels.append(str(_("System administrator")))
        else:
            labels.append(str(Role(code).label) if code in Role.values else code)
    return ", ".join(labels)


def read_rows(person):
    """The read log about ``person``, newest first, as (entry, row) pairs for a paginator."""
    return personal_data_reads_about(person)


def read_row(entry) -> dict:
    data = entry.data
    return {
        "at": entry.at,
        "agency": data.get("agency", ""),
        "role": role_label(data.get("role", "")),
        "purpose": purpose_label(data.get("purpose", "")),
        "reference": data.get("reference", ""),
        "fields": data.get("fields", []),
    }


# The parts of the export that the apps above accounts hold, each registered by its app from its
# ``apps.py ready()`` (``register_section``), so that this module imports none of them.
SECTIONS: dict[str, tuple[int, Callable[[Any, bool], list[dict]]]] = {}


def register_section(key: str, position: int, gather: Callable[[Any, bool], list[dict]]) -> None:
    """``gather(person, readable)`` gives the rows of ``key`` in the export; ``position`` orders
    the sections."""
    SECTIONS[key] = (position, gather)


def collect(person, readable: bool = False) -> dict:
    """Everything held about ``person``: account, dossiers with their answers and attachment
    list, payments and receipts, feedback reports, personal documents and the read log.
    ``readable`` adds each dossier's answers with their labels (for the printable page)."""
    memberships = person.memberships.select_related("agency").order_by("valid_from", "pk")
    return {
        "generated_at": timezone.now(),
        "account": {
            "full_name": person.full_name,
            "username": person.username,
            "kind": person.get_kind_display(),
            "cccd": person.cccd or "",
            "date_of_birth": person.date_of_birth,
            "gender": person.get_gender_display(),
            "phone": person.phone,
            "email": person.email,
            "tax_code": person.tax_code,
            "date_joined": person.date_joined,
            "last_login": person.last_login,
            "two_step_verification": person.totp_enabled,
            "single_sign_on": [identity.provider for identity in person.external_identities.all()],
            "roles": [
                {
                    "agency": membership.agency.name,
                    "role": membership.get_role_display(),
                    "valid_from": membership.valid_from,
                    "valid_to": membership.valid_to,
                }
                for membership in memberships
            ],
        },
        **{
            key: gather(person, readable)
            for key, (position, gather) in sorted(SECTIONS.items(), key=lambda item: item[1][0])
        },
        "reads": [read_row(entry) for entry in read_rows(person)],
    }
