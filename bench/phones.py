"""Citizens' phones (issue 19, item 5): the citizen journey in chromium on an emulated phone on a
slow mobile network, each page's bytes on a first and a repeat visit, its Largest Contentful Paint
and its layout shift.

The profile (Chrome DevTools protocol): a 390 × 844 touch screen, the CPU slowed 4 times, 1.6
Mbit/s down, 750 kbit/s up and 150 ms round trip. Each page is opened with an empty browser cache
(``first_load_bytes``: what the network carried, headers included, from ``Network.loadingFinished``),
then opened again in the same context (``repeat_bytes``: what the cache headers still let through).
LCP and CLS (the sum of the shifts not caused by input) come from a buffered PerformanceObserver
of the first load. The figures depend on the emulated network far more than on the server, so they
are absolute, not ratios to a floor.

Run against a server holding the demo data (``load_demo``)::

    python -m bench.phones --base-url http://127.0.0.1:8000 [--username 087095001234]
"""

import argparse
import json
import re
import sys
from collections.abc import Callable
from contextlib import ExitStack

from bench.workload import minimal_pdf

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
NETWORK = {
    "offline": False,
    "latency": 150,  # ms, round trip
    "downloadThroughput": 1_600_000 / 8,  # bytes per second
    "uploadThroughput": 750_000 / 8,
    "connectionType": "cellular3g",
}
CPU_SLOWDOWN = 4
FIRST_LOAD_BYTES, REPEAT_BYTES = 150 * 1024, 30 * 1024
LCP_MS, CLS = 2500, 0.1
# The demo's citizen (tinhso/demo/data.py) and a commune procedure to submit online.
CITIZEN, PASSWORD = "087095001234", "Tinhso@2026"
PROCEDURE = "1.001193"
DESK = "Trung tâm Phục vụ hành chính công phường Mỹ Tho"
COMMUNE = "Phường Mỹ Tho"

OBSERVER = """
window.__phone = {lcp: null, cls: 0};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__phone.lcp = entry.renderTime || entry.loadTime;
}).observe({type: "largest-contentful-paint", buffered: true});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__phone.cls += entry.value;
}).observe({type: "layout-shift", buffered: true});
"""


class Phone:
    """One browser context on the emulated phone, counting what the network carries."""

    def __init__(self, browser, base_url: str, throttle: bool = True):
        self.base_url = base_url.rstrip("/")
        self.context = browser.new_context(locale="vi-VN", has_touch=True, **PHONE)
        self.context.add_init_script(OBSERVER)
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        if throttle:
            self.cdp.send("Network.emulateNetworkConditions", NETWORK)
            self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        self.received: dict[str, int] = {}
        self.urls: dict[str, str] = {}
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.pages: list[dict] = []

    def _request(self, event) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event) -> None:
        self.received[event["requestId"]] = self.received.get(event["requestId"], 0) + int(
            event["encodedDataLength"]
        )

    def _load(self, navigate: Callable[[], None]) -> dict:
        """Bytes and requests of one navigation, once the network is quiet."""
        self.received.clear()
        self.urls.clear()
        navigate()
        self.page.wait_for_load_state("networkidle")
        largest = max(self.received.items(), key=lambda item: item[1], default=("", 0))
        return {
            "bytes": sum(self.received.values()),
            "requests": sum(1 for size in self.received.values() if size),  # from the network
            "largest": [self.urls.get(largest[0], "").replace(self.base_url, ""), largest[1]],
        }

    def measure(self, name: str, navigate: Callable[[], None], again: Callable[[], None] | None = None):
        """``navigate`` (a step of the journey) with an empty cache, then ``again`` (by default:
        opening the same address again) with the cache it left."""
        self.cdp.send("Network.clearBrowserCache")
        first = self._load(navigate)
        figures = self.page.evaluate("window.__phone")
        path = self.page.url.replace(self.base_url, "")
        repeat = self._load(again or (lambda: self.page.goto(self.page.url)))
        self.pages.append(
            {
                "page": name,
                "path": path,
                "first_load_bytes": first["bytes"],
                "first_load_requests": first["requests"],
                "largest_response": first["largest"],
                "repeat_bytes": repeat["bytes"],
                "repeat_requests": repeat["requests"],
                "lcp_ms": round(figures["lcp"]) if figures["lcp"] is not None else None,
                "cls": round(figures["cls"], 4),
            }
        )

    def goto(self, path: str) -> Callable[[], None]:
        return lambda: self.page.goto(self.base_url + path)

    def click(self, name: str) -> Callable[[], None]:
        return lambda: self.page.get_by_role("button", name=name).last.click()

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).first.inner_text()


def journey(phone: Phone, username: str, password: str) -> None:
    """Home, search, procedure, sign-in, every page of the online submission of ``PROCEDURE`` at a
    commune desk, confirmation, tracking and the feedback form."""
    page = phone.page
    phone.measure("home", phone.goto("/"))
    phone.measure("search", phone.goto("/thu-tuc/?q=khai+sinh"))
    phone.measure("procedure", phone.goto(f"/thu-tuc/{PROCEDURE}/"))
    phone.measure("sign_in", phone.goto("/tai-khoan/dang-nhap/"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    if page.get_by_label("Mật khẩu").count():
        raise RuntimeError(f"{username} could not sign in")
    phone.measure("eform_start", phone.goto(f"/ho-so/nop/{PROCEDURE}/"))
    page.get_by_label("Bạn muốn nộp hồ sơ ở đâu?").select_option(label=DESK)
    phone.measure("eform_applicant", phone.click("Bắt đầu"))
    page.get_by_label("Xã, phường").select_option(label=COMMUNE)
    page.get_by_label("Số nhà, đường phố, ấp, khu phố").fill("12 Ấp Bắc")
    phone.measure("eform_page_1", phone.click("Tiếp tục"))
    for selector, value in (
        ("#f-ho-ten", "Nguyễn Ngọc Hân"),
        ("#f-ngay-sinh", "05/01/2026"),
        ("#f-noi-sinh-detail", "Bệnh viện Đa khoa Tiền Giang"),
        ("#f-dan-toc", "Kinh"),
        ("#f-quoc-tich", "Việt Nam"),
        ("#f-que-quan", "Phường Mỹ Tho, tỉnh Đồng Tháp"),
    ):
        page.locator(selector).fill(value)
    page.get_by_label("Nữ").check()
    page.locator("#f-noi-sinh-commune").select_option(label=COMMUNE)
    phone.measure("eform_page_2", phone.click("Tiếp tục"))
    for selector, value in (
        ("#f-me-ho-ten", "Trần Thị Mai"),
        ("#f-me-ngay-sinh", "02/05/1996"),
        ("#f-me-dan-toc", "Kinh"),
        ("#f-me-quoc-tich", "Việt Nam"),
        ("#f-me-noi-cu-tru-detail", "12 Ấp Bắc"),
    ):
        page.locator(selector).fill(value)
    page.locator("#f-me-noi-cu-tru-commune").select_option(label=COMMUNE)
    page.get_by_label("Chưa xác định được cha").check()
    phone.measure("eform_page_3", phone.click("Tiếp tục"))
    phone.measure("eform_page_4", phone.click("Tiếp tục"))
    page.get_by_label("Bản điện tử").check()
    phone.measure("eform_documents", phone.click("Tiếp tục"))
    links = page.get_by_role("link", name=re.compile("^Đính kèm: "))
    names = [name for name in links.all_inner_texts() if "ủy quyền" not in name]
    for number, name in enumerate(names):
        link = page.get_by_role("link", name=name).first
        if number == 0:
            phone.measure("eform_upload", link.click)
        else:
            link.click()
        page.get_by_label("Tải tệp lên").set_input_files(
            {"name": "giay-to.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}
        )
        page.get_by_role("button", name="Đính kèm").click()
        page.wait_for_load_state()
    phone.measure("eform_check", phone.click("Tiếp tục"))
    phone.measure("confirmation", phone.click("Nộp hồ sơ"))
    code = page.locator(".dossier-code").inner_text().strip()
    phone.measure("tracking", phone.goto("/ho-so/tra-cuu/"))

    def track() -> None:
        page.get_by_label("Mã hồ sơ").fill(code)
        page.get_by_label("Số điện thoại hoặc các số cuối của CCCD").fill(username[-4:])
        page.get_by_role("button", name="Tra cứu").click()

    def track_again() -> None:
        page.goto(phone.base_url + "/ho-so/tra-cuu/")
        phone.received.clear()
        phone.urls.clear()
        track()

    phone.measure("tracking_result", track, track_again)
    phone.measure("feedback_form", phone.goto("/phan-anh/gui/"))


def targets(pages: list[dict]) -> list[dict]:
    """The report's targets (bench/report.py's format): the worst page against each budget."""
    found = []
    for key, target, unit, name in (
        ("first_load_bytes", FIRST_LOAD_BYTES, "bytes", "phones_first_load_bytes_max"),
        ("repeat_bytes", REPEAT_BYTES, "bytes", "phones_repeat_visit_bytes_max"),
        ("lcp_ms", LCP_MS, "ms", "phones_largest_contentful_paint_max"),
        ("cls", CLS, "layout shift score", "phones_cumulative_layout_shift_max"),
    ):
        values = [(page[key], page["page"]) for page in pages if page.get(key) is not None]
        worst = max(values, default=(None, ""))
        entry = {
            "name": name,
            "measured": worst[0],
            "target": target,
            "unit": unit,
            "met": worst[0] is not None and worst[0] <= target,
            "note": f"worst page: {worst[1]}" if worst[1] else "not measured",
        }
        found.append(entry)
    return found


def measure(
    base_url: str, username: str = CITIZEN, password: str = PASSWORD, *, browser=None, throttle=True
) -> dict:
    """The journey's figures and targets; ``browser``: a running Playwright chromium (else one is
    started)."""
    with ExitStack() as stack:
        if browser is None:
            from playwright.sync_api import sync_playwright

            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            stack.callback(browser.close)
        phone = Phone(browser, base_url, throttle)
        stack.callback(phone.context.close)
        journey(phone, username, password)
    return {
        "profile": {
            **PHONE["viewport"],
            "cpu_slowdown": CPU_SLOWDOWN if throttle else 1,
            "network": NETWORK if throttle else None,
        },
        "pages": phone.pages,
        "targets": targets(phone.pages),
    }


def phase(base_url: str, enabled: bool = True) -> dict:
    """``make bench``'s phase: the figures, or why there are none (the benchmark never fails)."""
    if not enabled:
        result = {"note": "not measured (--no-phones)", "pages": []}
    else:
        try:
            return measure(base_url)
        except Exception as error:  # reported, like a missed target
            result = {"note": f"not measured: {type(error).__name__}: {error}"[:400], "pages": []}
    return {**result, "targets": [{**target, "note": result["note"]} for target in targets([])]}


def markdown(result: dict) -> str:
    """The phase's table for the Markdown report."""
    if "note" in result:
        return f"\nCitizens' phones: {result['note']}.\n"
    profile = result["profile"]
    lines = [
        "",
        f"Citizens' phones: {profile['width']}×{profile['height']} px, CPU ÷{profile['cpu_slowdown']}, "
        + (
            "1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip (DevTools emulation)."
            if profile["network"]
            else "no network emulation."
        ),
        "",
        "| Page | Path | first load KB (requests) | repeat visit KB (requests) | LCP ms | CLS |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for page in result["pages"]:
        lines.append(
            f"| {page['page']} | `{page['path']}` "
            f"| {page['first_load_bytes'] / 1024:.1f} ({page['first_load_requests']}) "
            f"| {page['repeat_bytes'] / 1024:.1f} ({page['repeat_requests']}) "
            f"| {page['lcp_ms'] if page['lcp_ms'] is not None else '–'} | {page['cls']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--username", default=CITIZEN)
    parser.add_argument("--password", default=PASSWORD)
    parser.add_argument("--no-throttle", action="store_true", help="no network or CPU emulation")
    options = parser.parse_args(argv)
    result = measure(options.base_url, options.username, options.password, throttle=not options.no_throttle)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(markdown(result), file=sys.stderr)


if __name__ == "__main__":
    main()
