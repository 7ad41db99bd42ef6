"""Mutation fuzzing of the readers: ``ogi fuzz --cases N`` / ``python -m ogi_dev.fuzz --cases N``.

Seeds are generated reports of every form (HTML, PDF, DOCX, text; ``ogi_dev.synth``). Each case takes a
seed and applies one or two mutations (bytes flipped, the file cut short, a span deleted or
repeated, random bytes or structural tokens inserted, and for DOCX the same inside
``word/document.xml``, re-zipped). Every case must either parse or raise ``ParseError`` (a limit
hit is a ``ParseError`` too); anything else, including a crash of the parse worker, is a failure
and is listed (and saved with ``--save DIR`` for reproduction). Cases run through
``limits.parse_bytes_bounded``, so a case that would hang or exhaust memory is stopped and counted.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

FORMS = ("html", "pdf", "docx", "text")
MUTATIONS = ("flip", "truncate", "delete", "duplicate", "insert_random", "tokens", "member")

_TOKENS = {
    "html": (
        b"<div>",
        b"<table>",
        b"<tr>",
        b"<td>",
        b"</td>",
        b"</table>",
        b"<td rowspan='99999'>",
        b"&#",
        b"<!--",
    ),
    "text": (b"|", b"\t", b"\n", b" | 0", b"\xe4\xb8\x80\xe3\x80\x81", b"\r"),
    "pdf": (
        b"obj",
        b"endobj",
        b"stream",
        b"endstream",
        b" 0 R ",
        b"<<",
        b">>",
        b"/Length 99999999",
        b"[",
        b"(",
    ),
    "docx": (
        b"<w:tbl>",
        b"<w:tr>",
        b"<w:tc>",
        b'<w:gridSpan w:val="99999"/>',
        b'<w:vMerge w:val="restart"/>',
        b"<",
    ),
}


def _mutate_bytes(data: bytes, rng: random.Random, form: str) -> tuple[bytes, str]:
    """One byte-level mutation of ``data`` and its name."""
    kind = rng.choice(MUTATIONS[:-1])
    b = bytearray(data)
    n = len(b)
    if not n:
        return bytes(rng.randbytes(rng.randint(1, 64))), "insert_random"
    if kind == "flip":
        for _ in range(rng.randint(1, 16)):
            b[rng.randrange(n)] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        del b[rng.randrange(n) :]
    elif kind == "delete":
        i = rng.randrange(n)
        del b[i : i + rng.randint(1, max(1, n // 8))]
    elif kind == "duplicate":
        i = rng.randrange(n)
        span = bytes(b[i : i + rng.randint(1, max(1, n // 8))])
        j = rng.randrange(n)
        b[j:j] = span * rng.choice((1, 2, 10))
    elif kind == "insert_random":
        j = rng.randrange(n)
        b[j:j] = rng.randbytes(rng.randint(1, 64))
    else:  # tokens
        j = rng.randrange(n)
        b[j:j] = rng.choice(_TOKENS[form]) * rng.choice((1, 3, 50, 500))
    return bytes(b), kind


def _mutate_member(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A DOCX with ``word/document.xml`` mutated and the archive rebuilt (valid zip, broken XML)."""
    import zipfile

    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                body = src.read(info.filename)
                if info.filename == "word/document.xml":
                    body, _ = _mutate_bytes(body, rng, "docx")
                dst.writestr(info.filename, body)
        return out.getvalue(), "member"
    except Exception:  # noqa: BLE001 - an earlier mutation broke the archive: mutate its bytes instead
        return _mutate_bytes(data, rng, "docx")


def mutate(data: bytes, form: str, rng: random.Random) -> tuple[bytes, list[str]]:
    """``data`` with one or two mutations; their names."""
    names = []
    for _ in range(rng.choice((1, 1, 2))):
        if form == "docx" and rng.random() < 0.5:
            data, name = _mutate_member(data, rng)
        else:
            data, name = _mutate_bytes(data, rng, form)
        names.append(name)
    return data, names


def seeds(organs: int = 4, seed: int = 0) -> list[tuple[str, bytes]]:
    """(form, bytes) of generated reports, every form represented."""
    from ogi_dev.bench.national import generate_chunk

    out: list[tuple[str, bytes]] = []
    for form in FORMS:
        docs = generate_chunk(0, organs, [2021, 2022], seed, 0.3, {form: 1.0})
        out += [(f, data) for _, _, f, data, _, _, _ in docs]
    return out


@dataclass
class Failure:
    case: int
    form: str
    mutations: list[str]
    error: str
    data: bytes = field(repr=False)


@dataclass
class FuzzResult:
    cases: int = 0
    outcomes: Counter = field(default_factory=Counter)  # "parsed" / "ParseError:<reason>"
    failures: list[Failure] = field(default_factory=list)
    slowest_s: float = 0.0
    seconds: float = 0.0

    @property
    def limits_hit(self) -> int:
        return sum(
            v for k, v in self.outcomes.items() if k in ("ParseError:too_large", "ParseError:limit_exceeded")
        )


def run(
    cases: int,
    *,
    seed: int = 0,
    organs: int = 2,
    budget_s: float | None = None,
    limits=None,
    bounded: bool = True,
    progress=None,
) -> FuzzResult:
    """Fuzz ``cases`` mutated documents (fewer if ``budget_s`` runs out first)."""
    from ogi.model import ParseError
    from ogi.parse import limits as L
    from ogi.parse import parse_bytes

    lim = limits or L.Limits.from_env()
    rng = random.Random(seed)
    pool = seeds(organs, seed)
    res = FuzzResult()
    t0 = time.perf_counter()
    for i in range(cases):
        if budget_s is not None and time.perf_counter() - t0 > budget_s:
            break
        form, original = pool[i % len(pool)]
        data, names = mutate(original, form, rng)
        ts = time.perf_counter()
        try:
            if bounded:
                L.parse_bytes_bounded(data, filename=f"case.{form}", limits=lim)
            else:
                parse_bytes(data, filename=f"case.{form}")
            res.outcomes["parsed"] += 1
        except ParseError as e:
            res.outcomes[f"ParseError:{e.reason}"] += 1
        except Exception as e:  # noqa: BLE001 - exactly what the fuzz looks for
            res.failures.append(Failure(i, form, names, f"{type(e).__name__}: {e}"[:300], data))
        res.slowest_s = max(res.slowest_s, time.perf_counter() - ts)
        res.cases += 1
        if progress and res.cases % 100 == 0:
            progress(res)
    res.seconds = time.perf_counter() - t0
    return res


def report(res: FuzzResult) -> str:
    parsed = res.outcomes.get("parsed", 0)
    refused = res.cases - parsed - len(res.failures)
    head = (
        f"{res.cases} mutated documents in {res.seconds:.1f} s (slowest {res.slowest_s:.2f} s): {parsed} parsed, "
        f"{refused} refused with ParseError ({res.limits_hit} at a limit), {len(res.failures)} failures"
    )
    lines = [head]
    for k, v in sorted(res.outcomes.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {k:32s} {v}")
    for f in res.failures[:20]:
        lines.append(f"FAIL case {f.case} ({f.form}, {'+'.join(f.mutations)}): {f.error}")
    return "\n".join(lines)


def cmd_fuzz(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ogi.parse import limits as L

    L.quiet_library_loggers()
    try:
        lim = L.Limits.from_env()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.seconds:
        lim = L.Limits(**{**lim.__dict__, "max_seconds": args.seconds})
    res = run(
        args.cases,
        seed=args.seed,
        organs=args.organs,
        budget_s=args.budget,
        limits=lim,
        bounded=not args.in_process,
        progress=lambda r: print(f"... {r.cases} cases, {len(r.failures)} failures", file=sys.stderr),
    )
    print(report(res))
    if args.save and res.failures:
        out = Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
        for f in res.failures:
            (out / f"case{f.case:06d}.{f.form}").write_bytes(f.data)
        print(f"failing inputs saved in {out}")
    return 1 if res.failures else 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cases", type=int, default=1000, help="mutated documents to parse (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed replays the same cases)")
    p.add_argument("--organs", type=int, default=2, help="generated organs per form for the seed documents")
    p.add_argument("--budget", type=float, help="stop after this many seconds")
    p.add_argument("--seconds", type=float, help="per-document time limit (default OGI_PARSE_MAX_SECONDS)")
    p.add_argument("--in-process", action="store_true", help="parse in this process (no worker, no limits)")
    p.add_argument("--save", metavar="DIR", help="write failing inputs to DIR")


def register(sub) -> None:
    p = sub.add_parser(
        "fuzz",
        help="parse mutated generated reports: each must parse or be refused with one sentence",
        description=__doc__.split("\n\n")[0],
    )
    add_arguments(p)
    p.set_defaults(func=cmd_fuzz)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ogi_dev.fuzz", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    return cmd_fuzz(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
