"""Registry files: the shipped ones load; mistakes are reported with file, line and field."""

from __future__ import annotations

import datetime as dt

import pytest
from testenv import REPO

from ogi.cli import main as ogi
from ogi.fetch.registry import RegistryError, load_registry, parse_registry
from ogi.fetch.settings import SETTINGS

GOOD = """\
registry: 1
city: {id: c, name: 测试市}
allowed_hosts: [www.c.gov.cn]
regions:
  - {id: c, name: 测试市, level: city}
  - {id: c-d1, name: 一区, level: district, parent: c}
organs:
  - id: c-gov
    name: 测试市人民政府
    region: c
    type: government
    listing_urls: [https://www.c.gov.cn/ndbg/]
    report_urls: {2023: https://www.c.gov.cn/ndbg/2023.html}
    aliases: [{name: 测试市政府, valid_to: 2021-12-31}]
  - id: c-old
    name: 旧局
    region: c-d1
    type: department
    allowed_hosts: [old.c.gov.cn]
    listing_urls: [http://old.c.gov.cn/list/]
    merged_into: c-gov
    valid_to: 2020-06-30
"""


def test_shipped_registries_load():
    paths = sorted((REPO / "include" / "registry").glob("*.yaml"))
    assert paths
    for p in paths:
        reg = load_registry(p)
        assert reg.organs and reg.path == p
    pt = load_registry(REPO / "include" / "registry" / "pingtan.yaml")
    assert pt.city_name == "平潭综合实验区" and pt.organ("平潭综合实验区财政金融局").type == "department"
    assert pt.organ("pingtan-gov").listing_urls == ("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",)


def test_good_registry():
    reg = parse_registry(GOOD, "c.yaml")
    gov, old = reg.organs
    assert gov.report_urls == {2023: "https://www.c.gov.cn/ndbg/2023.html"}
    assert gov.aliases[0].valid_to == dt.date(2021, 12, 31) and reg.organ("测试市政府") is gov
    assert reg.hosts_for(old) == {"www.c.gov.cn", "old.c.gov.cn"}
    assert old.active_in(2020) and not old.active_in(2021)
    assert reg.regions[1].parent == "c"


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        (("type: government", "type: agency"), 11, "organs[0].type", "not one of"),
        (("level: district", "level: town"), 6, "regions[1].level", "not one of"),
        (("region: c-d1", "region: c-d9"), 17, "organs[1].region", "unknown region"),
        (
            ("https://www.c.gov.cn/ndbg/]", "https://spam.example.com/ndbg/]"),
            12,
            "organs[0].listing_urls[0]",
            "not in allowed_hosts",
        ),
        (("{2023:", "{20x3:"), 13, "organs[0].report_urls.20x3", "not a report year"),
        (("valid_to: 2020-06-30", "valid_to: 30.6.2020"), 22, "organs[1].valid_to", "date"),
        (("merged_into: c-gov", "merged_into: c-new"), 21, "organs[1].merged_into", "unknown organ"),
        (("    name: 旧局\n", "    name: 旧局\n    nmae: x\n"), 17, "organs[1].nmae", "unknown field"),
        (("id: c-old", "id: c-gov"), 15, "organs[1].id", "duplicate organ id"),
        (("registry: 1", "registry: 9"), 1, "registry", "unsupported format version"),
        (
            ("allowed_hosts: [www.c.gov.cn]", "allowed_hosts: [https://www.c.gov.cn/]"),
            3,
            "allowed_hosts[0]",
            "not a host name",
        ),
    ],
)
def test_errors_name_file_line_and_field(change, line, field, words):
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(RegistryError) as e:
        parse_registry(text, "bad.yaml")
    lines = e.value.format_lines()
    assert any(x.startswith(f"bad.yaml:{line}: {field}: ") and words in x for x in lines), lines


def test_yaml_syntax_and_missing_file(tmp_path):
    with pytest.raises(RegistryError, match=r"bad\.yaml:3: YAML syntax"):
        parse_registry("registry: 1\ncity: {id: c\norgans: [\n", "bad.yaml")
    with pytest.raises(RegistryError, match="duplicate key"):
        parse_registry(GOOD + "city: {id: d, name: D}\n", "dup.yaml")
    with pytest.raises(RegistryError, match="file not found"):
        load_registry(tmp_path / "nope.yaml")


def test_registry_check_command(tmp_path, capsys):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD, "utf-8")
    bad.write_text(GOOD.replace("type: department", "type: bureau"), "utf-8")
    assert ogi(["registry", "check", str(good)]) == 0
    assert "ok (测试市: 2 regions, 2 organs" in capsys.readouterr().out
    twin = tmp_path / "twin.yaml"
    twin.write_text(GOOD.replace("http://old.c.gov.cn/list/", "https://www.c.gov.cn/ndbg/"), "utf-8")
    assert ogi(["registry", "check", str(twin)]) == 0
    assert (
        "warning: organs c-gov, c-old share the listing https://www.c.gov.cn/ndbg/" in capsys.readouterr().out
    )
    assert ogi(["registry", "check", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:18: organs[1].type: 'bureau' is not one of" in out and "Traceback" not in out


FETCH = "allowed_hosts: [www.c.gov.cn]\nfetch:\n  timeout: 30\n  total_deadline: 300.5\n  retries: 5\n"


def test_fetch_settings_are_the_citys_defaults():
    reg = parse_registry(GOOD.replace("allowed_hosts: [www.c.gov.cn]\n", FETCH), "c.yaml")
    assert reg.fetch == {"timeout": 30, "total_deadline": 300.5, "retries": 5}
    assert parse_registry(GOOD, "c.yaml").fetch == {}


def test_fetch_settings_errors_name_file_line_and_field():
    bad = FETCH.replace("30\n", "-1\n  deadline: soon\n  colour: red\n").replace("retries: 5", "retries: 2.5")
    with pytest.raises(RegistryError) as e:
        parse_registry(GOOD.replace("allowed_hosts: [www.c.gov.cn]\n", bad), "bad.yaml")
    assert e.value.format_lines() == [
        "bad.yaml:5: fetch.timeout: -1 is out of range (must be > 0 and <= 600)",
        "bad.yaml:6: fetch.deadline: expected a number of seconds, got 'soon'",
        f"bad.yaml:7: fetch.colour: unknown field (expected one of {sorted(SETTINGS)})",
        "bad.yaml:9: fetch.retries: expected an integer, got 2.5",
    ]
    not_a_mapping = GOOD.replace(
        "allowed_hosts: [www.c.gov.cn]\n", "allowed_hosts: [www.c.gov.cn]\nfetch: 5\n"
    )
    with pytest.raises(RegistryError, match=r"bad\.yaml:4: fetch: expected a mapping, got int"):
        parse_registry(not_a_mapping, "bad.yaml")
