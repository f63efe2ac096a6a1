"""A web worker does not load what few of its requests need until one does: the PDF printer
(WeasyPrint with its fonts and layout engine, about 40 MiB in each gunicorn worker), the XLSX
writer (openpyxl, ~5 MiB: exports and registers) and the error-reporting library (sentry_sdk,
~5 MiB, only when ``SENTRY_DSN`` is set). Issue: peak ≤ 250 MiB per worker; signed forms are
printed by the task worker."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Start the WSGI application as gunicorn does, import every page and API module the URLconf
# reaches, and say which heavy libraries are loaded.
PROBE = """
import sys
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

get_wsgi_application()

def walk(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            walk(pattern.url_patterns)

walk(get_resolver().url_patterns)
from tinhso.api import api
api.urls
heavy = ("weasyprint", "pyhanko", "openpyxl", "sentry_sdk")
print(",".join(sorted(name for name in heavy if name in sys.modules)))
"""


def test_serving_pages_does_not_load_the_pdf_printer_the_xlsx_writer_or_error_reporting():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = result.stdout.strip().split(",")
    for library in ("weasyprint", "openpyxl", "sentry_sdk"):
        assert library not in loaded, result.stdout


def test_printing_still_works_after_the_lazy_import():
    from tinhso.core.pdf import html_to_pdf

    pdf = html_to_pdf("<html><body><p>Giấy tiếp nhận hồ sơ</p></body></html>")
    assert pdf.startswith(b"%PDF-")
