"""The page as one self-contained HTML file: Jinja2 with autoescape on, so every value from the
warehouse (organ names, titles, URLs, printed text, rule details: text from documents and portals we do
not control) is written as text. Only three things go in unescaped, each made safe where it is built:
the chart SVGs (``charts.sanitise_svg``), the drill-down JSON (``Sources.to_json``: ``<``, ``>``, ``&``
escaped) and the page's own CSS/JS constants.

A Content-Security-Policy in the page allows nothing to load and only the page's own script to run
(by its sha256), so even a markup mistake could not fetch or execute anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ogi.report import assets
from ogi.report.page import Page


def _env():
    import jinja2

    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["http_only"] = http_only
    return env


def http_only(url: Any) -> str | None:
    """A URL that may become a link: http(s) only (a ``javascript:`` URL from a registry stays text)."""
    return url if isinstance(url, str) and re.match(r"^https?://", url, re.IGNORECASE) else None


_SAFE_PATH = re.compile(r"[^A-Za-z0-9._-]")


def path_part(name: str) -> str:
    """A region id as one path segment: unsafe characters percent-style encoded, never ``.``/``..``."""
    part = _SAFE_PATH.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), str(name))
    return part if part not in ("", ".", "..") else quote(part, safe="") + "_"


def page_href(from_region: str, to_region: str, year: int) -> str:
    """Relative link from a page to another region-year page (``<out>/<region>/<year>/index.html``)."""
    return f"../../{quote(path_part(to_region))}/{year}/index.html"


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def render_page(page: Page, *, links: dict[str, Any], generated_at: dt.datetime | None = None) -> str:
    """The HTML of one page. ``links``: ``parent`` (href, name) or None, ``years`` [(year, href)],
    ``children`` {region id: href}."""
    env = _env()
    tmpl = env.from_string(assets.TEMPLATE)
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    return tmpl.render(
        p=page,
        s=page.sections,
        region=page.region,
        year=page.year,
        charts=page.charts,
        links=links,
        generated=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        css=Markup(assets.CSS),
        script=Markup(assets.SCRIPT),
        csp=_csp(assets.SCRIPT),
        sources_json=Markup(page.sources.to_json()),
        svg=lambda key: Markup(page.charts[key].svg),
    )
