"""The shared design: template knowledge and the canonical model agree with the spec."""

import json

import jsonschema
import pytest
from testenv import corpus_reports, truth_for

from ogi import config
from ogi import templates as t
from ogi.model import Report

#: the canonical schema the repository carries (``ogi spec --schema``; tests/test_spec.py checks it against
#: the code and against shared/spec where present)
SCHEMA = config.INCLUDE_DIR / "spec" / "report.schema.json"


def test_cell_counts_match_spec():
    # §2.3: v2019 has 23 data rows x 7 columns, v2021 has 25 x 7; table 四 has 15 cells
    assert len(t.t3_rows_for(t.V2019)) * 7 == 161
    assert len(t.t3_rows_for(t.V2021)) * 7 == 175
    assert len(t.T4_KEYS) == 15
    # rowspan of 三、本年度办理结果 covers outcome rows + （六） rows + （七）总计
    for v in t.TEMPLATE_VERSIONS:
        assert len(t.T3_OUTCOME_ROWS_COMMON) + len(t.T3_OTHER_ROWS[v]) + 1 == t.T3_RESULTS_ROWSPAN[v]


def test_keys_match_schema():
    schema = json.loads(SCHEMA.read_text("utf-8"))
    assert set(schema["properties"]["table3"]["properties"]) == set(t.T3_ROW_KEYS)
    assert list(schema["properties"]["table3"]["properties"]["new_received"]["properties"]) == list(
        t.T3_COL_KEYS
    )
    assert list(schema["properties"]["table4"]["properties"]) == list(t.T4_KEYS)


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_truth_round_trips_through_model(path):
    schema = json.loads(SCHEMA.read_text("utf-8"))
    truth = truth_for(path)
    canonical = Report.from_canonical(truth).to_canonical()
    jsonschema.validate(canonical, schema)
    assert canonical == truth


def test_deadlines():
    assert str(t.publication_deadline("department", 2023)) == "2024-01-31"
    assert str(t.publication_deadline("government", 2023)) == "2024-03-31"
    with pytest.raises(ValueError):
        t.publication_deadline("ministry", 2023)
