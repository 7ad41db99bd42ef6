"""Network manners of the fetch client (``HttpPolicy``) and the subset an operator may set.

One place for the defaults and the bounds, shared by the client (``ogi.fetch.http``), a registry's
``fetch:`` section (per-city defaults, checked with file and line) and the ``ogi fetch`` options
(which win over the registry). Kept free of httpx so ``ogi registry check`` stays light.

The three clocks, innermost first:

- ``timeout``: one network operation (connect, TLS handshake, one read or write);
- ``deadline``: one attempt, from connecting to the last body byte, header reception included
  (a server that drips one header line a second ends here);
- ``total_deadline``: the whole GET of one URL, every attempt, retry wait and redirect hop; its
  clock starts when the first request to the host starts (time queueing for a per-host slot
  before that is not counted). A ``Retry-After`` that would pass it is not waited for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

USER_AGENT = "ogi-reports/0.1 (collector of annual reports on open government information)"


@dataclass(frozen=True)
class HttpPolicy:
    """Network manners. Defaults suit live portals; tests and benchmarks pass small values."""

    timeout: float = 20.0  # per network operation: connect, TLS handshake, each read/write (s)
    deadline: float = 60.0  # one attempt, connect to last byte, headers included (s)
    total_deadline: float = 120.0  # one URL: every attempt, retry wait and redirect hop (s)
    retries: int = 3  # further attempts after the first, on timeouts, connection errors, 5xx, 429
    backoff: float = 1.0  # first retry waits this long (s), doubling each time
    max_backoff: float = 60.0  # cap on one wait, also on Retry-After
    max_bytes: int = 64 * 2**20  # larger bodies are cut and refused (a fetch failure, not a document)
    max_redirects: int = 5
    per_host: int = 4  # concurrent requests to one host
    delay: float = 0.1  # minimum spacing of request starts to one host (s)
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "user_agent" and (isinstance(value, bool) or value < 0):
                raise ValueError(f"HttpPolicy.{f.name} must be a non-negative number, got {value!r}")
        for name in ("timeout", "deadline", "total_deadline", "max_bytes", "per_host"):
            if not getattr(self, name) > 0:
                raise ValueError(f"HttpPolicy.{name} must be > 0, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Setting:
    """A policy field an operator may set, with its bounds (``low`` excluded for seconds)."""

    kind: type  # float (seconds) or int
    low: float
    high: float
    help: str

    def problem(self, value: object) -> str | None:
        """Why ``value`` is not acceptable, or None."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected {'an integer' if self.kind is int else 'a number of seconds'}, got {value!r}"
        if self.kind is int and not isinstance(value, int):
            return f"expected an integer, got {value!r}"
        low_ok = value > self.low if self.kind is float else value >= self.low
        if not (low_ok and value <= self.high):
            low = f"> {self.low:g}" if self.kind is float else f">= {self.low:g}"
            return f"{value:g} is out of range (must be {low} and <= {self.high:g})"
        return None


_DEFAULT = HttpPolicy()

#: what a registry's ``fetch:`` section and the ``ogi fetch`` options may set
SETTINGS: dict[str, Setting] = {
    "timeout": Setting(
        float,
        0,
        600,
        f"seconds per network operation: connect, TLS, each read (default {_DEFAULT.timeout:g})",
    ),
    "deadline": Setting(
        float,
        0,
        3600,
        f"seconds for one attempt, connect to last byte, headers included (default {_DEFAULT.deadline:g})",
    ),
    "total_deadline": Setting(
        float,
        0,
        6 * 3600,
        "seconds for one URL: every attempt, retry wait and redirect hop "
        f"(default {_DEFAULT.total_deadline:g})",
    ),
    "retries": Setting(int, 0, 10, f"retries on timeouts, 5xx and 429 (default {_DEFAULT.retries})"),
    "max_bytes": Setting(
        int, 1, 2**30, f"largest body accepted, in bytes (default {_DEFAULT.max_bytes} = 64 MiB)"
    ),
}


class SettingError(ValueError):
    """A fetch setting out of its bounds; ``name`` is the setting, ``problem`` says why."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name, self.problem = name, problem


def policy_with(base: HttpPolicy | None = None, **settings: float | None) -> HttpPolicy:
    """``base`` (default ``HttpPolicy()``) with the given settings (None = keep); ``SettingError``
    names a setting that is unknown or out of its bounds."""
    given = {k: v for k, v in settings.items() if v is not None}
    for name, value in given.items():
        if name not in SETTINGS:
            raise SettingError(name, f"not a fetch setting (expected one of {sorted(SETTINGS)})")
        if (msg := SETTINGS[name].problem(value)) is not None:
            raise SettingError(name, msg)
    return replace(base or HttpPolicy(), **given)
