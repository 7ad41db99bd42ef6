"""A bounded fuzz run over the readers (issue 13): a few hundred mutated generated reports of every
form (HTML, PDF, DOCX, text: bytes flipped, cut, deleted, repeated, tokens inserted, DOCX XML
mutated and re-zipped), each parsed by the bounded parse, must each parse or raise ParseError;
none may crash. ``ogi fuzz --cases N`` runs a longer one.
"""

from __future__ import annotations

import random

from ogi_dev import fuzz


def test_bounded_fuzz_over_the_readers():
    res = fuzz.run(500, seed=13, organs=1, budget_s=30)  # ~10 s here; capped at 30 s
    assert res.cases >= 100, fuzz.report(res)
    assert not res.failures, fuzz.report(res)
    assert res.outcomes["parsed"] > 0 and sum(res.outcomes.values()) == res.cases
    assert {"ParseError:corrupt", "ParseError:not_a_report"} & set(res.outcomes)


def test_mutations_are_reproducible_and_change_the_document():
    data = b"<html><body><table><tr><td>0</td></tr></table></body></html>" * 20
    a = [fuzz.mutate(data, "html", random.Random(s)) for s in range(30)]
    b = [fuzz.mutate(data, "html", random.Random(s)) for s in range(30)]
    assert a == b and sum(m != data for m, _ in a) >= 25
    assert {name for _, names in a for name in names} >= {"flip", "truncate", "tokens"}
