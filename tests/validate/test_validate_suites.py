"""Rule catalogue and suites: ids as the spec, JSON on disk equals what the code builds, GX loads it."""

from __future__ import annotations

import json

from ogi import config
from ogi.templates import TEMPLATE_VERSIONS, V2019, V2021, CellRef
from ogi.validate import suites
from ogi.validate.rules import RULES, column_name, identities, rules_for_cell

SPEC_IDS = {
    "T3-H1",
    "T3-H2",
    "T3-H3",
    "T3-H4",
    "T2-H1",
    "T2bcd-H1",
    "T4-H1",
    "T4-H2",
    "T4-H3",
    "T2a-S1",
    "T2a-S2",
    "T2bcd-S1",
    "T2e-S1",
    "T2e-S2",
    "T2-S2",
    "T3-S1",
    "T3-S4",
    "T3-S5",
    "X-1",
    "X-2",
    "X-3",
}


def test_catalogue_ids_and_fields():
    assert {r.id for r in RULES} == SPEC_IDS
    for r in RULES:
        assert r.severity == ("error" if r.klass == "hard" else "warning")
        assert r.description_zh and r.basis and r.versions


def test_identities_are_the_spec_formulas():
    ids = {(i.rule, i.where): i for i in identities(V2021)}
    h1 = ids[("T3-H1", "t3.*.total")]
    assert [str(c) for c in h1.lhs] == ["t3.new_received.total", "t3.carried_over.total"]
    assert [str(c) for c in h1.rhs] == ["t3.total_processed.total", "t3.carried_forward.total"]
    h2 = ids[("T3-H2", "t3.*.natural_person")]
    assert len(h2.rhs) == 2 + 8 + 3 + 5 + 1 + 3  # both （六） shapes; a report prints one of them
    assert len(ids[("T3-H3", "t3.granted.*")].rhs) == 6
    assert sum(1 for i in identities(V2019) if i.rule == "T2bcd-S1") == 5
    assert rules_for_cell(CellRef(4, "review_total"), V2021) == {"T4-H1"}
    assert rules_for_cell(CellRef(3, "carried_forward", "total"), V2021) == {"T3-H1", "T3-H3", "T3-S1"}
    assert column_name(CellRef(3, "granted", "total")) == "t3_granted__total"
    assert column_name(CellRef(4, "review_total")) == "t4_review_total"


def test_json_on_disk_equals_what_the_code_builds():
    for name, built in suites.all_suite_dicts().items():
        path = config.EXPECTATIONS_DIR / f"{name}.json"
        assert path.exists(), f"{path} missing: run `ogi validate --write-suites`"
        assert json.loads(path.read_text("utf-8")) == built, (
            f"{path} is stale: run `ogi validate --write-suites`"
        )
        assert path.read_text("utf-8") == suites.dumps(built)


def test_suites_load_in_gx_with_meta():
    for version in TEMPLATE_VERSIONS:
        for severity in suites.SEVERITIES:
            d = suites.load_suite_dict(version, severity)
            suite = suites.gx_suite(d)
            assert suite.name == f"ogi_{version}_{severity}"
            assert len(suite.expectations) == len(d["expectations"]) > 0
            for exp in suite.expectations:
                assert set(exp.meta) >= {"rule_id", "severity", "basis", "description_zh", "where"}
                assert exp.meta["severity"] == severity


def test_write_suites_cli(tmp_path, capsys):
    from ogi.cli import main

    assert main(["validate", "--write-suites", "--suites-dir", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{n}.json" for n in suites.all_suite_dicts())
    for p in tmp_path.iterdir():
        assert p.read_text("utf-8") == (config.EXPECTATIONS_DIR / p.name).read_text("utf-8")


def test_rule_catalogue_cli(capsys):
    from ogi.cli import main

    assert main(["validate", "--rules"]) == 0
    out = capsys.readouterr().out
    assert sum(line.startswith("| ") for line in out.splitlines()) == len(RULES) + 1  # + header
    assert (
        "t4.review_total = t4.review_upheld + t4.review_corrected + t4.review_other + t4.review_pending"
        in out
    )
