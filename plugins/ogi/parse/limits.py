"""Per-document resource limits for parsing, and a bounded parse in a forked worker process.

Government portals are messy and sometimes hostile: a few-KB PDF of nested Form XObjects runs for
minutes past 2 GB, a 3 MB DOCX inflates to 1 GB. Every limit on one document lives here, in one
frozen ``Limits``; each is set by an environment variable (``OGI_PARSE_`` + the field name in
capitals; sizes take K/M/G suffixes, binary) and its default fits a 2-core, 24 GB worker running
two parses at a time:

==========================  ========  ==========================================================================
setting                     default   what it bounds
==========================  ========  ==========================================================================
OGI_PARSE_MAX_BYTES         64M       the document as received (the fetch body cap is 64 MiB too)
OGI_PARSE_MAX_MARKUP_BYTES  16M       an HTML page or a text file (real ones are < 1 MiB)
OGI_PARSE_MAX_UNZIPPED      128M      DOCX: the members' total uncompressed size, from the zip directory
OGI_PARSE_MAX_ZIP_RATIO     200       DOCX: uncompressed / compressed size of any member over 1 MiB
OGI_PARSE_MAX_ZIP_MEMBERS   10000     DOCX: members the zip declares (read before the directory is parsed)
OGI_PARSE_MAX_STREAM_BYTES  64M       PDF: page content streams and Form XObjects, inflated, in total
OGI_PARSE_MAX_PAGES         300       PDF: pages
OGI_PARSE_MAX_FORM_DRAWS    10000     PDF: Form XObjects drawn, nesting expanded (a form drawing another
                                      twice, drawn twice by the page, counts 2 + 4)
OGI_PARSE_MAX_CELLS         100000    table cells (HTML, DOCX, text; real reports have ~400)
OGI_PARSE_MAX_DEPTH         1000      element nesting (HTML; libxml2 stops at 2048 in any case); PDF Form
                                      XObject nesting is capped at 100 whatever it says
OGI_PARSE_MAX_SECONDS       45        wall time of one bounded parse (the worker is killed)
OGI_PARSE_MAX_MEMORY        1536M     address space the parse worker may add to its size at the fork
OGI_PARSE_MAX_COUNT         10000000  value plausibility: a count cell (applications, decisions, cases) at
                                      or above it is flagged, stored as null and the report is partial
OGI_PARSE_MAX_AMOUNT_YUAN   1e12      value plausibility: a money cell (in 元; 万元 cells × 10,000) above it
==========================  ========  ==========================================================================

Where each applies: size, zip directory, cells and depth are checked by the readers themselves
(``detect.sniff_format``, ``html``, ``text``, ``docx``), so an in-process ``parse_bytes`` honours
them too. ``check_pdf`` (pages, inflated content streams, form draws and nesting, from the object
graph, before pdfplumber interprets a page) runs first in the bounded parse. Time and memory need
a process of their own: ``parse_bytes_bounded`` sends the document to a parse worker forked from
this process (modules and caches already loaded; reused for the next documents, replaced after a
limit, a crash or ``WORKER_DOCUMENTS`` documents), which runs under ``RLIMIT_AS`` and a CPU-time
backstop and answers with the pickled ``ParsedReport`` or the ``ParseError``; this process waits
at most ``max_seconds`` and kills it after, so one document can never take the caller down.

A document over a limit raises ``ParseError`` with reason ``too_large`` (a size: bytes, pages, cells,
inflated bytes) or ``limit_exceeded`` (depth, form draws, time, memory) and one sentence naming the
setting and its value.
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import re
import signal
import stat
import struct
import time
import zlib
from dataclasses import dataclass, fields

from ogi.model import ParsedReport, ParseError

MiB = 1 << 20
TOO_LARGE = "too_large"
LIMIT_EXCEEDED = "limit_exceeded"
NOT_A_FILE = "not_a_file"

#: libxml2's own nesting limit with ``huge_tree`` (it cuts deeper content, logging a fatal error)
LIBXML2_MAX_DEPTH = 2048
#: Form XObject nesting refused whatever OGI_PARSE_MAX_DEPTH says: pdfminer recurses ~5 frames a level
PDF_MAX_FORM_NESTING = 100
#: zip members smaller than this are not ratio-checked (tiny XML parts compress very well)
_RATIO_MIN_SIZE = MiB
#: loggers of libraries that print diagnostics about documents ("Could not get FontBBox …")
QUIET_LOGGERS = ("pdfminer", "pdfplumber")


@dataclass(frozen=True)
class Limits:
    """Per-document limits (see the module docstring for the settings and their defaults)."""

    max_bytes: int = 64 * MiB
    max_markup_bytes: int = 16 * MiB
    max_unzipped: int = 128 * MiB
    max_zip_ratio: int = 200
    max_zip_members: int = 10_000
    max_stream_bytes: int = 64 * MiB
    max_pages: int = 300
    max_form_draws: int = 10_000
    max_cells: int = 100_000
    max_depth: int = 1_000
    max_seconds: float = 45.0
    max_memory: int = 1536 * MiB
    max_count: int = 10_000_000
    max_amount_yuan: float = 1e12

    @classmethod
    def from_env(cls, environ: dict | None = None) -> Limits:
        """Defaults overridden by ``OGI_PARSE_*`` variables; ValueError names a malformed one."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(setting(f.name))
            if raw is not None and raw.strip():
                values[f.name] = _parse_value(f.name, raw.strip())
        return cls(**values)


def setting(name: str) -> str:
    """The environment variable of a ``Limits`` field."""
    return "OGI_PARSE_" + name.upper()


_SIZES = frozenset({"max_bytes", "max_markup_bytes", "max_unzipped", "max_stream_bytes", "max_memory"})
_SUFFIX = {"": 1, "K": 1 << 10, "M": MiB, "G": 1 << 30}


def _parse_value(name: str, raw: str) -> int | float:
    if name == "max_amount_yuan":
        m = re.fullmatch(r"\d+(?:\.\d+)?(?:e\d+)?", raw, re.IGNORECASE)
        if m and float(raw) > 0:
            return float(raw)
    if name == "max_seconds":
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*s?", raw, re.IGNORECASE)
        if m and float(m.group(1)) > 0:
            return float(m.group(1))
    elif name in _SIZES:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)(?:I?B)?", raw, re.IGNORECASE)
        if m and float(m.group(1)) > 0:
            return int(float(m.group(1)) * _SUFFIX[m.group(2).upper()])
    elif raw.isdigit() and int(raw) > 0:
        return int(raw)
    kind = (
        "a number of seconds"
        if name == "max_seconds"
        else "a size (e.g. 64M)"
        if name in _SIZES
        else "a count"
    )
    raise ValueError(f"{setting(name)}={raw!r} is not {kind} greater than 0.")


def show(name: str, value: float) -> str:
    """A limit's value as printed in messages: '16 MiB', '45 s', '1,000'."""
    if name in _SIZES:
        for unit, n in (("GiB", 1 << 30), ("MiB", MiB), ("KiB", 1 << 10)):
            if value >= n:
                return f"{value / n:.3g} {unit}"
        return f"{int(value)} bytes"
    if name == "max_seconds":
        return f"{value:g} s"
    return f"{int(value):,}"


def size(n: int) -> str:
    """A byte count for messages ('50.0 MiB')."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} bytes"


def exceeded(name: str, what: str, limits: Limits | None = None, *, value: float | None = None) -> ParseError:
    """The ParseError for ``what`` being over the limit ``name``: one sentence naming the setting."""
    lim = limits or current()
    v = getattr(lim, name) if value is None else value
    reason = (
        TOO_LARGE
        if name not in ("max_depth", "max_form_draws", "max_seconds", "max_memory")
        else LIMIT_EXCEEDED
    )
    return ParseError(reason, f"{what}, over the {setting(name)} limit ({show(name, v)}); it was not parsed.")


_active: Limits | None = None


def current() -> Limits:
    """The limits in force: those a bounded parse's child was given, else the environment's."""
    return _active if _active is not None else Limits.from_env()


def quiet_library_loggers() -> None:
    """Keep pdfminer's per-document diagnostics ("Could not get FontBBox …") off stderr and logs:
    they concern the document, not us; a document that cannot be read raises ParseError instead."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


# ---------------------------------------------------------------------------- static checks


def check_size(data: bytes, limits: Limits | None = None) -> None:
    """The document's size as received."""
    lim = limits or current()
    if len(data) > lim.max_bytes:
        raise exceeded("max_bytes", f"The document is {size(len(data))}", lim)


def check_markup(data: bytes | str, kind: str, limits: Limits | None = None) -> None:
    """An HTML page's or a text file's size (``kind``: 'HTML page' / 'text file')."""
    lim = limits or current()
    if len(data) > lim.max_markup_bytes:
        raise exceeded("max_markup_bytes", f"The {kind} is {size(len(data))}", lim)


def zip_entries(data: bytes) -> int | None:
    """The member count the zip's end-of-central-directory record declares (zip64 too), read without
    parsing the directory; None when the record is not found (zipfile then reports the damage)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count = struct.unpack_from("<H", data, end + 10)[0]
    loc = end - 20
    if count == 0xFFFF and loc >= 0 and data[loc : loc + 4] == b"PK\x06\x07":
        off = struct.unpack_from("<Q", data, loc + 8)[0]
        if data[off : off + 4] == b"PK\x06\x06" and off + 40 <= len(data):
            return struct.unpack_from("<Q", data, off + 32)[0]
    return count


def check_zip(data: bytes, limits: Limits | None = None):
    """A DOCX's zip directory: member count, total uncompressed size and each large member's ratio,
    all from the directory, before anything is inflated (zipfile never inflates a member past the
    size its directory entry declares). Returns the opened ``ZipFile``."""
    import zipfile

    lim = limits or current()
    n = zip_entries(data)
    if n is not None and n > lim.max_zip_members:
        raise exceeded("max_zip_members", f"The archive declares {n:,} members", lim)
    z = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in z.infolist():
        total += info.file_size
        if total > lim.max_unzipped:
            raise exceeded(
                "max_unzipped",
                f"The archive's members inflate to more than {size(total)} ({info.filename})",
                lim,
            )
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > _RATIO_MIN_SIZE and ratio > lim.max_zip_ratio:
            raise exceeded(
                "max_zip_ratio", f"The archive member {info.filename} inflates {ratio:,.0f} times", lim
            )
    return z


# ---------------------------------------------------------------------------- PDF structure

#: a name operand followed by the Do operator (draws an XObject)
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]{1,127})\s*Do(?![^\s/\[\]()<>{}%])")
_CHUNK = MiB


class _Budget:
    """Inflated bytes counted across all content streams (each stream counted once)."""

    def __init__(self, lim: Limits):
        self.lim, self.used = lim, 0

    def add(self, n: int) -> None:
        self.used += n
        if self.used > self.lim.max_stream_bytes:
            raise exceeded(
                "max_stream_bytes",
                f"The PDF's content streams inflate to more than {size(self.used)}",
                self.lim,
            )


def _stream_draws(stream, budget: _Budget) -> dict[bytes, int]:
    """How many times each XObject name is drawn in a content stream, inflating it in chunks and
    counting its bytes against the budget (the stream is never held inflated). Only plain
    FlateDecode streams are inflated here; any other filter chain is decoded by pdfminer (within the
    child's memory limit) and counted afterwards."""
    from pdfminer.pdftypes import LITERALS_FLATE_DECODE

    draws: dict[bytes, int] = {}

    def scan(buf: bytes) -> int:
        end = 0
        for m in _DO.finditer(buf):
            draws[m.group(1)] = draws.get(m.group(1), 0) + 1
            end = m.end()
        return end

    filters = stream.get_filters()
    plain_flate = (
        len(filters) == 1
        and filters[0][0] in LITERALS_FLATE_DECODE
        and stream.rawdata is not None
        and getattr(stream, "decipher", None) is None  # encrypted bytes: pdfminer decrypts first
    )
    if plain_flate:
        raw, d, carry = stream.rawdata, zlib.decompressobj(), b""
        try:
            for pos in range(0, len(raw), _CHUNK):
                src = raw[pos : pos + _CHUNK]
                while src and not d.eof:
                    out = d.decompress(src, _CHUNK)
                    src = d.unconsumed_tail
                    if out:
                        budget.add(len(out))
                        buf = carry + out
                        carry = buf[max(scan(buf), len(buf) - 4096) :]
                if d.eof:
                    break
        except zlib.error:
            pass  # a damaged stream: pdfminer decodes what it can; the reader reports the damage
        return draws
    try:
        data = stream.get_data()
    except Exception:  # noqa: BLE001 - undecodable: pdfminer will say so when it reads the page
        return draws
    budget.add(len(data))
    scan(data)
    return draws


def check_pdf(data: bytes, limits: Limits | None = None) -> None:
    """Pages, inflated content-stream bytes and Form XObject draws (nesting expanded) of a PDF, from
    its object graph, before pdfplumber interprets a page. A file pdfminer cannot open is left to the
    reader (which raises ``corrupt`` / ``encrypted``)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream, dict_value, list_value, resolve1
    from pdfminer.psparser import LIT

    lim = limits or current()
    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        pages = []
        for page in PDFPage.create_pages(doc):
            pages.append(page)
            if len(pages) > lim.max_pages:
                raise exceeded("max_pages", f"The PDF has more than {len(pages) - 1:,} pages", lim)
    except ParseError:
        raise
    except Exception:  # noqa: BLE001 - the reader reports a broken file in its own words
        return
    budget = _Budget(lim)
    nest_cap = min(lim.max_depth, PDF_MAX_FORM_NESTING)
    seen: dict[int, dict[bytes, int]] = {}  # stream objid -> XObject names it draws
    expanded: dict[tuple[int, int], int] = {}  # (form objid, id of the name map) -> draws inside it
    active: set[tuple[int, int]] = set()

    name_maps: dict[int, dict[bytes, object]] = {}  # one map per resources dictionary (stable ids)

    def xobjects(resources) -> dict[bytes, object]:
        try:
            res = dict_value(resources)
            if id(res) not in name_maps:
                xo = dict_value(res.get("XObject"))
                name_maps[id(res)] = {(k.encode() if isinstance(k, str) else k): v for k, v in xo.items()}
            return name_maps[id(res)]
        except Exception:  # noqa: BLE001 - no usable XObject resources
            return {}

    def stream_draws(ref) -> dict[bytes, int]:
        obj = resolve1(ref)
        if not isinstance(obj, PDFStream):
            return {}
        key = getattr(ref, "objid", None) or id(obj)
        if key not in seen:
            seen[key] = _stream_draws(obj, budget)
        return seen[key]

    def draws_of(draws: dict[bytes, int], names: dict[bytes, object], depth: int) -> int:
        """Form XObjects drawn by a content stream's Do operators, the forms' own draws included."""
        if depth > nest_cap:  # pdfminer recurses per level: refuse before Python's recursion limit
            raise exceeded(
                "max_depth", f"The PDF nests Form XObjects more than {nest_cap} deep", lim, value=nest_cap
            )
        total = 0
        for name, times in draws.items():
            ref = names.get(name)
            obj = resolve1(ref) if ref is not None else None
            if not isinstance(obj, PDFStream) or resolve1(obj.get("Subtype")) is not LIT("Form"):
                continue
            own = xobjects(obj.get("Resources")) if obj.get("Resources") is not None else names
            key = (getattr(ref, "objid", None) or id(obj), id(own))
            if key in active:  # a form that draws itself: pdfminer would recurse until it fails
                raise exceeded("max_form_draws", "The PDF's Form XObjects draw themselves in a cycle", lim)
            if key not in expanded:
                active.add(key)
                expanded[key] = draws_of(stream_draws(ref), own, depth + 1)
                active.discard(key)
            total += times * (1 + expanded[key])
            if total > lim.max_form_draws:
                raise exceeded(
                    "max_form_draws", f"The PDF draws Form XObjects more than {total:,} times", lim
                )
        return total

    drawn = 0
    for page in pages:
        names = xobjects(page.resources or {})
        contents = page.attrs.get("Contents")
        refs = list_value(resolve1(contents)) if isinstance(resolve1(contents), list) else [contents]
        page_draws: dict[bytes, int] = {}
        for ref in refs:
            if ref is None:
                continue
            for k, v in stream_draws(ref).items():
                page_draws[k] = page_draws.get(k, 0) + v
        drawn += draws_of(page_draws, names, 0)
        if drawn > lim.max_form_draws:
            raise exceeded("max_form_draws", f"The PDF draws Form XObjects more than {drawn:,} times", lim)


# ---------------------------------------------------------------------------- files


def read_file(path: str | os.PathLike, limits: Limits | None = None) -> bytes:
    """A document's bytes from disk, refusing at once what is not a regular file (a FIFO would block
    the reader forever, a device never ends) and what is over ``max_bytes``. The file is opened
    non-blocking and checked on its descriptor, so a file swapped for a FIFO is refused too.
    Raises ParseError (not_a_file / too_large), IsADirectoryError, or OSError."""
    lim = limits or current()
    if os.fspath(path) == "":
        raise ParseError(NOT_A_FILE, "The path is empty: give the report file to read.")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", os.fspath(path))
        if not stat.S_ISREG(st.st_mode):
            kind = (
                "a FIFO (named pipe)"
                if stat.S_ISFIFO(st.st_mode)
                else "a socket"
                if stat.S_ISSOCK(st.st_mode)
                else "a device"
                if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a special file"
            )
            raise ParseError(NOT_A_FILE, f"The path is not a regular file but {kind}; it was not read.")
        if st.st_size > lim.max_bytes:
            raise exceeded("max_bytes", f"The file is {size(st.st_size)}", lim)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as f:
            fd = -1
            data = f.read(lim.max_bytes + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    check_size(data, lim)  # the file grew while it was read
    return data


# ---------------------------------------------------------------------------- bounded parse


class ParserCrash(RuntimeError):
    """The parser failed in a way that is not a verdict on the document (a bug or a crash in the
    child). Callers treat it like any other parser exception (quarantine as parser_error, no cache)."""


_checked_pdf: int | None = None  # id() of the bytes the child already ran check_pdf on


def check_pdf_once(data: bytes, limits: Limits | None = None) -> None:
    """``check_pdf`` unless this very bytes object was already checked in this process (the bounded
    parse checks before ``parse_bytes``; a hook in ``read_document`` then costs nothing)."""
    global _checked_pdf
    if _checked_pdf == id(data):
        return
    check_pdf(data, limits)
    _checked_pdf = id(data)


def _vm_size() -> int:
    """This process's address-space size in bytes (0 where /proc is absent)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _from_memory_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` or an exception it was raised from/while handling is a MemoryError."""
    seen = 0
    while exc is not None and seen < 50:
        if isinstance(exc, MemoryError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


_warm: set[str] = set()
_LIBC = None


def _warm_up(fmt: str) -> None:
    """Import the reader for ``fmt`` (and the mapper) in this process once, so that workers forked
    from it start with them loaded instead of importing pdfplumber/python-docx themselves."""
    global _LIBC
    if fmt in _warm:
        return
    import ogi.parse.mapper  # noqa: F401

    mods = {"html": ("ogi.parse.html",), "text": ("ogi.parse.text",), "pdf": ("ogi.parse.pdf", "pdfplumber")}
    for name in mods.get(fmt, ("ogi.parse.docx", "docx")):
        try:
            __import__(name)
        except ImportError:
            pass  # the worker reports the missing reader as unsupported_format
    if _LIBC is None and os.uname().sysname == "Linux":
        try:
            import ctypes

            _LIBC = ctypes.CDLL(None, use_errno=True)
        except OSError:
            pass
    _warm.add(fmt)


def _set_worker_limits(lim: Limits) -> None:
    """In a new parse worker: address space (its size now + ``max_memory``), no core files, killed
    with its parent (an orphan never runs on)."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        vm = _vm_size()
        if vm:
            cap, hard = vm + lim.max_memory, resource.getrlimit(resource.RLIMIT_AS)[1]
            resource.setrlimit(
                resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard)
            )
    except (ValueError, OSError):
        pass  # a platform without these limits: the wall-clock deadline still holds
    if _LIBC is not None:
        try:
            _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except Exception:  # noqa: BLE001, S110 - not Linux after all: the CPU backstop still holds
            pass


def _cpu_backstop(lim: Limits) -> None:
    """RLIMIT_CPU at the CPU time used so far + ``max_seconds`` + 5 s: a worker whose parent stopped
    watching still stops (SIGXCPU). The parent's wall-clock deadline is the limit that normally acts."""
    import resource

    try:
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime + lim.max_seconds) + 5
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        if hard == resource.RLIM_INFINITY or hard > soft:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


def _child_result(data: bytes, fmt: str, filename: str | None, url: str | None, lim: Limits) -> tuple:
    """Parse in the worker: ('ok', report) | ('error', reason, message) | ('memory',) | ('crash', text)."""
    global _active, _checked_pdf
    _active, _checked_pdf = lim, None
    try:
        from ogi.parse import parse_bytes

        if fmt == "pdf":
            check_pdf_once(data, lim)
        return ("ok", parse_bytes(data, filename=filename, url=url))
    except ParseError as e:
        # a reader that wrapped a MemoryError as "corrupt" (``raise … from None`` keeps __context__)
        return ("memory",) if _from_memory_error(e) else ("error", e.reason, e.message)
    except MemoryError:
        return ("memory",)
    except BaseException as e:  # noqa: BLE001 - a parser bug: reported to the parent, never lost
        return ("crash", f"{type(e).__name__}: {e}"[:500])


# A message on a pipe: 8-byte length, then a pickle.


def _send(fd: int, obj, deadline: float | None = None) -> None:
    import pickle

    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(struct.pack("<Q", len(payload)) + payload)
    while view:
        if deadline is not None:
            _wait(fd, deadline, write=True)
        view = view[os.write(fd, view) :]


def _wait(fd: int, deadline: float, *, write: bool = False) -> None:
    import select

    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        r, w, _ = select.select([] if write else [fd], [fd] if write else [], [], left)
        if r or w:
            return


def _recv(fd: int, deadline: float | None = None):
    """The next message, or None at end of file (the other side is gone); TimeoutError past ``deadline``."""
    import pickle

    def read(n: int) -> bytes | None:
        chunks, left = [], n
        while left:
            if deadline is not None:
                _wait(fd, deadline)
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    head = read(8)
    if head is None:
        return None
    body = read(struct.unpack("<Q", head)[0])
    return None if body is None else pickle.loads(body)


def _serve(rfd: int, wfd: int, lim: Limits) -> None:
    """A parse worker's life: parse each request it is sent, answer with the result and its address
    space size; exit at end of file (the parent closed the pipe, or died)."""
    code = 0
    try:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it kills the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        except ValueError:
            pass
        _set_worker_limits(lim)
        quiet_library_loggers()
        while True:
            req = _recv(rfd)
            if req is None:
                break
            _cpu_backstop(req[4])
            msg = _child_result(*req)
            try:
                _send(wfd, (msg, _vm_size()))
            except MemoryError:
                _send(wfd, (("memory",), _vm_size()))
            except _pickle_errors() as e:  # an unpicklable result
                _send(wfd, (("crash", f"cannot send the result ({type(e).__name__}: {e})"[:500]), _vm_size()))
    except BaseException:  # noqa: BLE001 - nothing may escape a forked process
        code = 70
    finally:
        os._exit(code)


def _pickle_errors() -> tuple[type[BaseException], ...]:
    import pickle

    return (pickle.PicklingError, TypeError, AttributeError, RecursionError)


#: documents one worker parses before it is replaced (bounds slow leaks and fragmentation)
WORKER_DOCUMENTS = 200


class _Worker:
    """A forked parse worker and the two pipes to it. It is replaced after a limit was hit, a crash,
    ``WORKER_DOCUMENTS`` documents, or when its address space grew by a quarter of ``max_memory``
    (so every document keeps at least three quarters of ``max_memory`` to itself)."""

    def __init__(self, lim: Limits):
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker never returns from here
            os.close(req_w)
            os.close(resp_r)
            _serve(req_r, resp_w, lim)
        os.close(req_r)
        os.close(resp_w)
        self.pid, self.owner, self.lim = pid, os.getpid(), lim
        self.to_child, self.from_child = req_w, resp_r
        self.served, self.base_vm, self.vm = 0, _vm_size(), 0

    def worn(self) -> bool:
        grown = self.base_vm and self.vm > self.base_vm + self.lim.max_memory // 4
        return self.served >= WORKER_DOCUMENTS or bool(grown)

    def stop(self, *, kill: bool = False) -> int:
        """Close the pipes (the worker exits at end of file) or kill it; reap it; its wait status."""
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return 0


_workers: dict[int, _Worker] = {}  # thread id -> its worker


def _take_worker(lim: Limits) -> _Worker:
    import threading

    key = threading.get_ident()
    w = _workers.get(key)
    if w is not None and w.owner != os.getpid():  # inherited through a fork of our own process
        _workers.pop(key)
        w = None
    if w is not None and (w.lim != lim or w.worn()):
        _workers.pop(key).stop()
        w = None
    if w is None:
        w = _workers[key] = _Worker(lim)
    return w


def stop_workers() -> None:
    """Stop this process's parse workers (also at interpreter exit)."""
    for key in list(_workers):
        w = _workers.pop(key)
        if w.owner == os.getpid():
            w.stop()


atexit.register(stop_workers)


def parse_bytes_bounded(
    data: bytes,
    *,
    filename: str | None = None,
    url: str | None = None,
    limits: Limits | None = None,
    fresh: bool = False,
) -> ParsedReport:
    """``ogi.parse.parse_bytes`` under the per-document limits, in a forked worker process.

    Static checks (size, zip directory) run here first. The worker, forked from this process (its
    modules and caches already loaded) and reused for the next documents, runs with ``RLIMIT_AS``
    (its size at the fork + ``max_memory``) and a CPU-time backstop, checks a PDF's structure
    (``check_pdf``) and parses; this process waits at most ``max_seconds`` and kills it after. A
    worker that hit a limit or crashed is replaced; ``fresh=True`` uses a new worker for this
    document alone. Raises ``ParseError`` (the document's verdict, or the limit it hit, named) or
    ``ParserCrash`` (a parser bug or crash in the worker).
    """
    from ogi.parse import detect

    lim = limits or current()
    fmt = detect.sniff_format(data, filename, limits=lim)  # size and zip directory, before any work
    if fmt in (detect.HTML, detect.TEXT):
        check_markup(data, "HTML page" if fmt == detect.HTML else "text file", lim)
    _warm_up(fmt)
    w = _Worker(lim) if fresh else _take_worker(lim)
    deadline = time.monotonic() + lim.max_seconds
    answer, done = None, False
    try:
        _send(w.to_child, (data, fmt, filename, url, lim), deadline)
        answer = _recv(w.from_child, deadline)
        done = True
    except TimeoutError:
        pass
    except OSError:  # EPIPE: the worker died before it read the request
        done = True
    finally:
        healthy = done and answer is not None and answer[0][0] in ("ok", "error")
        if fresh or not healthy:
            _workers.pop(next((k for k, v in _workers.items() if v is w), None), None)
            status = w.stop(kill=not done or answer is None)
        else:
            w.served, w.vm, status = w.served + 1, answer[1], 0
    if not done:
        raise exceeded("max_seconds", "Parsing the document took longer than allowed", lim)
    if answer is None:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            # SIGXCPU: the CPU-time backstop; SIGKILL from the kernel: out of memory
            name = "max_seconds" if sig == signal.SIGXCPU else "max_memory"
            raise exceeded(name, "The parser was stopped by the system", lim)
        how = (
            f"signal {signal.Signals(sig).name}"
            if sig
            else f"exit status {os.waitstatus_to_exitcode(status)}"
        )
        raise ParserCrash(f"The parser process died ({how}) without a result.")
    msg = answer[0]
    if msg[0] == "ok":
        return msg[1]
    if msg[0] == "error":
        raise ParseError(msg[1], msg[2])
    if msg[0] == "memory":
        raise exceeded("max_memory", "Parsing the document needed more memory than allowed", lim)
    raise ParserCrash(f"unexpected parser error ({msg[1]})")


__all__ = [
    "LIMIT_EXCEEDED",
    "TOO_LARGE",
    "Limits",
    "ParserCrash",
    "check_markup",
    "check_pdf",
    "check_size",
    "check_zip",
    "current",
    "parse_bytes_bounded",
    "quiet_library_loggers",
    "read_file",
]
