"""HTML printed to PDF: the one way tinhso makes a PDF from a template (forms, registers,
drafts, signature pages, blank forms, stamps).

WeasyPrint (with its fonts and layout engine, about 40 MiB in each process) is imported on the
first print, not when Django starts: most requests a web worker serves never print, and the
signed forms are printed by the task worker, so the web workers stay lean
(``tests/test_lean_workers.py``). A process keeps one font configuration: looking the fonts up
again for every document was 30 % of printing a Form 01 (70 → 49 ms of CPU)."""

import functools


@functools.cache
def _font_configuration():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str) -> bytes:
    """The PDF WeasyPrint prints from ``html`` (a whole document with its own styles)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf(font_config=_font_configuration())
