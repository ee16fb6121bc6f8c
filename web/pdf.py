"""The printable report as a PDF file, drawn by WeasyPrint from the report's own HTML.

WeasyPrint (maintained, pure Python on top of the system's Pango) turns the same A4 HTML
and print CSS the report already has into a file people can download and mail, without
a browser on the server and without JavaScript on the client. The report is
self-contained (inline CSS and SVG), so nothing is fetched: only data: URLs are allowed.
"""

from __future__ import annotations


def report_pdf(html: str) -> bytes:
    # Imported here: loading Pango takes a moment, and only this view needs it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    document: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return document
