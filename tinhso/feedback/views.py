"""Pages of citizen feedback: public list and map, filing, following, rating, reopening; the
officers' inboxes and the page where a report is routed, worked, answered and approved."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import agency_ids_in_scope, can, is_province_admin, require
from tinhso.audit.services import record_personal_data_read
from tinhso.feedback import actions, geo
from tinhso.feedback.forms import (
    AgencyChoiceForm,
    FilterForm,
    PublicTextForm,
    RatingForm,
    ReasonForm,
    ReportForm,
    TextForm,
    add_errors,
)
from tinhso.feedback.models import OPEN_STATES, Photo, Report, State
from tinhso.feedback.photos import max_photo_bytes, max_photos
from tinhso.feedback.rules import WORK_ROLES
from tinhso.feedback.services import public_reports, similar_open_reports


def map_settings() -> dict:
    lat, lng = geo.province_centre()
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_pmtiles_url": settings.MAP_PMTILES_URL,
        "map_lat": f"{lat:.5f}",
        "map_lng": f"{lng:.5f}",
    }


@cache_control(public=True, max_age=3600)
def province_outline(request):
    """The province's area and border (GeoJSON) the maps draw and pins are checked against."""
    return JsonResponse(geo.province_outline(), content_type="application/geo+json")


def report_list(request):
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = public_reports(
        filters.get("q", ""),
        filters.get("category"),
        filters.get("commune"),
        filters.get("status", ""),
        filters.get("date_from"),
        filters.get("date_to"),
    )
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/list.html",
        {"form": form, "page": page, "query": query.urlencode(), **map_settings()},
    )


def _report_or_404(code, user):
    report = get_object_or_404(
        Report.objects.select_related("category", "commune", "assigned_agency", "reporter"), code=code
    )
    if not can(user, "feedback.view", report):
        raise Http404
    return report


def report_detail(request, code):
    report = _report_or_404(code, request.user)
    is_reporter = request.user.is_authenticated and report.reporter_id == request.user.pk
    answer = report.current_answer if report.state in (State.ANSWERED, State.CLOSED, State.REOPENED) else None
    context = {
        "report": report,
        "answer": answer,
        "photos": report.photos.all() if (report.published or is_reporter) else [],
        "is_reporter": is_reporter,
        "rating_form": RatingForm() if is_reporter and report.state == State.ANSWERED else None,
        "reopen_form": ReasonForm()
        if is_reporter and report.state in (State.ANSWERED, State.CLOSED)
        else None,
        "following": request.user.is_authenticated and report.followers.filter(user=request.user).exists(),
        "can_follow": request.user.is_authenticated and can(request.user, "feedback.follow", report),
        "reopen_days": actions.reopen_days(),
        **map_settings(),
    }
    return render(request, "feedback/detail.html", context)


# The codes of the reports this browser session filed (the last few), for their confirmation page.
FILED_SESSION_KEY = "feedback_filed"
FILED_REMEMBERED = 20


def _report_fields(form, request) -> dict:
    data = form.cleaned_data
    return {
        "category": data.get("category"),
        "description": data.get("description", ""),
        "latitude": data.get("latitude"),
        "longitude": data.get("longitude"),
        "address": data.get("address", ""),
        "commune": data.get("commune"),
        "anonymous": data.get("anonymous", False),
        "contact_name": data.get("contact_name", ""),
        "contact_phone": data.get("contact_phone", ""),
        "contact_email": data.get("contact_email", ""),
        "photos": request.FILES.getlist("photos"),
        "confirm_commune": data.get("confirm_commune", False),
    }


def _file_report(request, hotline: bool):
    form = ReportForm(request.POST or None, request.FILES or None)
    similar = []
    ask_commune = False
    if request.method == "POST" and form.is_valid():
        fields = _report_fields(form, request)
        lat = geo.parse_coordinate(fields["latitude"], -90, 90)
        lng = geo.parse_coordinate(fields["longitude"], -180, 180)
        if not form.cleaned_data["confirm_new"] and not hotline:
            similar = similar_open_reports(fields["category"], lat, lng)
        if not similar:
            try:
                if hotline:
                    report = actions.enter_hotline_report(request.user, request=request, **fields)
                else:
                    report = actions.submit_report(request.user, request=request, **fields)
            except ValidationError as exc:
                add_errors(form, exc)
                ask_commune = form.has_error("commune", "commune_far")
            else:
                filed = request.session.get(FILED_SESSION_KEY, [])[-(FILED_REMEMBERED - 1) :]
                request.session[FILED_SESSION_KEY] = [*filed, report.code]
                return redirect("feedback:submitted", code=report.code)
    context = {
        "form": form,
        "similar": similar,
        "ask_commune": ask_commune,
        "hotline": hotline,
        "max_photos": max_photos(),
        "max_photo_mb": max_photo_bytes() // 2**20,
        **map_settings(),
    }
    return render(request, "feedback/form.html", context)


def submit(request):
    return _file_report(request, hotline=False)


@login_required
def hotline(request):
    require(request.user, "feedback.hotline_enter")
    return _file_report(request, hotline=True)


def submitted(request, code):
    """The confirmation page: for the session that filed the report or the reporter's account only
    (codes are sequential), others get 404."""
    report = get_object_or_404(Report.objects.select_related("category"), code=code)
    user_id = request.user.pk if request.user.is_authenticated else None
    filed_here = code in request.session.get(FILED_SESSION_KEY, [])
    if not filed_here and (user_id is None or user_id not in (report.reporter_id, report.entered_by_id)):
        raise Http404
    return render(request, "feedback/submitted.html", {"report": report})


@login_required
def my_reports(request):
    reports = Report.objects.filter(reporter=request.user).select_related("category", "commune")
    followed = Report.objects.filter(followers__user=request.user).select_related("category", "commune")
    return render(request, "feedback/mine.html", {"reports": reports, "followed": followed})


@login_required
@require_POST
def follow(request, code):
    report = get_object_or_404(Report, code=code)
    actions.follow_report(request.user, report, request=request)
    messages.success(
        request, _("You follow report %(code)s: you will be told when it is answered.") % {"code": code}
    )
    if can(request.user, "feedback.view", report):
        return redirect("feedback:detail", code=code)
    return redirect("feedback:mine")


@login_required
@require_POST
def rate(request, code):
    report = _report_or_404(code, request.user)
    form = RatingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"stars": _("Choose from 1 to 5 stars.")})
        actions.rate_answer(
            request.user, report, form.cleaned_data["stars"], form.cleaned_data["comment"], request
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you for rating the answer."))
    return redirect("feedback:detail", code=code)


@login_required
@require_POST
def reopen(request, code):
    report = _report_or_404(code, request.user)
    try:
        actions.reopen_report(request.user, report, request.POST.get("reason", ""), request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The report is reopened."))
    return redirect("feedback:detail", code=code)


def photo(request, pk):
    """A photo, only when its report is public or the user may see the report."""
    item = get_object_or_404(Photo.objects.select_related("report"), pk=pk)
    if not can(request.user, "feedback.view", item.report):
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = (
        "private, max-age=3600" if not item.report.published else "public, max-age=86400"
    )
    return response


# Officers.


def _officer_report(request, code) -> Report:
    """The report, for an officer who may act on it; others get 404 (no hint that it exists)."""
    report = get_object_or_404(
        Report.objects.select_related("category", "commune", "assigned_agency", "reporter", "escalated_to"),
        code=code,
    )
    user = request.user
    allowed = any(
        can(user, action, report) for action in ("feedback.route", "feedback.work", "feedback.approve")
    )
    if not allowed and not (
        report.escalated_to_id and report.escalated_to_id in agency_ids_in_scope(user, Role.LEADER)
    ):
        raise Http404
    return report


def _inbox(request, title, reports, empty):
    reports = reports.select_related("category", "commune", "assigned_agency").order_by("due_at")
    return render(
        request,
        "feedback/inbox.html",
        {"title": title, "reports": reports[:200], "empty": empty, "now": timezone.now()},
    )


@login_required
def routing_inbox(request):
    require(request.user, "feedback.route")
    reports = Report.objects.filter(state=State.RECEIVED)
    return _inbox(request, _("Reports to route"), reports, _("No report is waiting to be routed."))


@login_required
def agency_inbox(request):
    require(request.user, "feedback.work")
    scope = agency_ids_in_scope(request.user, *WORK_ROLES)
    reports = Report.objects.filter(assigned_agency_id__in=scope, state__in=OPEN_STATES)
    return _inbox(request, _("Reports of my agency"), reports, _("Your agency has no open report."))


@login_required
def approvals(request):
    require(request.user, "feedback.approve")
    reports = Report.objects.filter(state=State.IN_PROGRESS, answers__approved_at__isnull=True).distinct()
    if not is_province_admin(request.user):
        reports = reports.filter(assigned_agency_id__in=agency_ids_in_scope(request.user, Role.LEADER))
    return _inbox(
        request, _("Answers waiting for approval"), reports, _("No answer is waiting for approval.")
    )


@login_required
def overdue(request):
    require(request.user, "feedback.view_overdue")
    reports = Report.objects.open().filter(due_at__lt=timezone.now())
    if not can(request.user, "feedback.route"):
        scope = agency_ids_in_scope(request.user, Role.LEADER)
        reports = reports.filter(Q(assigned_agency_id__in=scope) | Q(escalated_to_id__in=scope))
    return _inbox(request, _("Overdue reports"), reports, _("No report is overdue."))


@login_required
def officer_detail(request, code):
    report = _officer_report(request, code)
    user = request.user
    if report.reporter_id and not report.anonymous:
        record_personal_data_read(
            user,
            report.reporter,
            ["full_name", "phone", "email"],
            "feedback.handle",
            request,
            reference=report.code,
        )
    pending = report.pending_answer
    proposal = actions.propose_agency(report) if report.state == State.RECEIVED else None
    can_route = can(user, "feedback.route", report)
    can_work = can(user, "feedback.work", report)
    can_approve = can(user, "feedback.approve", report)
    context = {
        "report": report,
        "pending": pending,
        "history": report.history.select_related("actor"),
        "answers": report.answers.select_related("officer", "approved_by"),
        "photos": report.photos.all(),
        "assign_form": AgencyChoiceForm(initial={"agency": proposal}) if can_route else None,
        "proposal": proposal,
        "may_assign": can_route and report.state in actions.ASSIGNABLE + actions.REASSIGNABLE,
        "may_start": can_work and report.state in actions.STARTABLE,
        "can_reject": report.is_open and (can_approve if report.assigned_agency_id else can_route),
        "answer_form": TextForm()
        if can_work and pending is None and report.state in actions.ANSWERABLE
        else None,
        "approve_form": PublicTextForm(
            initial={"public_description": report.public_description, "published": True}
        )
        if can_approve and pending
        else None,
        "moderate_form": PublicTextForm(
            initial={"public_description": report.public_description, "published": report.published},
            prefix="m",
        )
        if can(user, "feedback.moderate", report)
        else None,
        "reason_form": ReasonForm(),
        **map_settings(),
    }
    return render(request, "feedback/officer_detail.html", context)


@login_required
@require_POST
def officer_action(request, code, step):
    report = _officer_report(request, code)
    user, post = request.user, request.POST
    try:
        if step == "assign":
            form = AgencyChoiceForm(post)
            if not form.is_valid():
                raise ValidationError({"agency": _("Choose an agency that exists today.")})
            if report.state == State.RECEIVED:
                actions.assign_report(
                    user, report, form.cleaned_data["agency"], form.cleaned_data["note"], request
                )
            else:
                actions.reassign(
                    user, report, form.cleaned_data["agency"], form.cleaned_data["note"], request
                )
            done = _("The report is assigned.")
        elif step == "start":
            actions.start_work(user, report, request)
            done = _("You are working on this report.")
        elif step == "answer":
            actions.answer_report(user, report, post.get("text", ""), request)
            done = _("The answer is sent to a leader for approval.")
        elif step == "approve":
            actions.approve_answer(user, report, post.get("public_description"), request)
            done = _("The answer is approved and published.")
        elif step == "reject":
            actions.reject_report(user, report, post.get("reason", ""), request)
            done = _("The report is rejected.")
        elif step == "moderate":
            actions.moderate(
                user, report, post.get("m-public_description", ""), post.get("m-published") == "on", request
            )
            done = _("The public text is saved.")
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(reverse("feedback:officer_detail", args=[report.code]))
