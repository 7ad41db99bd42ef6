"""Synthetic city: known truth reproduced by the parser in every form; every defect detected."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path

import pytest

from ogi import templates as T
from ogi.model import ParsedReport, ParseError, Report
from ogi_dev.synth import defects as D
from ogi_dev.synth.city import Manifest, generate_city, load_truth, render_document
from ogi_dev.synth.layout import Options, build_page
from ogi_dev.synth.numbers import OrganSpec, diff_cells, draw_scale, generate_series

SCHEMA = Path(os.environ.get("OGI_SHARED", Path(__file__).resolve().parents[2].parent / "shared")) / "spec"
META = ("year", "organ", "template_version", "title", "published_on")


def _series(seed: int = 5) -> list[tuple[OrganSpec, dict[int, Report]]]:
    """Four organs from tiny to very large, 2019-2025 (both templates)."""
    rng = random.Random(seed)
    specs = [
        OrganSpec("c-gov", "云澜市人民政府", "government", "c", 900.0, True),
        OrganSpec("c-czj", "云澜市财政局", "department", "c", 3.0),
        OrganSpec("c-d01-t1-org", "澜城街道办事处", "subdistrict", "c-d01-t1", 0.5),
        OrganSpec("c-wjw", "云澜市卫生健康委员会", "department", "c", 120.0),
    ]
    return [(s, generate_series(s, range(2019, 2026), rng)) for s in specs]


def _parse(data: bytes, ext: str) -> ParsedReport:
    from ogi.parse import parse_bytes

    return parse_bytes(data, filename=f"report.{ext}")


def _mismatches(truth: Report, got: Report) -> list[str]:
    out = diff_cells(truth, got)
    out += [
        f"{k}: expected {getattr(truth, k)!r}, got {getattr(got, k)!r}"
        for k in META
        if getattr(truth, k) != getattr(got, k)
    ]
    return out


# ----------------------------------------------------------------------------- numbers


def test_clean_series_chain_across_years():
    from ogi.validate.crossyear import cross_year_results

    pairs = [(f"{s.id}/{y}", rep[y], rep[y - 1]) for s, rep in _series() for y in range(2020, 2026)]
    results = cross_year_results(pairs)
    assert {r.rule for r in results} >= {"X-1", "X-2", "X-3"}
    assert [r for r in results if r.status == "failed"] == []
    for _, rep in _series():
        for y in range(2020, 2026):
            assert rep[y].table3["carried_over"] == rep[y - 1].table3["carried_forward"]
        assert [rep[y].template_version for y in (2019, 2020, 2021, 2025)] == [
            "v2019",
            "v2019",
            "v2021",
            "v2021",
        ]


def test_application_counts_are_heavy_tailed():
    rng = random.Random(11)
    specs = [OrganSpec(f"o{i}", "某局", "department", "c", draw_scale(rng)) for i in range(300)]
    totals = [generate_series(s, [2023], rng)[2023].table3["new_received"]["total"] for s in specs]
    small = sum(1 for t in totals if t <= 20) / len(totals)
    assert 0.6 <= small <= 0.9 and max(totals) >= 500


def test_cli_demo_city_and_bad_input(tmp_path, capsys):
    from ogi.cli import main

    assert main(["synth", "--demo", "--out", str(tmp_path / "demo")]) == 0
    m = Manifest.load(tmp_path / "demo" / "manifest.json")
    assert (len({e.organ_id for e in m.entries}), m.years) == (12, [2021, 2022, 2023, 2024, 2025])
    assert "synthetic city" in capsys.readouterr().out
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    assert main(["synth", "--out", str(tmp_path / "other")]) == 2
    assert "not a synthetic city" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["synth", "--out", str(tmp_path / "x"), "--years", "2017-2020"])
    assert "2019 <= first" in capsys.readouterr().err


# ----------------------------------------------------------------------------- parsing every form


_FORMS = [
    ("html", "trs"),
    ("html", "hanweb"),
    ("html", "plain"),
    ("pdf", None),
    ("docx", None),
    ("text", None),
]
_PRINT_DEFECTS = ("money_units", "v2019_labels", "local_rows", "missing_table2", "stale_total")


@pytest.mark.parametrize(("form", "style"), _FORMS, ids=[f"{f}-{s}" if s else f for f, s in _FORMS])
def test_parser_reproduces_truth(form, style):
    """Every cell of every generated report, clean or with a printed deviation, in this form."""
    from ogi_dev.synth import render_html as RH
    from ogi_dev.synth.render_text import render_text

    rng = random.Random(3)
    failures, n = [], 0
    for i, (spec, reports) in enumerate(_series()):
        prev = None
        for y, clean in reports.items():
            opts = Options(break_labels=(y + i) % 2 == 0)
            name = _PRINT_DEFECTS[(y + i) % len(_PRINT_DEFECTS)] if (y + i) % 3 == 0 else None
            truth = clean
            if name and D.applicable(name, clean, prev):
                truth, _ = D.inject(name, clean, opts, rng, prev=prev, organ_type=spec.type)
            page = build_page(truth, opts)
            if form == "html":
                body = RH.body_html(page, style)
                data = RH.article_html(
                    page, style=style, city_name="云澜市", url="https://www.yunlan.gov.cn/a.html", body=body
                )
                ext = "html"
            elif form == "text":
                data, ext = render_text(page, with_title=y % 2 == 0, half_width=y % 3 != 0).encode(), "txt"
                if y % 2:  # no title line: the organ and year come from the prose, the date is not printed
                    truth = Report.from_canonical({**truth.to_canonical(), "title": None})
                    truth.published_on = None
            else:
                data, ext = render_document(page, form)
            got = _parse(data, ext).report
            if form == "text" and y % 2:
                got.title = None
            n += 1
            if bad := _mismatches(truth, got):
                failures.append(f"{spec.name} {y} ({name or 'clean'}): {bad[:5]}")
            prev = truth
    assert n == 28 and failures == []


@pytest.mark.parametrize("form", ["html", "docx", "pdf", "text"])
def test_blank_for_zero_cells(form):
    """Zeros left blank (REPORT_FORMAT §5.1) are read as null, never shifted or dropped."""
    from ogi_dev.synth import render_html as RH
    from ogi_dev.synth.render_text import render_text

    rng, failures = random.Random(4), []
    for i, (spec, reports) in enumerate(_series()):
        for y, clean in reports.items():
            opts = Options(break_labels=(y + i) % 2 == 0)
            truth, _ = D.inject("blank_for_zero", clean, opts, rng, prev=None, organ_type=spec.type)
            page = build_page(truth, opts)
            if form == "html":
                data, ext = (
                    RH.article_html(
                        page,
                        style=RH.STYLES[y % 3],
                        city_name="云澜市",
                        url="https://x.gov.cn/a",
                        body=RH.body_html(page, RH.STYLES[y % 3]),
                    ),
                    "html",
                )
            elif form == "text":
                data, ext = render_text(page).encode(), "txt"
            else:
                data, ext = render_document(page, form)
            try:
                bad = _mismatches(truth, _parse(data, ext).report)
            except ParseError as e:
                bad = [f"{e.reason}: {e}"]
            if bad:
                failures.append(f"{spec.name} {y}: {bad[:4]}")
    assert failures == []


def test_image_only_tables_need_ocr():
    from ogi_dev.synth import render_html as RH

    _spec, reports = _series()[1]
    page = build_page(reports[2023])
    body = RH.body_html(page, "trs", images=["a.png", "b.png", "c.png"])
    with pytest.raises(ParseError) as e:
        _parse(
            RH.article_html(page, style="trs", city_name="云澜市", url="https://x.gov.cn/a.html", body=body),
            "html",
        )
    assert e.value.reason == "needs_ocr"


def test_flattened_tables_inside_an_html_page():
    """A mirror page whose tables were flattened to ``a | b`` lines, one ``<p>`` each (REPORT_FORMAT §5.7)."""
    from ogi_dev.synth import render_html as RH
    from ogi_dev.synth.render_text import render_text

    _spec, reports = _series()[3]
    page = build_page(reports[2023])
    body = RH.flattened_body(render_text(page, with_title=False))
    data = RH.article_html(page, style="trs", city_name="云澜市", url="https://x.gov.cn/a.html", body=body)
    assert _mismatches(reports[2023], _parse(data, "html").report) == []


# ----------------------------------------------------------------------------- the city


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("city")
    return out, generate_city(out, organs=9, years=range(2020, 2024), seed=4, defect_rate=0.35)


def test_city_is_reproducible(tmp_path):
    a = generate_city(tmp_path / "a", organs=3, years=[2022, 2023], seed=9, forms=["html", "text"])
    b = generate_city(tmp_path / "b", organs=3, years=[2022, 2023], seed=9, forms=["html", "text"])
    assert a.to_dict() == b.to_dict()
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files
    )


def test_city_registry_truth_and_manifest(city):
    from ogi.fetch.registry import load_registry

    out, m = city
    reg = load_registry(out / "registry.yaml")
    assert [o.id for o in reg.organs] == sorted(
        {e.organ_id for e in m.entries}, key=[o.id for o in reg.organs].index
    )
    assert {o.type for o in reg.organs} >= {"government", "department"}
    assert Manifest.load(out / "manifest.json").to_dict() == m.to_dict()
    published = [e for e in m.entries if e.form]
    assert published and all((out / e.truth).is_file() for e in published)
    assert all(e.truth is None for e in m.entries if "missing_report" in e.defects)
    if not (SCHEMA / "report.schema.json").is_file():
        pytest.skip("shared/spec/report.schema.json not found")
    import jsonschema

    schema = json.loads((SCHEMA / "report.schema.json").read_text("utf-8"))
    for e in published:
        jsonschema.validate(json.loads((out / e.truth).read_text("utf-8")), schema)


def test_city_documents_parse_to_truth(city):
    from ogi_dev.portal import page_path

    out, m = city
    failures, n = [], 0
    for e in m.entries:
        if not e.document_url:
            continue
        data = page_path(out / "portal", e.document_url).read_bytes()
        try:
            got = _parse(data, e.document_url.rsplit(".", 1)[-1])
        except ParseError as err:
            if err.reason != e.expect.get("parse_error"):
                failures.append(f"{e.organ_id} {e.year} {e.form}: {err.reason} {err}")
            continue
        n += 1
        if bad := _mismatches(load_truth(out, e), got.report):
            failures.append(f"{e.organ_id} {e.year} {e.form}/{e.style} {e.defects}: {bad[:5]}")
    assert n >= 20 and failures == []


def test_city_portal_fetch_finds_every_published_report(city, tmp_path):
    from ogi.fetch.archive import Archive
    from ogi.fetch.registry import load_registry
    from ogi.fetch.run import fetch_reports
    from ogi_dev.portal import serve_portal

    out, m = city
    reg = load_registry(out / "registry.yaml")
    assert any("/2024/" in str(p) for p in (out / "portal").rglob("index.html")), "no organ files by year"
    found = []
    with serve_portal(out / "portal") as portal:
        for year in (2022, 2023):
            arc = Archive(tmp_path / "arc")
            outcomes = fetch_reports(reg, year, archive=arc, via=portal.base_url, allow_private_hosts=True)
            got = {o.organ_id: o for o in outcomes}
            for e in (e for e in m.entries if e.year == year):
                o = got[e.organ_id]
                if e.form is None:
                    assert o.status == "not_published", (e, o)
                else:
                    found.append((o.status, o.document_url, o.published_on))
                    assert found[-1] == ("found", e.document_url, e.published_on), (e, o)
    assert len(found) >= 12


# ----------------------------------------------------------------------------- defects


def _defect_cases() -> dict[str, tuple[Report, dict, bytes, str, Report | None, str]]:
    """One injected case per defect type: (printed truth, expect, document, ext, previous report, organ type)."""
    rng = random.Random(8)
    cases = {}
    series = _series()
    for name in D.DEFECTS:
        for spec, reports in series:
            hit = next((y for y in range(2020, 2026) if D.applicable(name, reports[y], reports[y - 1])), None)
            if hit is None:
                continue
            opts = Options()
            prev = reports[hit - 1]
            truth, expect = D.inject(name, reports[hit], opts, rng, prev=prev, organ_type=spec.type)
            form = "html" if opts.image_tables else ("pdf", "docx", "html")[len(cases) % 3]
            page = build_page(truth, opts)
            if opts.image_tables:
                from ogi_dev.synth import render_html as RH

                body = RH.body_html(page, "trs", images=["a.png", "b.png", "c.png"])
                data, ext = (
                    RH.article_html(
                        page, style="trs", city_name="云澜市", url="https://x.gov.cn/a", body=body
                    ),
                    "html",
                )
            else:
                data, ext = render_document(page, form)
                if ext == "html":
                    from ogi_dev.synth import render_html as RH

                    data = RH.article_html(
                        page, style="hanweb", city_name="云澜市", url="https://x.gov.cn/a", body=data.decode()
                    )
            cases[name] = (truth, expect, data, ext, prev, spec.type)
            break
    return cases


@pytest.fixture(scope="module")
def defect_runs():
    from ogi.validate.run import validate_batch

    cases = _defect_cases()
    parsed, errors = {}, {}
    for name, (_, _, data, ext, _, _) in cases.items():
        try:
            parsed[name] = _parse(data, ext)
        except ParseError as e:
            errors[name] = e
    run = validate_batch(parsed, data_docs=False)
    return cases, parsed, errors, run.results


@pytest.mark.parametrize("name", [d for d in D.DEFECTS if d != "missing_report"])
def test_defect_is_detected(name, defect_runs):
    from ogi.validate.crossyear import cross_year_results

    cases, parsed, errors, results = defect_runs
    assert name in cases, f"no report in the test series can carry {name}"
    truth, expect, _, _, prev, organ_type = cases[name]
    assert expect, f"{name} records no expectation"
    if "parse_error" in expect:
        assert errors[name].reason == expect["parse_error"]
        return
    p = parsed[name]
    assert _mismatches(truth, p.report) == []
    mine = [r for r in results if r.report == name]
    failed = {r.rule for r in mine if r.status == "failed"}
    assert set(expect.get("validator_fails", ())) <= failed
    if expect.get("imputed_zero"):
        assert any(r.imputed_zero for r in mine)
    for cell, how in expect.get("read_as", {}).items():
        assert p.provenance[T.CellRef.parse(cell)].read_as == how
    if "version_detected" in expect:
        assert (p.template_version_detected, p.template_version_expected) == (
            expect["version_detected"],
            T.V2021,
        )
    for key, label in expect.get("local_rows", {}).items():
        assert p.report.table2[key][T.LOCAL_ROW_LABEL] == label
    if "table2_present" in expect:
        assert p.tables_present.get(2) is expect["table2_present"]
    if expect.get("published_late"):
        assert dt.date.fromisoformat(p.report.published_on) > T.publication_deadline(organ_type, truth.year)
    if "crossyear_fails" in expect:
        xr = cross_year_results([(name, p.report, prev)])
        assert set(expect["crossyear_fails"]) <= {r.rule for r in xr if r.status == "failed"}


def test_clean_reports_fail_no_rule(city):
    """Control: the validator finds nothing on the truth of defect-free organ-years."""
    from ogi.validate.run import validate_batch

    out, m = city
    items = {f"{e.organ_id}/{e.year}": load_truth(out, e) for e in m.entries if e.truth and not e.defects}
    run = validate_batch(items, data_docs=False)
    assert items and [r for r in run.results if r.status == "failed"] == []
