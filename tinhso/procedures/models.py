"""The catalogue of administrative procedures (thủ tục hành chính) the province implements.

A procedure is identified by its code on the National Public Service Portal ("1.001193");
where that code is not known a generated one is stored and flagged ``is_demo_code``. Commune
procedures with no agency linked are implemented by every commune People's Committee; a
provincial procedure names its department(s). Fees, required documents and the e-form
definition (see ``tinhso.procedures.eform``) are what online submission builds on.
"""

import datetime
import re
from typing import Self

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import fold, nfc
from tinhso.procedures.eform import validate_eform
from tinhso.units.validity import today

NATIONAL_CODE = re.compile(r"^\d\.\d{6}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{1,29}$")


class Field(models.Model):
    """A field of procedures (lĩnh vực): Hộ tịch, Chứng thực, Đất đai…"""

    code = models.SlugField(_("code"), max_length=50, unique=True, help_text=_("e.g. ho-tich"))
    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(_("search key"), max_length=200, db_index=True, editable=False)

    class Meta:
        verbose_name = _("field of procedures")
        verbose_name_plural = _("fields of procedures")
        ordering = ["name_folded"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Level(models.TextChoices):
    PROVINCE = "province", _("provincial level")
    COMMUNE = "commune", _("commune level")


class TimeUnit(models.TextChoices):
    """How a procedure's processing time is counted: working days or hours (the province's
    calendar), calendar days (Civil Code 2015 arts. 147–148: to the end of the last day, moved to
    the next working day's end when it is a day off), or "trong ngày; sau 15 giờ thì ngày làm việc
    tiếp theo" (e.g. Law on Civil Status 2014 art. 16(1); Decree 23/2015/NĐ-CP art. 7(1))."""

    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    DAYS = "days", _("days")
    SAME_DAY = "same_day", _("the same day (after 15:00, the next working day)")


def processing_time_text(amount: int, unit: str) -> str:
    """ "15 ngày làm việc"; a same-day procedure is only its unit ("trong ngày …")."""
    label = TimeUnit(unit).label
    return str(label) if unit == TimeUnit.SAME_DAY else f"{amount} {label}"


class OnlineLevel(models.TextChoices):
    """Full-process ("toàn trình") or partial ("một phần") online service. Decree 224/2026/NĐ-CP
    (in force 1/7/2026, repealing Decree 42/2022/NĐ-CP) art. 14: full-process is the default and a
    partial service needs a public justification; the old levels 1–4 are kept in
    ``legacy_online_level`` for old data and targets."""

    FULL = "full", _("full-process online service")
    PARTIAL = "partial", _("partial online service")
    NONE = "none", _("not offered online")


class ProcedureQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> Self:
        """Active procedures whose validity period contains ``on`` (default today)."""
        on = on or today()
        return self.filter(
            Q(is_active=True),
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        )


class Procedure(models.Model):
    code = models.CharField(
        _("procedure code"),
        max_length=30,
        unique=True,
        help_text=_("The code on the National Public Service Portal, e.g. 1.001193."),
    )
    is_demo_code = models.BooleanField(
        _("generated code"),
        default=False,
        help_text=_("The national code is not known; this one was generated and must be replaced."),
    )
    name = models.CharField(_("name"), max_length=500)
    name_folded = models.CharField(_("search key"), max_length=500, db_index=True, editable=False)
    field = models.ForeignKey(
        Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("implementing agencies"),
        blank=True,
        related_name="procedures",
        help_text=_("Leave empty for a commune procedure implemented by every commune People's Committee."),
    )
    applicants = models.CharField(
        _("who may apply"), max_length=255, blank=True, help_text=_("e.g. Công dân Việt Nam; tổ chức.")
    )
    processing_time = models.PositiveIntegerField(
        _("processing time"),
        validators=[MinValueValidator(1, message=_("The processing time must be a positive number."))],
    )
    processing_unit = models.CharField(
        _("unit of processing time"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    processing_note = models.TextField(_("note on processing time"), blank=True)
    excludes_financial_obligations = models.BooleanField(
        _("time for financial obligations not counted"),
        default=False,
        help_text=_(
            "Tick when the procedure's law excludes the time the applicant takes to pay "
            "(“không kể thời gian thực hiện nghĩa vụ tài chính”, e.g. land procedures)."
        ),
    )
    result_type = models.CharField(
        _("type of result"), max_length=100, help_text=_("e.g. Giấy chứng nhận, Trích lục, Giấy phép.")
    )
    result = models.CharField(_("result"), max_length=500, blank=True)
    conditions = models.TextField(_("requirements and conditions"), blank=True)
    legal_basis = models.JSONField(_("legal basis"), default=list, blank=True)
    submit_direct = models.BooleanField(_("submission in person"), default=True)
    submit_online = models.BooleanField(_("submission online"), default=False)
    submit_postal = models.BooleanField(_("submission by post"), default=False)
    submission_place = models.TextField(_("where to submit"), blank=True)
    online_level = models.CharField(
        _("online service (Decree 224/2026)"),
        max_length=10,
        choices=OnlineLevel.choices,
        default=OnlineLevel.NONE,
        db_index=True,
    )
    partial_online_justification = models.TextField(
        _("why the service is only partly online"),
        blank=True,
        help_text=_(
            "A partial online service must be publicly justified (Decree 224/2026/NĐ-CP art. 14): "
            "shown on the procedure's page."
        ),
    )
    legacy_online_level = models.PositiveSmallIntegerField(
        _("old online service level (1–4)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message=_("The old online level is between 1 and 4.")),
            MaxValueValidator(4, message=_("The old online level is between 1 and 4.")),
        ],
    )
    eform = models.JSONField(_("e-form definition"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    unverified = models.JSONField(
        _("not verified"),
        default=list,
        blank=True,
        help_text=_(
            "The figures of this entry not yet checked against the National Database of "
            "Administrative Procedures, one text each; shown to administrators only."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["name_folded", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processing_time__gte=1),
                name="procedures_processing_time_positive",
                violation_error_message=_("The processing time must be a positive number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs):
        """Normalise the text and refuse an invalid e-form definition, whatever the caller."""
        self.normalise()
        try:
            validate_eform(self.eform)
        except ValidationError as exc:
            raise ValidationError({"eform": exc.messages}) from exc
        super().save(*args, **kwargs)

    @property
    def processing_time_display(self) -> str:
        return processing_time_text(self.processing_time, self.processing_unit)

    def normalise(self) -> None:
        for name in ("code", "name", "applicants", "result_type", "result"):
            setattr(self, name, nfc(getattr(self, name)))
        for name in (
            "processing_note",
            "conditions",
            "submission_place",
            "partial_online_justification",
            "note",
        ):
            setattr(self, name, nfc_lines(getattr(self, name)))
        for name in ("legal_basis", "unverified"):
            items = getattr(self, name)
            if isinstance(items, list):
                setattr(self, name, [nfc(item) if isinstance(item, str) else item for item in items])
        self.name_folded = fold(self.name)

    def clean(self):
        self.normalise()
        errors: dict[str, list] = {}
        if not CODE_PATTERN.match(self.code):
            errors["code"] = [
                gettext("A procedure code uses letters, digits, dots and dashes (2–30 characters).")
            ]
        elif not self.is_demo_code and not NATIONAL_CODE.match(self.code):
            errors["code"] = [
                gettext("A national procedure code looks like 1.001193; mark other codes as generated.")
            ]
        if not isinstance(self.legal_basis, list) or not all(
            isinstance(item, str) and item for item in self.legal_basis
        ):
            errors["legal_basis"] = [gettext("The legal basis must be a list of non-empty texts.")]
        if not isinstance(self.unverified, list) or not all(
            isinstance(item, str) and item.strip() for item in self.unverified
        ):
            errors["unverified"] = [gettext("The unverified figures must be a list of non-empty texts.")]
        if self.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL) and not self.submit_online:
            errors["submit_online"] = [gettext("A procedure offered online must accept online submission.")]
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = [gettext("The end date cannot be before the start date.")]
        try:
            validate_eform(self.eform)
        except ValidationError as exc:
            errors["eform"] = exc.messages
        if errors:
            raise ValidationError(errors)

    @property
    def is_free(self) -> bool:
        """No fee with an amount, and none that depends on the case."""
        return not any(fee.amount or fee.kind == FeeKind.BY_OPTION for fee in self.fees.all())

    def implemented_by(self) -> list[str]:
        """Names of the implementing agencies; a commune procedure with none: every commune PC."""
        names = [agency.name for agency in self.agencies.all()]
        if not names and self.level == Level.COMMUNE:
            names = [gettext("The People's Committee of each commune or ward")]
        return names


def nfc_lines(text: str | None) -> str:
    """NFC each line, keeping the line breaks of multi-line text."""
    lines = [nfc(line) for line in (text or "").splitlines()]
    return "\n".join(lines).strip()


class FeeKind(models.TextChoices):
    FIXED = "fixed", _("fixed amount")
    PER_UNIT = "per_unit", _("per copy or quantity")
    BY_OPTION = "by_option", _("depends on the case")


class Fee(models.Model):
    """A fee or charge (phí, lệ phí). A procedure without fees, or with only zero amounts, is free."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="fees"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=255)
    amount = models.BigIntegerField(
        _("amount (VND)"), validators=[MinValueValidator(0, message=_("A fee cannot be negative."))]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FeeKind.choices, default=FeeKind.FIXED)
    unit = models.CharField(
        _("per"), max_length=50, blank=True, help_text=_("For an amount per copy or quantity, e.g. “trang”.")
    )
    note = models.TextField(_("note"), blank=True)
    quantity_field = models.CharField(
        _("quantity from the e-form"),
        max_length=64,
        blank=True,
        help_text=_(
            "For an amount per copy: the e-form question whose answer is the quantity (e.g. "
            "“so_ban_sao”). No answer or 0: the fee is not charged."
        ),
    )
    exempt_when = models.JSONField(
        _("exempt by the e-form answer"),
        default=dict,
        blank=True,
        help_text=_(
            "The e-form choice question and the answers that exempt the applicant from this fee, "
            "e.g. {“field”: “doi_tuong_mien_giam”, “values”: [“mien”]}."
        ),
    )
    reduced_when = models.JSONField(
        _("reduced rate by the e-form answer"),
        default=dict,
        blank=True,
        help_text=_(
            "The e-form choice question, the answers that entitle the applicant to a reduced rate and "
            "that rate, charged instead of the amount, e.g. {“field”: “doi_tuong_mien_giam”, "
            "“values”: [“sinh_vien”], “amount”: 100000}."
        ),
    )

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["procedure", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="procedures_fee_amount_not_negative",
                violation_error_message=_("A fee cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name, self.unit, self.note = nfc(self.name), nfc(self.unit), nfc_lines(self.note)
        super().save(*args, **kwargs)

    def clean(self):
        self.name, self.unit, self.note = nfc(self.name), nfc(self.unit), nfc_lines(self.note)
        if self.kind == FeeKind.PER_UNIT and not self.unit:
            raise ValidationError({"unit": gettext("Say what the amount is per (e.g. “trang”, “bản”).")})


class RequiredDocument(models.Model):
    """A component of the dossier (thành phần hồ sơ)."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="documents"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    is_required = models.BooleanField(_("required"), default=True)
    replaced_by_eform = models.BooleanField(
        _("replaced by the e-form online"),
        default=False,
        help_text=_(
            "The declaration whose content the online e-form collects: not uploaded when the dossier "
            "is submitted online (Decree 45/2020/NĐ-CP, Art. 9), still required at the counter."
        ),
    )
    template = models.FileField(_("template"), upload_to="procedures/templates/", blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["procedure", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name, self.note = nfc(self.name), nfc_lines(self.note)
        super().save(*args, **kwargs)


class ReceptionScope(models.TextChoices):
    PROVINCE = "province", _("within the province")
    NATIONWIDE = "nationwide", _("nationwide")


class BoundaryFreeListQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> Self:
        """The lists in force on ``on`` (default today, Vietnam time)."""
        on = on or today()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)


class BoundaryFreeList(models.Model):
    """A published list of procedures received regardless of administrative boundary: the
    province's (Decree 118/2025/NĐ-CP Art. 14; the province's People's Committee publishes it),
    or the nationwide list of Art. 14(4) as added by Decree 309/2026/NĐ-CP Art. 7(2), received
    at the provincial and commune service centres "theo danh mục do cơ quan có thẩm quyền công
    bố" (none published yet). Procedures are matched by code, so a new version of a listed
    procedure stays listed. Changed only through ``tinhso.procedures.actions``."""

    scope = models.CharField(_("scope"), max_length=10, choices=ReceptionScope.choices)
    number = models.CharField(_("document number"), max_length=60, help_text=_("e.g. 2150/QĐ-UBND"))
    signed_on = models.DateField(_("date of the decision"))
    issuer = models.CharField(_("issuing body"), max_length=255)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    at_provincial_centre = models.BooleanField(
        _("also received at the provincial service centre"),
        default=False,
        help_text=_("Otherwise only at the commune one-stop centres."),
    )
    procedures = models.ManyToManyField(Procedure, verbose_name=_("procedures"), related_name="+")
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BoundaryFreeListQuerySet.as_manager()

    class Meta:
        verbose_name = _("list of procedures received regardless of boundary")
        verbose_name_plural = _("lists of procedures received regardless of boundary")
        ordering = ["scope", "-valid_from", "pk"]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_scope_display()})"

    def clean(self):
        self.number, self.issuer, self.note = nfc(self.number), nfc(self.issuer), nfc(self.note)
        errors = {}
        if not self.number:
            errors["number"] = [gettext("Enter the number of the deciding document.")]
        if not self.issuer:
            errors["issuer"] = [gettext("Enter who issued the deciding document.")]
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = [gettext("The end date cannot be before the start date.")]
        if errors:
            raise ValidationError(errors)

    @property
    def receives_at_provincial_centre(self) -> bool:
        """The nationwide list is received at the provincial centre too (Art. 14(4))."""
        return self.scope == ReceptionScope.NATIONWIDE or self.at_provincial_centre


def boundary_free_lists(procedure: Procedure, on: datetime.date | None = None) -> QuerySet[BoundaryFreeList]:
    """The lists in force on ``on`` that name ``procedure`` (by code)."""
    return BoundaryFreeList.objects.in_force(on).filter(procedures__code=procedure.code).distinct()
