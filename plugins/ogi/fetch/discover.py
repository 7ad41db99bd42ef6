"""Finding an organ's report for year Y on its portal: listing → item → article → source document.

Listing pages are read for links whose title names an annual report (年度报告 / 工作年度报告 / 年报,
with or without 年度, full-width digits, with or without the organ's name) and the year it reports
on, which is the year printed in the title, never the publication date (the 2023 report is
published in 2024). Pagination is followed the ways Chinese portals do it: 下一页 links, TRS
``index_N.html`` pages, ``createPageHTML(count, current, "index", "html")`` script calls and the
avalon pagebar settings; a report posted late or filed in a later year's sub-column is found too.

The article page decides the source: its HTML when it carries the statistics tables, else an
attachment (DOCX, PDF, DOC, WPS), since some organs post only a scan or a download link.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

import lxml.html

from ogi.fetch.http import BlockedError, FetchError, HttpClient, Response

ATTACHMENT_EXTS = ("docx", "pdf", "doc", "wps")  # order = preference: DOCX tables are exact

_CN_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")
_CN_YEAR = re.compile(r"[〇零○Ｏ一二三四五六七八九]{4}(?=年)")
_REPORT_WORDS = re.compile(r"年度报告|年度工作报告|工作年度报告|年报")
_OGI_WORDS = re.compile(r"信息公开|政务公开")
# titles about reports that are not the report itself (notices, explainers, budgets, company filings)
_NOT_REPORT = re.compile(
    r"解读|图解|通知|关于做好|要点|决算|预算|企业年报|编制|报送|征求意见|培训|考核|评估|网站工作年度报表|网站年度报表"
)
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_")
_PUNCT = re.compile(r"[\s\"'“”‘’《》〈〉【】\[\]（）()：:，,、·•\-—_|/]+")
_YEAR_COLUMN = re.compile(r"^((?:19|20)\d{2})年?度?$")
_NEXT_WORDS = ("下一页", "下页", "后一页", "下一頁")


def norm(text: str) -> str:
    """NFKC (full-width digits and letters → ASCII), Chinese-numeral years → digits, no whitespace."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), s)
    return re.sub(r"\s+", "", s)


def report_year(title: str) -> tuple[int, int] | None:
    """(year, position) of the year a report title reports on, or None.

    Preference: a year followed by 年度, then by 年, then a bare 4-digit year, so that
    "2023年度…报告（2024年3月发布）" is 2023, never 2024.
    """
    t = norm(title)
    for pattern in (r"((?:19|20)\d{2})年度", r"((?:19|20)\d{2})年", r"(?<!\d)((?:19|20)\d{2})(?!\d)"):
        m = re.search(pattern, t)
        if m:
            return int(m.group(1)), m.start(1)
    return None


def is_report_title(title: str) -> bool:
    """Does this title name an annual report on open government information (not a notice about one)?

    Listing links often cut long titles ("…2023年度政府信息公开工作年…"): a cut title counts when
    what is left names 信息公开 after the year.
    """
    t = norm(title)
    if _NOT_REPORT.search(t):
        return False
    if _REPORT_WORDS.search(t):
        return True
    if t.endswith(("...", "…", "..")) and not t.startswith("关于") and (y := report_year(t)):
        return bool(_OGI_WORDS.search(t[y[1] :]))
    return False


@dataclass(frozen=True)
class ListingItem:
    title: str
    url: str
    year: int
    published_on: str | None  # YYYY-MM-DD shown next to the link (or in its URL)
    prefix: str  # what the title says before the year (usually the organ's name)


@dataclass
class ListingPage:
    items: list[ListingItem] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # further pages of the same listing
    year_columns: dict[int, str] = field(default_factory=dict)  # sub-columns per year ("2024年")


def _date_of(text: str) -> str | None:
    m = _DATE.search(text)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else None


def url_date(url: str) -> str | None:
    m = _URL_DATE.search(url)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def _row_date(a, title: str) -> str | None:
    """The date printed in the same list row as the link (li / dl / tr / a few parents up)."""
    node = a
    for _ in range(4):
        node = node.getparent()
        if node is None:
            return None
        text = node.text_content().replace(title, "")
        if d := _date_of(text):
            return d
        if node.tag in ("li", "tr", "dl"):
            break
    return None


def _parse_doc(text: str, base_url: str):
    doc = lxml.html.fromstring(text or "<html></html>")
    doc.make_links_absolute(base_url, resolve_base_href=True, handle_failures="discard")
    return doc


def _links(doc) -> Iterable[tuple[object, str, str, str]]:
    """(element, absolute href, title attribute, text) of every usable link."""
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "tel:")) or href.startswith("#"):
            continue
        yield a, href.split("#")[0], (a.get("title") or "").strip(), a.text_content().strip()


def _js_int(arg: str, html: str) -> int | None:
    arg = arg.strip()
    if arg.isdigit():
        return int(arg)
    if re.fullmatch(r"[A-Za-z_$][\w$]*", arg):
        m = re.search(rf"\b{re.escape(arg)}\s*=\s*['\"]?(\d+)", html)
        return int(m.group(1)) if m else None
    return None


def _paged_urls(base_url: str, count: int, prefix: str, ext: str) -> list[str]:
    return [urljoin(base_url, f"{prefix}_{i}.{ext}") for i in range(1, min(count, 500))]


def _script_pages(html: str, base_url: str, items: Sequence[ListingItem]) -> list[str]:
    """Pages announced by TRS scripts: createPageHTML(...) or an avalon pagebar config."""
    out: list[str] = []
    for m in re.finditer(r"createPageHTML\s*\(([^)]*)\)", html):
        args = [a.strip() for a in m.group(1).split(",")]
        strings = [a.strip("'\"") for a in args if a[:1] in "'\""]
        ints = [v for a in args if a[:1] not in "'\"" and (v := _js_int(a, html)) is not None]
        if ints:
            prefix, ext = (strings[-2], strings[-1]) if len(strings) >= 2 else ("index", "html")
            out += _paged_urls(base_url, ints[0], prefix, ext)
    records = re.search(r"recordCount\s*:\s*['\"]?(\d+)", html)
    per_page = re.search(r"prepage\s*:\s*['\"]?(\d+)", html)
    if records and per_page and int(per_page.group(1)) > 0:
        count = math.ceil(int(records.group(1)) / int(per_page.group(1)))
        path = urlsplit(base_url).path
        if path.endswith((".htm", ".html", ".shtml")):
            ext = path.rsplit(".", 1)[1]
        else:  # a folder URL: TRS names the static pages like the articles it links to
            exts = [urlsplit(i.url).path.rsplit(".", 1)[-1] for i in items if "." in urlsplit(i.url).path]
            ext = max(set(exts), key=exts.count) if exts else "html"
        out += _paged_urls(base_url, count, "index", ext)
    return out


def _organ_part(before_year: str) -> str:
    """The organ name a title gives before its year ("XX局关于", "XX局政府信息公开工作年度报告（")."""
    name = re.split(r"政府信息公开|政务公开|信息公开|年度报告|年报", _PUNCT.sub("", before_year))[0]
    return name.removeprefix("关于").removesuffix("关于")


_JSON_TITLE = ("title", "doctitle", "articletitle", "name", "filename")
_JSON_URL = ("url", "docpuburl", "chnldocurl", "docurl", "puburl", "link", "href")
_JSON_DATE = ("pubdate", "docreltime", "publishtime", "pubtime", "date", "time", "createtime")


def _json_items(data: object, base_url: str) -> list[ListingItem]:
    """Items of a JSON listing API (portals that render their columns with scripts): every object
    with a report-like title field and a URL field, wherever it sits in the document."""
    out: list[ListingItem] = []
    stack = [data]
    while stack:
        node = stack.pop(0)
        if isinstance(node, list):
            stack[:0] = node
        elif isinstance(node, dict):
            low = {str(k).lower(): v for k, v in node.items()}
            title = next((low[k] for k in _JSON_TITLE if isinstance(low.get(k), str)), None)
            url = next((low[k] for k in _JSON_URL if isinstance(low.get(k), str) and low[k].strip()), None)
            if title and url and is_report_title(title) and (y := report_year(title)):
                href = urljoin(base_url, url.strip())
                date = next((_date_of(str(low[k])) for k in _JSON_DATE if low.get(k)), None)
                out.append(
                    ListingItem(
                        title.strip(), href, y[0], date or url_date(href), _organ_part(norm(title)[: y[1]])
                    )
                )
            else:
                stack.extend(v for v in node.values() if isinstance(v, dict | list))
    return out


def parse_listing(html: str, base_url: str) -> ListingPage:
    """Report items, further pages and per-year sub-columns of one listing page (HTML, or the JSON
    of a listing API)."""
    if html.lstrip()[:1] in ("{", "["):
        try:
            return ListingPage(items=_json_items(json.loads(html), base_url))
        except ValueError:
            pass
    doc = _parse_doc(html, base_url)
    page = ListingPage()
    seen: set[str] = set()
    base_dir = base_url.rsplit("/", 1)[0] + "/"
    for a, href, title_attr, text in _links(doc):
        title = next((t for t in (title_attr, text) if is_report_title(t) and report_year(t)), None)
        if title is not None and href not in seen:
            seen.add(href)
            year, pos = report_year(title)  # type: ignore[misc]
            prefix = _organ_part(norm(title)[:pos])
            published = _row_date(a, text) or url_date(href)
            page.items.append(ListingItem(title.strip(), href, year, published, prefix))
            continue
        label = norm(text or title_attr)
        is_next = any(w in label for w in _NEXT_WORDS) or label in (">", "›", "»", ">>")
        is_next |= (
            label.isdigit() and 2 <= int(label) <= 500 and urlsplit(href).netloc == urlsplit(base_url).netloc
        )
        if is_next or (re.search(r"/index_\d+\.s?html?$", href) and href.startswith(base_dir)):
            page.pages.append(href)
        elif m := _YEAR_COLUMN.match(label):
            page.year_columns.setdefault(int(m.group(1)), href)
    page.pages += _script_pages(html, base_url, page.items)
    page.pages = list(dict.fromkeys(p for p in page.pages if p != base_url))
    return page


# ----------------------------------------------------------------------------- choosing the item


@dataclass(frozen=True)
class OrganNames:
    """How report titles may name an organ: its full names (current and former, 人民政府 also as
    政府), short forms without its city's or region's name ("财政局" for "云澜市财政局") and those
    places (a title may abbreviate them: "平潭财政金融局")."""

    full: tuple[str, ...]
    short: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    @classmethod
    def of(cls, names: Iterable[str], *places: str | None) -> OrganNames:
        where = [p for p in (_PUNCT.sub("", norm(x or "")) for x in places) if p]
        full: list[str] = []
        for n in names:
            n = _PUNCT.sub("", norm(n))
            full += [n, n.removesuffix("人民政府") + "政府"] if n.endswith("人民政府") else [n]
        short = [n[len(p) :] for n in full for p in where if n.startswith(p) and len(n) - len(p) >= 2]
        return cls(tuple(dict.fromkeys(x for x in full if x)), tuple(dict.fromkeys(short)), tuple(where))

    def score(self, prefix: str) -> int:
        """What the part of a title before its year says about whose report it is:
        3 this organ's name (or its tail: "区财政金融局"); 2 its short name, alone or after an
        abbreviation of its place ("平潭财政金融局"); 1 no name, or only the place ("平潭综合实验区");
        0 a name we do not know; -1 the same kind of organ of another place ("澜城区公安局" for
        云澜市公安局), never this organ's report."""
        if not prefix:
            return 1
        if len(prefix) >= 2 and any(n.endswith(prefix) or prefix.endswith(n) for n in self.full):
            return 3
        for s in self.short:
            if prefix.endswith(s):
                qualifier = prefix[: -len(s)]
                return 2 if not qualifier or any(qualifier in p for p in self.places) else -1
        if any(n.startswith(prefix) for n in self.full):
            return 1
        return 0


def choose_item(items: Sequence[ListingItem], year: int, names: OrganNames) -> ListingItem | None:
    """The item for ``year``: best name match, first in listing order (newest, e.g. a corrected
    re-publication). Items with a name we do not know are taken only from a column that holds one
    organ's reports (every candidate of the year has the same prefix); another place's organ never."""
    scored = [(names.score(i.prefix), n, i) for n, i in enumerate(i for i in items if i.year == year)]
    scored = [x for x in scored if x[0] >= 0]
    if not scored:
        return None
    best = max(s for s, _, _ in scored)
    if best == 0 and len({i.prefix for _, _, i in scored}) > 1:
        return None
    return min((n, i) for s, n, i in scored if s == best)[1]


# ----------------------------------------------------------------------------- the article


@dataclass(frozen=True)
class Attachment:
    url: str
    ext: str
    text: str

    @property
    def rank(self) -> tuple[int, int]:
        t = norm(self.text)
        named = 0 if _REPORT_WORDS.search(t) or _OGI_WORDS.search(t) else 1
        return named, ATTACHMENT_EXTS.index(self.ext)


@dataclass
class Article:
    title: str | None
    published_on: str | None
    data_tables: int  # tables that hold statistics (not layout)
    images: int
    attachments: list[Attachment]


_SCRIPT_URL = re.compile(
    r"""['"]([^'"\s]+\.(?:pdf|docx?|wps))['"]""", re.IGNORECASE
)  # window.open('…/a.pdf')


def _attachment_ext(url: str) -> str | None:
    path = urlsplit(url).path.lower()
    for ext in ATTACHMENT_EXTS:
        if path.endswith("." + ext):
            return ext
    return None


def _is_data_table(table) -> bool:
    if table.xpath(".//table"):
        return False  # a layout table wrapping others
    rows = table.xpath(".//tr")
    numeric = sum(1 for c in table.xpath(".//td|.//th") if re.search(r"\d", c.text_content()))
    return len(rows) >= 3 and numeric >= 5


def inspect_article(html: str, base_url: str) -> Article:
    doc = _parse_doc(html, base_url)
    meta = {(m.get("name") or "").lower(): (m.get("content") or "").strip() for m in doc.iter("meta")}
    title = meta.get("articletitle") or (doc.findtext(".//title") or "").strip() or None
    published = _date_of(meta.get("pubdate", "")) or _date_of(
        next(iter(re.findall(r"(?:发布(?:时间|日期)|成文日期)[:：]?\s*([\d年月日\-/.\s]{8,})", html)), "")
    )
    attachments: dict[str, Attachment] = {}
    for node in doc.iter("a", "iframe", "embed", "object", "span", "div", "button", "img"):
        raw = node.get("href") or node.get("src") or node.get("data") or ""
        script = (node.get("onclick") or "") + (raw if raw.lower().startswith("javascript:") else "")
        if raw.lower().startswith(("javascript:", "mailto:")) or node.tag in ("span", "div", "button", "img"):
            raw = ""
        if not raw and not script:
            continue
        text = node.text_content().strip() if node.tag == "a" else ""
        candidates = [raw] if raw else []
        candidates += [urljoin(raw, v) for _, v in parse_qsl(urlsplit(raw).query) if _attachment_ext(v)]
        candidates += [urljoin(base_url, u) for u in _SCRIPT_URL.findall(script) if _attachment_ext(u)]
        for url in candidates:
            ext = _attachment_ext(url) or (_attachment_ext("/" + norm(text)) if url == raw and text else None)
            if ext and url not in attachments:
                attachments[url] = Attachment(url, ext, text or urlsplit(url).path.rsplit("/", 1)[-1])
    return Article(
        title=title,
        published_on=published,
        data_tables=sum(1 for t in doc.iter("table") if _is_data_table(t)),
        images=sum(1 for _ in doc.iter("img")),
        attachments=sorted(attachments.values(), key=lambda a: a.rank),
    )


# ----------------------------------------------------------------------------- network steps


@dataclass
class Search:
    """What searching an organ's listing found."""

    item: ListingItem | None
    pages: list[str]  # listing pages read
    items_seen: int
    notes: list[str] = field(default_factory=list)


def search_listing(
    client: HttpClient,
    listing_url: str,
    year: int,
    names: OrganNames,
    hosts: Iterable[str],
    *,
    max_pages: int = 20,
) -> Search:
    """Read listing pages (following pagination, then later-year sub-columns) until ``year``'s item
    is found. The first page failing raises; a later page answering 404 ends that listing."""
    hosts = frozenset(hosts)
    queue, seen = [listing_url], {}  # dict: pages in the order read
    columns: dict[int, str] = {}
    items: list[ListingItem] = []
    notes: list[str] = []
    while queue and len(seen) < max_pages:
        url = queue.pop(0)
        if url in seen:
            continue
        seen[url] = None
        try:
            resp = client.get(url, allowed_hosts=hosts)
        except BlockedError:
            if url == listing_url:
                raise
            notes.append(f"skipped listing page {url}: host not allowed")
            continue
        except FetchError as e:
            if url == listing_url:
                raise
            if e.status == 404:
                continue  # pages announced by scripts may not exist as static files
            raise
        page = parse_listing(resp.text(), resp.final_url)
        items += page.items
        if item := choose_item(items, year, names):
            return Search(item, list(seen), len(items), notes)
        for y, col in page.year_columns.items():
            columns.setdefault(y, col)
        years = [i.year for i in page.items]
        if years and max(years) < year and years == sorted(years, reverse=True):
            queue = [u for u in queue if u not in page.pages]  # newest first: the rest is older
        else:
            queue += [p for p in page.pages if p not in seen]
        if not queue:  # a report filed in its own or a later year's sub-column
            queue = [columns.pop(y) for y in sorted(columns) if y in (year, year + 1, year + 2)]
            queue = [u for u in queue if u not in seen]
    if queue:
        notes.append(f"stopped after {max_pages} listing pages")
    return Search(None, list(seen), len(items), notes)


@dataclass
class Document:
    """The chosen source of a report."""

    response: Response
    source: str  # "html" or "attachment"
    article_url: str
    published_on: str | None
    title: str | None
    notes: list[str] = field(default_factory=list)


def fetch_document(
    client: HttpClient,
    article_url: str,
    hosts: Iterable[str],
    *,
    year: int | None = None,
    names: OrganNames = OrganNames(()),
    _depth: int = 0,
) -> Document:
    """Fetch an article and pick the source with complete tables: the HTML when it has at least two
    statistics tables, else the best attachment (a named report first; DOCX > PDF > DOC > WPS).

    An "article" without tables or attachments that lists the year's report (a sub-column titled
    like a report, "2023年政府信息公开年报") is followed one level down when ``year`` is given."""
    hosts = frozenset(hosts)
    page = client.get(article_url, allowed_hosts=hosts)
    if page.kind != "html":  # the item links straight to a document
        return Document(page, "attachment", article_url, None, None)
    text = page.text()
    art = inspect_article(text, page.final_url)
    notes: list[str] = []
    if art.data_tables == 0 and not art.attachments and year is not None and _depth == 0:
        items = [
            i for i in parse_listing(text, page.final_url).items if i.url not in (article_url, page.final_url)
        ]
        if item := choose_item(items, year, names):
            doc = fetch_document(client, item.url, hosts, year=year, names=names, _depth=1)
            doc.published_on = doc.published_on or item.published_on
            doc.notes.insert(0, f"found through the column page {article_url}")
            return doc
    if art.data_tables >= 2 or not art.attachments:
        if art.data_tables == 0:
            notes.append(f"article has no statistics tables ({art.images} images) and no attachment")
        return Document(page, "html", article_url, art.published_on, art.title, notes)
    errors: list[FetchError] = []
    for att in art.attachments:
        try:
            doc = client.get(att.url, allowed_hosts=hosts)
        except FetchError as e:
            errors.append(e)
            notes.append(f"attachment {att.url}: {e}")
            continue
        if doc.kind in ("html", "empty", "other", "image"):
            notes.append(f"attachment {att.url} is {doc.kind}, not a document")
            continue
        return Document(doc, "attachment", article_url, art.published_on, art.title, notes)
    if art.data_tables >= 1:
        notes.append("attachments unusable; using the article HTML")
        return Document(page, "html", article_url, art.published_on, art.title, notes)
    if errors and all(isinstance(e, BlockedError) for e in errors):
        raise BlockedError(errors[0].reason, "; ".join(notes), article_url)
    if errors:
        raise FetchError(errors[0].reason, "; ".join(notes), article_url, status=errors[0].status)
    raise FetchError("no_document", "; ".join(notes) or "no usable report document", article_url)
