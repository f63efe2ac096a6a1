"""What the journeys on the demo share: a person on a phone checking each page (``Actor``), the
user data left out of the language checks (``UserData``), the screenshots."""

import os
import re
import tempfile
from pathlib import Path

import pyotp
from django.apps import apps
from django.db import models

from tests.browser.accessibility import serious_violations
from tinhso.demo import data

WIDTH = 390
SHOTS = Path(os.environ.get("JOURNEY_SCREENSHOTS") or tempfile.mkdtemp(prefix="tinhso-journeys-"))
CITIZEN = "087095001234"
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE
)
MONEY = re.compile(r"\d[\d.]* đ\b")
LEGAL_NUMBER = re.compile(r"[\w/.]*\b(?:qđ|nđ)-[\w/.]*", re.IGNORECASE)
# English words that are no Vietnamese word: one of them on a Vietnamese page is an English
# string that was never put through gettext.
ENGLISH_WORDS = re.compile(r"\b(the|and|your|please|with|this|of|has|been|was|were|not)\b", re.IGNORECASE)
# Tables changed by the journeys, read again for each page (the others once).
DYNAMIC_APPS = {"dossiers", "feedback", "signing", "payments", "documents"}
SKIPPED_APPS = {"audit", "sessions", "admin", "contenttypes", "auth"}
# Names, not interface: the platform's and the language switch's own ("Tiếng Việt" in English too).
PROPER_NAMES = {"tỉnh số", "tiếng việt"}

TEXTS = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest("script, style, template, noscript")) continue;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text) out.push(text);
  }
  for (const element of document.body.querySelectorAll("[placeholder], [aria-label], [title], [alt]")) {
    for (const name of ["placeholder", "aria-label", "title", "alt"]) {
      const value = element.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  return out;
}"""


def _po_entries(path: Path):
    """(msgid, msgstr) of a .po file, plural forms as their first form."""
    entry, key = {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?)\s+"(.*)"$', line)
        if match:
            key = match.group(1).split("[")[0]
            entry.setdefault(key, match.group(2))
        elif line.startswith('"') and key:
            entry[key] += line[1:-1]
        elif not line:
            if entry.get("msgid"):
                yield entry["msgid"], entry.get("msgstr", "")
            entry, key = {}, None


def english_fragments() -> list[re.Pattern]:
    """Literal pieces of the platform's English msgids (between placeholders) that can only
    come from an untranslated string: two words or more, not kept as is in the translation."""
    pieces = set()
    for po in Path(__file__).resolve().parents[2].glob("tinhso/*/locale/vi/LC_MESSAGES/django.po"):
        for msgid, msgstr in _po_entries(po):
            msgid = msgid.replace('\\"', '"').replace("\\n", " ")
            for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}|[“”\"«»():;,.!?—–]", msgid):
                piece = " ".join(piece.split())
                if len(piece.split()) >= 2 and piece not in msgstr and re.search("[a-z]", piece):
                    pieces.add(piece)
    return [re.compile(r"\b" + re.escape(piece) + r"\b", re.IGNORECASE) for piece in pieces]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _model_strings(model) -> set[str]:
    names = [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField, models.JSONField)) and not field.choices
    ]
    found = set()
    if names:
        for row in model.objects.values_list(*names):
            for value in row:
                found.update(text for text in _strings(value) if len(text.strip()) >= 2)
    return found


class UserData:
    """The text stored in the database (names, addresses, procedures, answers…): text shown as
    data, not interface, which may be Vietnamese on an English page."""

    def __init__(self):
        self.static = set(PROPER_NAMES)
        self.dynamic = []
        for model in apps.get_models():
            label = model._meta.app_label
            if label in SKIPPED_APPS or not model.__module__.startswith("tinhso."):
                continue
            if label in DYNAMIC_APPS:
                self.dynamic.append(model)
            else:
                self.static |= {text.casefold().strip() for text in _model_strings(model)}

    def strip(self, texts: list[str]) -> list[str]:
        """``texts`` without the data in them (case-insensitive, longest data first), money
        amounts ("200.000 đ": the đồng sign is the currency's, in English too) nor the numbers
        of legal documents ("766/QĐ-TTg")."""
        page = "\n".join(texts).casefold()
        dynamic = {text.casefold().strip() for model in self.dynamic for text in _model_strings(model)}
        present = sorted(
            {text for text in self.static | dynamic if text in page},
            key=len,
            reverse=True,
        )
        texts = [text.casefold() for text in texts]
        if present:
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, present)) + r")(?!\w)")
            texts = [pattern.sub(" ", text) for text in texts]
        return [LEGAL_NUMBER.sub(" ", MONEY.sub(" ", text)) for text in texts]


class Actor:
    """One person on a phone: a Vietnamese page and, sharing the sign-in, an English one."""

    shots = 0

    def __init__(self, browser, demo, username):
        self.demo, self.url = demo, demo["url"]
        phone = {"viewport": {"width": WIDTH, "height": 844}, "is_mobile": True, "has_touch": True}
        self.context = browser.new_context(locale="vi-VN", **phone)
        self.page = self.context.new_page()
        self.page.goto(self.url + "/tai-khoan/dang-nhap/")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill(data.DEMO_PASSWORD)
        self.page.get_by_role("button", name="Đăng nhập").last.click()
        self.page.wait_for_load_state()
        if self.page.get_by_label("Mã xác thực").count():
            self.page.get_by_label("Mã xác thực").fill(pyotp.TOTP(data.DEMO_TOTP_SECRET).now())
            self.page.get_by_role("button", name="Tiếp tục").click()
            self.page.wait_for_load_state()
        self.english_context = browser.new_context(
            locale="en-GB", storage_state=self.context.storage_state(), **phone
        )
        self.english_context.add_cookies([{"name": "django_language", "value": "en", "url": self.url}])
        self.english = self.english_context.new_page()

    def goto(self, path: str, heading: str | None = None):
        self.page.goto(self.url + path)
        return self.check(heading)

    def check(self, heading: str | None = None, english: bool = True):
        """The page on screen: its heading, width, accessibility and language, in Vietnamese,
        then opened again in English (a page shown by a GET only)."""
        page = self.page
        page.wait_for_load_state()
        title = page.get_by_role("heading", level=1).first.inner_text()
        if heading is not None:
            assert title == heading, page.url
        Actor.shots += 1
        page.screenshot(path=SHOTS / f"{Actor.shots:03d}-vi-{_slug(page.url)}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
        # The content keeps its distance from the header (".container" once zeroed it).
        assert page.evaluate("getComputedStyle(document.getElementById('main')).paddingTop") == "24px"
        assert serious_violations(page) == [], page.url
        texts = self.demo["data"].strip(page.evaluate(TEXTS))
        joined = "\n".join(texts)
        left = [fragment.pattern for fragment in self.demo["english"] if fragment.search(joined)]
        assert left == [], (page.url, left)
        assert not ENGLISH_WORDS.search(joined), (page.url, ENGLISH_WORDS.findall(joined))
        if english:
            self.english.goto(page.url)
            self.english.screenshot(
                path=SHOTS / f"{Actor.shots:03d}-en-{_slug(page.url)}.png", full_page=True
            )
            assert self.english.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
            left = [
                text
                for text in self.demo["data"].strip(self.english.evaluate(TEXTS))
                if VIETNAMESE.search(text)
            ]
            assert left == [], (page.url, left)
        return page

    def close(self):
        self.english_context.close()
        self.context.close()


def _slug(url: str) -> str:
    return (
        re.sub(r"[^a-z0-9]+", "-", url.split("//", 1)[-1].split("/", 1)[-1].lower()).strip("-")[:60] or "home"
    )
