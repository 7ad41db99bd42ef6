"""``ogi synth``: write a synthetic city (registry, portal, truth, manifest)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DEMO = {"organs": 12, "years": "2021-2025", "seed": 1, "defect_rate": 0.15}


def _years(text: str) -> range:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"years must look like 2019-2025 or 2023, not {text!r}")
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if a < 2019 or b < a:
        raise argparse.ArgumentTypeError(f"years {text!r}: need 2019 <= first <= last")
    return range(a, b + 1)


def _forms(text: str) -> list[str]:
    from ogi_dev.synth.city import FORMS

    forms = [f.strip() for f in text.split(",") if f.strip()]
    bad = [f for f in forms if f not in FORMS]
    if bad or not forms:
        raise argparse.ArgumentTypeError(
            f"unknown form(s) {', '.join(bad) or text!r}; choose from {','.join(FORMS)}"
        )
    return forms


def _rate(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"defect rate must be a number between 0 and 1, not {text!r}")
    return v


def run(args: argparse.Namespace) -> int:
    from collections import Counter

    from ogi_dev.synth.city import FORMS, generate_city

    if args.demo:
        organs, years, seed, rate = DEMO["organs"], _years(DEMO["years"]), DEMO["seed"], DEMO["defect_rate"]
    else:
        organs, years, seed, rate = args.organs, args.years, args.seed, args.defect_rate
    if organs < 1:
        print("ogi synth: --organs must be at least 1")
        return 2
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").exists():
        print(f"ogi synth: {out} exists and is not a synthetic city; choose an empty or new folder")
        return 2
    from ogi.progress import Stages
    from ogi_dev import MissingExtra

    try:
        with Stages() as bar:  # a progress line on a terminal; nothing in scripts and pipes
            task = bar.stage("synth organs", total=organs)
            m = generate_city(
                out,
                organs=organs,
                years=years,
                seed=seed,
                defect_rate=rate,
                forms=args.forms or list(FORMS),
                on_organ=lambda: bar.advance(task),
            )
    except MissingExtra as e:
        print(f"ogi synth: {e}")
        return 2
    forms = Counter(e.form or "none" for e in m.entries)
    defects = Counter(d for e in m.entries for d in e.defects)
    print(f"synthetic city {m.city_name} ({m.city_id}): {organs} organs × {len(years)} years -> {out}")
    print("  forms: " + ", ".join(f"{k} {v}" for k, v in sorted(forms.items())))
    print("  defects: " + (", ".join(f"{k} {v}" for k, v in sorted(defects.items())) or "none"))
    print(f"  registry: {out / 'registry.yaml'}  manifest: {out / 'manifest.json'}")
    print(f"  serve it: ogi portal serve {out / 'portal'}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "synth", help="generate a synthetic city: registry, portal pages, reports with known truth"
    )
    p.add_argument("--out", required=True, help="folder to write the city into")
    p.add_argument("--organs", type=int, default=12, help="number of organs (default 12)")
    p.add_argument("--years", type=_years, default=_years("2019-2025"), help="report years, e.g. 2019-2025")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same city)")
    p.add_argument("--defect-rate", type=_rate, default=0.15, help="share of organ-years with a defect (0-1)")
    p.add_argument(
        "--forms", type=_forms, default=None, help="comma list of html,pdf,docx,text (default all)"
    )
    p.add_argument("--demo", action="store_true", help="the small default city (12 organs × 2021-2025)")
    p.set_defaults(func=run)
