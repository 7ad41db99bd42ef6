"""A synthetic city: registry, portal tree, truth files and a manifest, generated from a seed.

``generate_city(out, organs=…, years=…, seed=…, defect_rate=…, forms=…)`` writes

* ``out/registry.yaml``: the registry format of ``ogi.fetch.registry`` (real-looking hosts
  ``www.<city>.gov.cn``, some departments on their own host; served locally with ``via=``);
* ``out/portal/<host>/…``: per organ a TRS-like 政府信息公开年报 column with pagination
  (``index.html``, ``index_1.html`` …, ``createPageHTML`` + 下一页), other notices mixed in,
  article pages in several portal styles and attachments (PDF, DOCX, images);
* ``out/truth/<organ_id>/<year>.truth.json``: the canonical JSON of what each document prints;
* ``out/manifest.json``: per organ-year the URLs, form, style, defects and what must detect them.

Same seed, same arguments → byte-identical output (no clock, no hash randomisation).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ogi.model import Report
from ogi_dev import require_reportlab
from ogi_dev.synth import defects as D
from ogi_dev.synth.layout import Options, Page, build_page
from ogi_dev.synth.numbers import OrganSpec, draw_scale, generate_series

FORMS: tuple[str, ...] = ("html", "pdf", "docx", "text")
#: share of each form among published reports (HTML articles dominate real portals)
FORM_WEIGHTS: dict[str, float] = {"html": 0.55, "pdf": 0.2, "docx": 0.15, "text": 0.1}
PAGE_SIZE = 6

_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("czj", "财政局"),
    ("jyj", "教育局"),
    ("gaj", "公安局"),
    ("mzj", "民政局"),
    ("sfj", "司法局"),
    ("rsj", "人力资源和社会保障局"),
    ("zrzyj", "自然资源和规划局"),
    ("sthjj", "生态环境局"),
    ("zjj", "住房和城乡建设局"),
    ("jtj", "交通运输局"),
    ("slj", "水利局"),
    ("nyncj", "农业农村局"),
    ("swj", "商务局"),
    ("wlj", "文化和旅游局"),
    ("wjw", "卫生健康委员会"),
    ("yjj", "应急管理局"),
    ("sjj", "审计局"),
    ("scjgj", "市场监督管理局"),
    ("tjj", "统计局"),
    ("ybj", "医疗保障局"),
    ("cgj", "城市管理局"),
    ("fgw", "发展和改革委员会"),
    ("gxj", "工业和信息化局"),
    ("kjj", "科学技术局"),
    ("tyjrj", "退役军人事务局"),
    ("lyj", "林业局"),
    ("tyj", "体育局"),
    ("xfj", "信访局"),
)
_DISTRICT_A = "澜青东西南北临安永平长兴宁清和"
_DISTRICT_B = "城溪山湖江源川阳丰泉"
_TOWNS = (
    "城关街道办事处",
    "东湖街道办事处",
    "清河镇人民政府",
    "石桥镇人民政府",
    "白沙乡人民政府",
    "龙门镇人民政府",
)


@dataclass
class Entry:
    """One organ-year of the synthetic city."""

    organ_id: str
    year: int
    form: str | None  # html | pdf | docx | text; None when no report is published
    style: str | None
    encoding: str | None
    listing_url: str
    url: str | None  # the article page
    document_url: str | None  # what the parser should read (article page or attachment)
    published_on: str | None
    defects: list[str] = field(default_factory=list)
    expect: dict[str, Any] = field(default_factory=dict)
    truth: str | None = None  # path relative to the city folder


@dataclass
class Manifest:
    city_id: str
    city_name: str
    seed: int
    years: list[int]
    forms: list[str]
    defect_rate: float
    entries: list[Entry]
    path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("path")
        return d

    @classmethod
    def load(cls, path: Path | str) -> Manifest:
        p = Path(path)
        d = json.loads(p.read_text("utf-8"))
        d["entries"] = [Entry(**e) for e in d["entries"]]
        return cls(**d, path=p)

    def entry(self, organ_id: str, year: int) -> Entry:
        return next(e for e in self.entries if e.organ_id == organ_id and e.year == year)


def plan_organs(
    n: int, city_id: str, city_name: str, rng: random.Random
) -> tuple[list[dict], list[OrganSpec]]:
    """Regions and ``n`` organs: the city government and departments first, then districts/counties
    with their governments, departments and townships (ids are stable for a given n)."""
    regions = [{"id": city_id, "name": city_name, "level": "city"}]
    organs = [
        OrganSpec(f"{city_id}-gov", f"{city_name}人民政府", "government", city_id, draw_scale(rng) + 20, True)
    ]
    short = city_name.rstrip("市")
    for abbr, dept in _DEPARTMENTS[: max(0, min(len(_DEPARTMENTS), n - 1 if n < 12 else (n - 1) // 2))]:
        organs.append(
            OrganSpec(f"{city_id}-{abbr}", f"{short}市{dept}", "department", city_id, draw_scale(rng))
        )
    k = 0
    while len(organs) < n:
        name = _DISTRICT_A[k % len(_DISTRICT_A)] + _DISTRICT_B[(k // len(_DISTRICT_A)) % len(_DISTRICT_B)]
        name += "县" if k % 3 == 2 else "区"
        rid = f"{city_id}-d{k + 1:02d}"
        regions.append(
            {
                "id": rid,
                "name": name,
                "level": "county" if name.endswith("县") else "district",
                "parent": city_id,
            }
        )
        members = [(f"{rid}-gov", f"{name}人民政府", "government", rid)]
        members += [(f"{rid}-{a}", f"{name}{d}", "department", rid) for a, d in _DEPARTMENTS[:8]]
        for j, town in enumerate(_TOWNS):
            tid = f"{rid}-t{j + 1}"
            tname = name[:2] + town if j == 0 else town.replace("城关", name[:1] + "城")
            typ = "subdistrict" if "街道" in town else "township"
            regions.append(
                {
                    "id": tid,
                    "name": tname.removesuffix("办事处").removesuffix("人民政府"),
                    "level": "township",
                    "parent": rid,
                }
            )
            members.append((tid + "-org", name + tname if j else tname, typ, tid))
        for oid, oname, typ, reg in members:
            if len(organs) >= n:
                break
            organs.append(
                OrganSpec(oid, oname, typ, reg, draw_scale(rng) + (10 if typ == "government" else 0))
            )
        k += 1
    used = {o.region for o in organs}
    return [r for r in regions if r["id"] in used or r["level"] in ("city", "district", "county")], organs


def _png(width: int = 600, height: int = 320) -> bytes:
    """A ruled grey table picture (an image-only table has pixels, no text)."""
    rows = []
    for y in range(height):
        line = bytes(0 if y % 32 == 0 or x % 60 == 0 else 255 for x in range(width))
        rows.append(b"\x00" + line)
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def render_document(page: Page, form: str, *, style: str = "trs") -> tuple[bytes, str]:
    """(bytes, file extension) of ``page`` in ``form`` (the attachment for pdf/docx, the text for text)."""
    if form == "pdf":
        from ogi_dev.synth.render_pdf import render_pdf

        return render_pdf(page), "pdf"
    if form == "docx":
        from ogi_dev.synth.render_docx import render_docx

        return render_docx(page), "docx"
    if form == "text":
        from ogi_dev.synth.render_text import render_text

        return render_text(page).encode("utf-8"), "txt"
    from ogi_dev.synth import render_html as RH

    return RH.body_html(page, style).encode("utf-8"), "html"


def _write(root: Path, url: str, data: bytes) -> None:
    from ogi_dev.portal import write_page

    write_page(root, url, data)


def _page_html(organ_name: str, city_name: str, links: str, pager: str = "") -> bytes:
    from ogi_dev.synth.render_html import _e

    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"/><title>政府信息公开年报_{_e(organ_name)}_{_e(city_name)}人民政府</title>
<meta name="ColumnName" content="政府信息公开年报"/></head>
<body><div class="header"><a href="/">{_e(city_name)}人民政府</a> <a href="/zwgk/">政务公开</a></div>
<div class="position">当前位置：首页 &gt; 政府信息公开 &gt; {_e(organ_name)} &gt; 政府信息公开年报</div>
<div class="list"><ul>
{links}
</ul></div>
<div class="page">{pager}</div>
<div class="footer">{_e(city_name)}人民政府办公室 主办</div></body></html>
""".encode()


def _listing_pages(
    root: Path,
    listing_url: str,
    organ_name: str,
    items: list[tuple[str, str, str]],
    city_name: str,
    *,
    by_year: bool = False,
) -> None:
    """TRS-style column pages: newest first, PAGE_SIZE per page, index.html, index_1.html …

    ``by_year``: the column only links sub-columns named by publication year ("2024年" → ./2024/),
    so a report is filed under the year after the one it reports on (or later when posted late).
    """
    from ogi_dev.synth.render_html import _e

    items = sorted(items, key=lambda x: x[2], reverse=True)
    if by_year:
        pub_years = sorted({d[:4] for _, _, d in items}, reverse=True)
        links = "\n".join(f'<li><a href="./{y}/">{y}年</a></li>' for y in pub_years)
        _write(root, listing_url + "index.html", _page_html(organ_name, city_name, links))
        for y in pub_years:
            sub = [(t, "../" + h.removeprefix("./"), d) for t, h, d in items if d.startswith(y)]
            _listing_pages(root, f"{listing_url}{y}/", organ_name, sub, city_name)
        return
    pages = [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
    for p, chunk in enumerate(pages):
        lis = "\n".join(
            f'<li><a href="{_e(href)}" target="_blank" title="{_e(t)}">{_e(t)}</a><span class="date">{d}</span></li>'
            for t, href, d in chunk
        )
        nxt = f'<a href="index_{p + 1}.html">下一页</a>' if p + 1 < len(pages) else ""
        prv = (f'<a href="{"index.html" if p == 1 else f"index_{p - 1}.html"}">上一页</a>') if p else ""
        pager = f'<script>createPageHTML({len(pages)}, {p}, "index", "html");</script>{prv} {nxt}'
        _write(
            root,
            listing_url + ("index.html" if p == 0 else f"index_{p}.html"),
            _page_html(organ_name, city_name, lis, pager),
        )


def generate_city(
    out: Path | str,
    *,
    organs: int = 12,
    years: Sequence[int] = range(2021, 2026),
    seed: int = 1,
    defect_rate: float = 0.15,
    forms: Sequence[str] = FORMS,
    city_id: str = "yunlan",
    city_name: str = "云澜市",
    on_organ: Callable[[], None] | None = None,
) -> Manifest:
    """Write a synthetic city into ``out`` (see module docstring) and return its manifest.
    ``on_organ`` is called after each organ's documents are written (progress for the CLI)."""
    import yaml

    from ogi_dev.synth import render_html as RH

    bad = [f for f in forms if f not in FORMS]
    if bad or not forms:
        raise ValueError(f"unknown form(s) {bad}; expected some of {', '.join(FORMS)}")
    if organs < 1:
        raise ValueError("a city needs at least one organ")
    years = sorted(set(years))
    if not years or years[0] < 2019 or years != list(range(years[0], years[-1] + 1)):
        raise ValueError("years must be consecutive, from 2019 on (e.g. 2019-2025)")
    if not 0 <= defect_rate <= 1:
        raise ValueError("defect rate must be between 0 and 1")
    if "pdf" in forms:
        require_reportlab()  # before anything is written: one sentence naming the extra
    out = Path(out)
    root = out / "portal"
    rng = random.Random(seed)
    host = f"www.{city_id}.gov.cn"
    regions, specs = plan_organs(organs, city_id, city_name, rng)

    # which organ-years carry a defect, and which one: round-robin over a shuffled list so that a small
    # city still covers every type
    slots = [(o.id, y) for o in specs for y in years]
    n_bad = round(len(slots) * defect_rate)
    chosen = set(rng.sample(slots, n_bad)) if n_bad else set()
    cycle = list(D.DEFECTS)
    rng.shuffle(cycle)

    weights = [FORM_WEIGHTS[f] for f in forms]
    manifest = Manifest(city_id, city_name, seed, years, list(forms), defect_rate, [])
    reg_organs = []
    docid = 100000
    turn = 0
    for i, spec in enumerate(specs):
        own_host = spec.type == "department" and i % 4 == 3
        # a department's own host names its region too (czj.d01.<city>.gov.cn), so that the same
        # department of two regions never shares one listing URL
        sub = ".".join(reversed(spec.id.removeprefix(city_id + "-").split("-")))
        ohost = f"{sub}.{city_id}.gov.cn" if own_host else host
        base = f"https://{ohost}/" if own_host else f"https://{host}/{spec.id.removeprefix(city_id + '-')}/"
        listing = base + "zfxxgk/zfxxgknb/"
        style = RH.STYLES[i % len(RH.STYLES)]
        reg_organs.append(
            {
                "id": spec.id,
                "name": spec.name,
                "region": spec.region,
                "type": spec.type,
                "listing_urls": [listing],
                **({"allowed_hosts": [ohost]} if own_host else {}),
            }
        )
        clean = generate_series(spec, years, rng)
        items: list[tuple[str, str, str]] = []
        prev_printed: Report | None = None
        for y in years:
            report = clean[y]
            opts = Options(break_labels=rng.random() < 0.7)
            entry = Entry(spec.id, y, None, None, None, listing, None, None, None)
            if (spec.id, y) in chosen:
                for k in range(len(cycle)):
                    name = cycle[(turn + k) % len(cycle)]
                    if D.applicable(name, report, prev_printed):
                        report, entry.expect = D.inject(
                            name, report, opts, rng, prev=prev_printed, organ_type=spec.type
                        )
                        entry.defects.append(name)
                        turn = (turn + k + 1) % len(cycle)
                        break
            noise_day = dt.date(y, rng.randint(2, 11), rng.randint(1, 28)).isoformat()
            docid += 1
            items.append(
                (
                    f"{spec.name}关于印发{y}年政务公开工作要点的通知",
                    f"./{noise_day[:7].replace('-', '')}/t{noise_day.replace('-', '')}_{docid}.html",
                    noise_day,
                )
            )
            if "missing_report" in entry.defects:
                manifest.entries.append(entry)
                prev_printed = None
                continue
            form = "html" if opts.image_tables else rng.choices(list(forms), weights)[0]
            date = report.published_on or f"{y + 1}-01-20"
            docid += 1
            ym, ymd = date[:7].replace("-", ""), date.replace("-", "")
            url = f"{listing}{ym}/t{ymd}_{docid}.html"
            page = build_page(report, opts)
            entry.form, entry.style, entry.encoding = form, style, RH.ENCODING[style]
            entry.url, entry.published_on = url, report.published_on
            if form in ("pdf", "docx"):
                data, ext = render_document(page, form)
                att = f"{listing}{ym}/P0{ymd}{docid}.{ext}"
                _write(root, att, data)
                body = RH.attachment_body(page, att.rsplit("/", 1)[-1], f"{report.title}.{ext}")
                entry.document_url = att
            elif form == "text":
                from ogi_dev.synth.render_text import render_text

                body = RH.flattened_body(render_text(page, with_title=False))
                entry.document_url = url
            elif opts.image_tables:
                n_tables = sum(1 for b in page.blocks if not isinstance(b, str))
                imgs = [f"W0{ymd}{docid}{k}.png" for k in range(n_tables)]
                for name in imgs:
                    _write(root, f"{listing}{ym}/{name}", _png())
                body = RH.body_html(page, style, images=imgs)
                entry.document_url = url
            else:
                body = RH.body_html(page, style)
                entry.document_url = url
            _write(root, url, RH.article_html(page, style=style, city_name=city_name, url=url, body=body))
            items.append((report.title or "", f"./{ym}/t{ymd}_{docid}.html", date))
            truth = out / "truth" / spec.id / f"{y}.truth.json"
            truth.parent.mkdir(parents=True, exist_ok=True)
            truth.write_text(json.dumps(report.to_canonical(), ensure_ascii=False, indent=1) + "\n", "utf-8")
            entry.truth = str(truth.relative_to(out))
            manifest.entries.append(entry)
            prev_printed = report
        _listing_pages(root, listing, spec.name, items, city_name, by_year=i % 5 == 2)
        if on_organ is not None:
            on_organ()

    registry = {
        "registry": 1,
        "city": {"id": city_id, "name": city_name},
        "allowed_hosts": [host],
        "allow_private_hosts": False,
        "regions": regions,
        "organs": reg_organs,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "registry.yaml").write_text(
        "# synthetic city written by `ogi synth`; serve portal/ with `ogi portal serve` and fetch with via=\n"
        + yaml.safe_dump(registry, allow_unicode=True, sort_keys=False),
        "utf-8",
    )
    manifest.path = out / "manifest.json"
    manifest.path.write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    return manifest


def load_truth(city_dir: Path | str, entry: Entry) -> Report | None:
    if entry.truth is None:
        return None
    return Report.from_canonical(json.loads((Path(city_dir) / entry.truth).read_text("utf-8")))


__all__ = ["FORMS", "Entry", "Manifest", "generate_city", "load_truth", "plan_organs", "render_document"]
