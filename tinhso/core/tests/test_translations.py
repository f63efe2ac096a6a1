"""No page half in one language: every text of the code has its Vietnamese translation, and the
English pages carry no Vietnamese outside the people's own data.

The first test extracts the msgids of every app (and of Django's administration) as `make messages`
would (makemessages on a copy, with gettext's tools) and looks each one up in the running catalogue
(the apps', Django's and the installed packages'), so a text missing from every .po file is found,
not only an empty msgstr."""

import ast
import re
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

# Texts that are the same in both languages.
SAME_IN_VIETNAMESE = {
    *("Email", "Open311", "OK", "TOTP", "CCCD", "VNPAY", "PDF", "XLSX", "QR", "SHA-256"),
    "%(class_name)s %(instance)s",
}
VIETNAMESE_LETTERS = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)


def project_apps():
    root = Path(settings.BASE_DIR) / "tinhso"
    return [app for app in apps.get_app_configs() if Path(app.path).is_relative_to(root)]


def po_entries(text: str):
    """(msgctxt, msgid, msgid_plural, msgstrs, fuzzy) of each entry of a .po file."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        fields: dict[str, list[str]] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = [ast.literal_eval(match.group(2))]
            elif line.startswith('"') and key:
                fields[key].append(ast.literal_eval(line))
        if "msgid" not in fields:
            continue
        joined = {k: "".join(v) for k, v in fields.items()}
        if joined["msgid"] == "":
            continue
        msgstrs = [v for k, v in joined.items() if k.startswith("msgstr")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        entries.append((joined.get("msgctxt"), joined["msgid"], joined.get("msgid_plural"), msgstrs, fuzzy))
    return entries


def translated(context, msgid, plural) -> bool:
    if plural and context:
        result = translation.npgettext(context, msgid, plural, 1)
    elif plural:
        result = translation.ngettext(msgid, plural, 1)
    else:
        result = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
    return result != msgid or msgid in SAME_IN_VIETNAMESE


@pytest.mark.parametrize("app", [app.label for app in project_apps()])
def test_the_committed_vietnamese_catalogue_is_complete(app):
    path = Path(apps.get_app_config(app).path) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    if not path.exists():
        pytest.skip(f"{app} has no texts of its own")
    bad = [
        msgid
        for _ctx, msgid, _plural, msgstrs, fuzzy in po_entries(path.read_text(encoding="utf-8"))
        if fuzzy or not msgstrs[0]  # Vietnamese has one plural form: msgstr[0]
    ]
    assert bad == []


def test_every_text_of_the_code_has_a_vietnamese_translation(tmp_path, monkeypatch):
    """Django's administration and accounts too: their Vietnamese lacks the newer texts
    (completed in tinhso/third_party)."""
    assert shutil.which("xgettext"), "gettext's tools are needed (scripts/bootstrap.sh installs them)"
    missing = {}
    translation.activate("vi")
    try:
        for app in [*project_apps(), apps.get_app_config("admin"), apps.get_app_config("auth")]:
            copy = tmp_path / app.label
            ignored = shutil.ignore_patterns("tests", "__pycache__", "locale", "static")
            shutil.copytree(app.path, copy, ignore=ignored)
            (copy / "locale" / "vi" / "LC_MESSAGES").mkdir(parents=True)
            monkeypatch.chdir(copy)
            call_command("makemessages", locale=["vi"], verbosity=0, no_obsolete=True)
            extracted = (copy / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
            entries = po_entries(extracted)
            lost = sorted(m for ctx, m, plural, _s, _f in entries if not translated(ctx, m, plural))
            if lost:
                missing[app.label] = lost
    finally:
        translation.deactivate()
    assert missing == {}


def test_po_parser_reads_context_plural_continuations_and_fuzzy():
    text = (
        'msgid ""\nmsgstr ""\n"Language: vi\\n"\n\n'
        '#, fuzzy\nmsgctxt "unit"\nmsgid "day"\nmsgstr "ngày"\n\n'
        'msgid "one report"\nmsgid_plural "%d reports"\nmsgstr[0] ""\n\n'
        'msgid ""\n"Long "\n"text"\nmsgstr "Dài"\n'
    )
    assert po_entries(text) == [
        ("unit", "day", None, ["ngày"], True),
        (None, "one report", "%d reports", [""], False),
        (None, "Long text", None, ["Dài"], False),
    ]


def test_vietnamese_letters_are_recognised():
    assert VIETNAMESE_LETTERS.search("Tối đa 4000 ký tự.") and not VIETNAMESE_LETTERS.search("At most 4000")


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def visible_text(html: str) -> str:
    """The page's text without scripts, styles, tags and attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def assert_no_vietnamese(page: str, allowed: tuple[str, ...] = ()):
    text = visible_text(page)
    for name in allowed:
        text = text.replace(name, "")
    found = [line.strip() for line in text.splitlines() if VIETNAMESE_LETTERS.search(line)]
    assert found == []


# The platform's name, the language switch's own name and the search hint's example stay
# Vietnamese on English pages.
ALWAYS_VIETNAMESE = (
    *("Tỉnh số", "Tiếng Việt", "“Đăng ký khai sinh”", "“đăng ký khai sinh”", "“cấp bản sao trích lục”"),
)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/tai-khoan/dang-nhap/", "/ho-so/tra-cuu/", "/thu-tuc/", "/phan-anh/"])
def test_public_pages_in_english_have_no_vietnamese(client, path):
    response = english(client).get(path)
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert_no_vietnamese(response.content.decode(), ALWAYS_VIETNAMESE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, expected",
    [
        ("/quan-tri/", ["Tác vụ nền", "Loại dữ liệu", "Đổi giao diện"]),
        (
            "/quan-tri/django_tasks_database/dbtaskresult/",
            ["Tác vụ nền", "Trạng thái", "Xếp hàng lúc", "Thành công"],
        ),
    ],
)
def test_the_vietnamese_administration_has_no_english_left(client, path, expected):
    from django_tasks_db.models import DBTaskResult

    from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
    from tinhso.accounts.models import User, UserKind

    admin = User.objects.create_user(
        "quantri", "Mật-khẩu-Đồng-Tháp-2026", full_name="Quản trị", kind=UserKind.OFFICER, is_staff=True
    )
    admin.is_superuser = True
    admin.save()
    DBTaskResult.objects.create(
        status="SUCCESSFUL",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tinhso.feedback.tasks.notify_report",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    client.force_login(admin)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = admin.pk
    session.save()
    response = client.get(path)
    assert response.status_code == 200
    page = visible_text(response.content.decode())
    for text in expected:
        assert text in page
    for english_text in ["Tasks Database Backend", "Task Result", "Task name", "Model name", "Toggle theme"]:
        assert english_text not in page


# Django merges the apps' catalogues and the first app listed wins, so one msgid (without a context)
# shows one Vietnamese text everywhere. These differ between apps only in wording; the winner fits
# every use. A msgid whose meanings differ gets a context instead (pgettext: "state" of a
# notification, "kind" of an agency).
REVIEWED_DIFFERENT_WORDING = {
    *("Report a problem", "validity", "level", "Code", "valid from", "valid to", "generated code"),
    *("The end date cannot be before the start date.", "active", "created at", "updated at"),
    *("Citizen ID (CCCD)", "Fee", "Amount", "Document", "Due", "Channel", "The file is empty."),
    *("channel", "at", "title", "Accepted", "Documents", "No documents attached.", "late", "paid"),
}


def test_no_msgid_is_translated_two_ways_by_two_apps():
    translations: dict[tuple, dict[str, str]] = {}
    for app in project_apps():
        path = Path(app.path) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
        if path.exists():
            for context, msgid, plural, msgstrs, _fuzzy in po_entries(path.read_text(encoding="utf-8")):
                translations.setdefault((context, msgid, plural), {})[app.label] = msgstrs[0]
    different = {
        key[1]: by_app
        for key, by_app in translations.items()
        if len(set(by_app.values())) > 1 and key[1] not in REVIEWED_DIFFERENT_WORDING
    }
    assert different == {}
