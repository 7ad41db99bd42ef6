"""Metadata from a report's text and page meta (the prose around the tables): title, statistics year
(preamble "统计期限为Y年" first, then the title, then the URL date), organ (title, byline, narrative),
publication date (meta PubDate, 发布时间, the date printed at the end), the narrative sections and the
section-六 fee figures. The tables are read by ``ogi.parse.mapper``, which calls these heuristics.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from difflib import SequenceMatcher
from typing import Any

from ogi import templates as T
from ogi.model import ParseError
from ogi.parse import labels as L
from ogi.parse.grid import Document

_CAPTION = T.T2_CAPTION_PATTERN

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
_STAT_YEAR = re.compile(
    r"统计(?:期限|时限|期间|时间|区间|范围|周期)?\s*(?:为|是|自|从|截至|截止|:)?\s*(\d{4})\s*年"
)
_YEAR = re.compile(r"(20\d{2})\s*年")
_URL_DATE = re.compile(r"(?:/|\bt)(20\d{2})[-_/]?(\d{1,2})[-_/]?(\d{1,2})?(?=[/_.]|\d{0,2}[/_])")
#: "发布时间：2021-01-20", "发布日期：", or a bare "时间：" in the page header (not 成文/统计/截止 dates)
_PUBLISH = re.compile(
    r"(?:(?:发布|发稿|公开|发文)(?:时间|日期)\s*[:：]?|(?<![成文统计截止印发办理])(?:时间|日期)\s*[:：])\s*"
    + _DATE
)
_ORGAN_SUFFIX = (
    "人民政府办公室",
    "人民政府办公厅",
    "街道办事处",
    "管理委员会",
    "委员会",
    "办公室",
    "办公厅",
    "人民政府",
    "管委会",
    "政府",
    "局",
    "厅",
    "委",
    "办",
    "署",
    "中心",
    "院",
    "馆",
    "所",
    "站",
    "队",
    "街道",
    "镇",
    "乡",
)
_PLACE_SUFFIX = ("区", "县", "市", "州", "旗", "盟", "省")
_PRONOUN = re.compile(r"^(?:我|本|该|各|全|此|其)")
_TITLE_WORDS = re.compile(r"(?:政府信息公开|政务公开|信息公开)")


def _date(y: str, m: str, d: str) -> str | None:
    try:
        return dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def _clean_title(t: str) -> str:
    """A title without line breaks and without the spaces PDF/text exports put around digits."""
    t = re.sub(r"\s+", " ", t).strip()
    return re.sub(r"(?<=[\u4e00-\u9fff\d]) (?=[\u4e00-\u9fff\d])", "", t)


#: a portal's "you are here" trail (当前位置：首页 > 政府信息公开 > 年报), printed with the page
_BREADCRUMB = re.compile(r"^\s*(?:当前位置|您的位置|您现在的位置|所在位置)|\s[>＞»]\s|[>＞»].*[>＞»]")


def find_title(doc: Document, head_lines: list[str]) -> str | None:
    """meta ArticleTitle, else a title line at the head of the text (joined with an organ line
    printed above it), else the <title> part that names the report."""
    for k in ("articletitle", "og:title"):
        v = str(doc.meta.get(k) or "").strip()
        if v and ("报告" in v or "年报" in v):
            return _clean_title(v)
    # a document title property printed verbatim at the head (a PDF's Title, however the line wraps)
    v = re.sub(r"\s+", "", str(doc.meta.get("title") or ""))
    head = re.sub(r"\s+", "", "".join(head_lines))
    if 6 <= len(v) <= 60 and "报告" in v and _TITLE_WORDS.search(v) and v in head:
        return _clean_title(v)
    for i, ln in enumerate(head_lines):
        if (
            len(ln) <= 60
            and not _BREADCRUMB.search(ln)
            and "|" not in ln
            and re.search("年度报告|工作报告|年报", ln)
            and _TITLE_WORDS.search(ln)
            and not re.search("[《，。；]", ln)
            and not ln.startswith(("本报告", "根据"))
        ):
            prev = re.sub(r"\s+", "", head_lines[i - 1]) if i else ""
            joined = prev + re.sub(r"\s+", "", ln)
            cut = any(m.start() < len(prev) < m.end() for m in _TITLE_WORDS.finditer(joined))
            if cut and re.fullmatch(r"[\u4e00-\u9fff（）()\d]{2,40}", prev):
                return _clean_title(
                    joined
                )  # a title keyword cut by the line break ("…年度政" / "府信息公开…")
            if (
                re.match(r"^\s*(?:20\d{2}|[〇○零一二三四五六七八九]{4}|政府信息公开|政务公开)", ln)
                and re.fullmatch(r"[\u4e00-\u9fff（）()\d]{2,30}", prev)
                and (prev.endswith(_ORGAN_SUFFIX) or re.search(r"\d{4}年度?$", prev))
                and not _TITLE_WORDS.search(prev)
            ):
                ln = prev + ln  # "洪泽区人民政府" / "2023 年政府信息公开…" or "XX2019年" / "政府信息公开…"
            return _clean_title(ln)
    for k in ("title", "dc.title", "html_title"):  # document properties / <title>: often decorated
        for part in re.split(r"\s*[_|–—]\s*|\s+-\s+", str(doc.meta.get(k) or "")):
            part = re.sub(r"\.(?:docx?|wps|pdf)$", "", part.strip(), flags=re.IGNORECASE)
            if ("报告" in part or "年报" in part) and _TITLE_WORDS.search(part):
                return _clean_title(part)
    return None


def find_year(text: str, title: str | None, url: str | None, warnings: list[str]) -> int:
    """Statistics year: preamble "统计期限为Y年" first, then the title, then the URL date (Y+1 → Y)."""
    m = _STAT_YEAR.search(L.cn_numerals_to_digits(text[:6000]))
    stat = int(m.group(1)) if m else None
    tm = _YEAR.search(L.cn_numerals_to_digits(title)) if title else None
    title_year = int(tm.group(1)) if tm else None
    if stat and title_year and stat != title_year:
        warnings.append(f"title year {title_year} differs from the statistics period {stat}; {stat} is used")
    if stat:
        return stat
    if title_year:
        return title_year
    um = _URL_DATE.search(url or "")
    if um:
        return int(um.group(1)) - 1
    tm = _YEAR.search(text[:3000])
    if tm:
        warnings.append(
            f"year {tm.group(1)} taken from the report text (no statistics period, title or URL date)"
        )
        return int(tm.group(1))
    raise ParseError(
        "year_not_found", "The report year was not found (no statistics period, title year or URL date)."
    )


def _organ_from_title(title: str) -> str | None:
    t = L.cn_numerals_to_digits(unicodedata.normalize("NFKC", title))
    m = _TITLE_WORDS.search(t)
    head = t[: m.start()] if m else t
    head = re.sub(r"(?:20\d{2})\s*年度?", "", head)
    head = re.split(r"关于", head)[0]
    head = re.sub(r"[\s\"“”《》<>()（）\[\]【】:：,，]", "", head).removesuffix("的").removesuffix("年度")
    head = head.removesuffix("年")  # "XX局 年…" when the year sits on a line of its own
    return head if len(head) >= 2 else None


def _expand(candidate: str, text: str) -> str:
    """The fuller form of a short organ name (荆门司法局 → 荆门市司法局): as the text spells it out, else
    with the administrative suffix the text gives that place name (荆门 → 荆门市) inserted."""
    splits = [(candidate[:i], candidate[i:]) for i in range(2, len(candidate) - 1)]
    for place, body in splits:
        for p in _PLACE_SUFFIX:
            if place + p + body in text:
                return place + p + body
    for place, body in splits:
        if place.endswith(_PLACE_SUFFIX) or body.startswith((*_PLACE_SUFFIX, "镇", "乡", "街道")):
            continue
        counts = {p: text.count(place + p) for p in _PLACE_SUFFIX}
        best = max(counts, key=lambda p: counts[p])
        if counts[best]:
            return place + best + body
    return candidate


def _organ_candidates(run: str) -> str | None:
    """Longest prefix (≤ 24 chars) of a CJK run that ends in an organ suffix."""
    best = None
    for end in range(2, min(len(run), 24) + 1):
        if run[:end].endswith(_ORGAN_SUFFIX):
            best = run[:end]
    return best


def find_organ(title: str | None, text: str, lines: list[str], meta: dict, warnings: list[str]) -> str:
    """Title, then the byline, then the page's 发布机构/来源, then the narrative, then page meta."""
    page = str(meta.get("page_text") or "")
    if title:
        o = _organ_from_title(title)
        if o:
            return o
    for ln in reversed(lines[-6:]):  # byline: "XX局" or "XX局 2021年1月20日" at the end
        s = re.sub(r"\s+", "", re.sub(_DATE + r"\s*日?", "", ln))
        if 2 <= len(s) <= 30 and re.fullmatch(r"[\u4e00-\u9fff（）()]+", s) and s.endswith(_ORGAN_SUFFIX):
            return s
    m = re.search(r"(?:发布机构|发文机关|信息来源|来源)\s*[:：]\s*([\u4e00-\u9fff]{2,30})", page)
    if m and (cand := _organ_candidates(m.group(1))):
        return cand
    for m in re.finditer(r"(?:20\d{2}年度?|本年度|今年)\s*[,，、]?\s*([\u4e00-\u9fff]{2,30})", text[:8000]):
        run = m.group(1)
        if _PRONOUN.match(run):
            continue
        cand = _organ_candidates(run)
        if cand:
            organ = _expand(cand, text)
            warnings.append(f"organ {organ!r} taken from the report text")
            return organ
    for k in ("contentsource", "author", "publisher"):
        v = re.sub(r"\s+", "", str(meta.get(k) or ""))
        if 2 <= len(v) <= 30 and v.endswith(_ORGAN_SUFFIX):
            warnings.append(f"organ {v!r} taken from the page's meta {k}")
            return v
    warnings.append("organ name not found in the title, byline or text")
    return ""


def find_published_on(doc: Document, lines: list[str]) -> str | None:
    for k in (
        "pubdate",
        "publishdate",
        "firstpublishedtime",
        "article:published_time",
        "published_time",
        "publishtime",
        "dc.date",
        "dcterms.issued",
        "releasedate",
    ):
        m = re.search(_DATE, str(doc.meta.get(k) or ""))
        if m and (d := _date(*m.groups())):
            return d
    page = str(doc.meta.get("page_text") or "") or doc.text
    m = _PUBLISH.search(L.cn_numerals_to_digits(page))
    if m and (d := _date(*m.groups())):
        return d
    for ln in reversed(lines[-6:]):  # the date printed at the end (signature date)
        m = re.search(_DATE + r"\s*日?\s*$", L.cn_numerals_to_digits(ln))
        if m and len(ln) <= 40 and (d := _date(*m.groups())):
            return d
    return None


def split_sections(lines: list[str], rewrap: bool = False) -> tuple[list[str], dict[str, str]]:
    """(preamble lines, section key -> narrative text) split at the 一…六 headings, in order."""
    numerals = [s.number for s in T.SECTIONS]
    sections: dict[str, list[str]] = {}
    preamble: list[str] = []
    current: list[str] = preamble
    last = -1
    for ln in lines:
        if "|" in ln:
            continue
        m = re.match(r"^([一二三四五六])\s*[、.．,，]\s*(.*)$", ln)
        idx = numerals.index(m.group(1)) if m else -1
        # headings come in order; an earlier one may come back only after a table of contents (empty sections)
        if m and (idx > last or sections.get(T.SECTIONS[idx].key) == []):
            sec = T.SECTIONS[idx]
            rest = L.norm(m.group(2))
            labels = [L.norm(x) for x in (sec.label, *sec.aliases)]
            hit = next((lab for lab in labels if rest.startswith(lab)), None)
            near = hit or any(lab in rest[:40] for lab in labels)
            # reworded headings ("因政府信息公开申请行政复议…的情况") are close to a known label;
            # table rows printed as text lines ("二、上年结转政府信息公开申请数量 0 0 …") are not
            if near or max(SequenceMatcher(None, rest[: len(lab) + 6], lab).ratio() for lab in labels) >= 0.7:
                last = idx
                current = sections.setdefault(sec.key, [])
                raw = m.group(2).strip()
                if hit:
                    tail = raw[len(hit) :] if L.norm(raw[: len(hit)]) == hit else rest[len(hit) :]
                else:
                    tail = "" if len(rest) <= 40 else raw
                if tail:
                    current.append(tail)
                continue
        current.append(ln)
    return preamble, {k: _paragraphs(v, rewrap).strip() for k, v in sections.items()}


_PAGE_NUMBER = re.compile(
    r"^(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3})$"
)


def _paragraphs(lines: list[str], rewrap: bool) -> str:
    """Narrative text without page numbers and table captions; with ``rewrap`` (PDF), lines broken
    by the page width are joined back into their paragraph."""
    out: list[str] = []
    for ln in lines:
        s = ln.strip()
        if _PAGE_NUMBER.match(s) or _CAPTION.fullmatch(L.norm(s)):
            continue
        if rewrap and out and len(out[-1]) >= 15 and not re.search(r"[。；;：:！？!?]$", out[-1]):
            out[-1] += s
        else:
            out.append(s)
    return "\n".join(out)


def fee_extras(text: str) -> dict[str, Any]:
    """Section 六 fee figures (信息处理费), nullable; 万元 amounts are converted to 元."""

    def yuan(num: str, unit: str) -> float | int:
        v = float(num) * (10000 if unit == "万元" else 1)
        return int(v) if v.is_integer() else round(v, 2)

    t = unicodedata.normalize("NFKC", text)
    out: dict[str, Any] = {
        "fee_notices_count": None,
        "fee_notices_amount_yuan": None,
        "fee_collected_yuan": None,
    }
    if m := re.search(
        r"(?:发出|开具|出具|送达|下发)(?:了)?(?:收费|缴费)通知(?:书)?(?:共计?|合计)?\s*(\d+)\s*(?:件|份|次|个)",
        t,
    ):
        out["fee_notices_count"] = int(m.group(1))
    if m := re.search(r"收费通知[^。]{0,30}?(?:金额|总额|合计|共计)\s*(\d+(?:\.\d+)?)\s*(万元|元)", t):
        out["fee_notices_amount_yuan"] = yuan(*m.groups())
    collected = re.search(
        r"(?:收取|收缴|收到)[^。]{0,12}?(?:信息处理费|费用)[^。\d]{0,8}(\d+(?:\.\d+)?)\s*(万元|元)", t
    ) or re.search(r"信息处理费[^。\d]{0,8}(\d+(?:\.\d+)?)\s*(万元|元)", t)
    if collected:
        out["fee_collected_yuan"] = yuan(*collected.groups())
    elif re.search(r"(?:无|未|没有|不存在|不涉及)[^。，,；;]{0,8}信息处理费", t):
        out["fee_collected_yuan"] = 0
    return out


def says_none(text: str | None) -> bool:
    """Whether a section says there is nothing to report instead of printing its table ("无")."""
    if not text:
        return False
    s = re.sub(r"[\s。.,，;；!！]", "", text)
    return s == "无" or (len(s) <= 80 and bool(re.search(r"^无|(?:未|没有)收到[^。]{0,12}申请|未发生", s)))


NOT_A_REPORT = (
    "The document is not a government information disclosure annual report (政府信息公开工作年度报告)."
)


def looks_like_report(text: str, sections: dict[str, str]) -> bool:
    """An annual report names 政府信息公开 and prints at least two of the six section headings."""
    return "政府信息公开" in L.norm(text[:20000]) and len(sections) >= 2
