"""A small Chrome DevTools Protocol client for the report tests: Debian's headless Chromium driven over
``--remote-debugging-port`` with the ``websockets`` package (already in the pinned stack, through
Airflow). Nothing is downloaded: the browser is /usr/bin/chromium (``OGI_CHROMIUM`` overrides).

``Browser(tmp)`` starts one Chromium process (its own profile under ``tmp``), ``browser.page()`` attaches
to its tab; ``page.open(url)`` navigates and waits for the load event while recording console
messages, exceptions, log entries, network requests and JavaScript dialogs.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from ogi_dev.synth.producers import CHROMIUM_FLAGS

FLAGS = (
    *CHROMIUM_FLAGS,
    "--hide-scrollbars",
    "--window-size=1280,1000",
)


def find_chromium() -> str | None:
    for cand in (os.environ.get("OGI_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser"), shutil.which("google-chrome")):  # fmt: skip
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


class CDPError(RuntimeError):
    pass


class Page:
    def __init__(self, ws_url: str):
        from websockets.sync.client import connect

        self._conn = connect(ws_url, max_size=None, open_timeout=20)
        self.ws = self._conn.__enter__()  # the connection's context, left in close()
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self._conn.__exit__(None, None, None)

    def _next(self, deadline: float) -> dict[str, Any] | None:
        """The next message before ``deadline`` (events are also recorded), or None."""
        try:
            msg = json.loads(self.ws.recv(timeout=max(0.05, deadline - time.monotonic())))
        except TimeoutError:
            return None
        if "method" in msg:
            self.events.append(msg)
        return msg

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 30
    ) -> dict[str, Any]:
        self._id += 1
        mid = self._id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._next(deadline)
            if msg is not None and msg.get("id") == mid:
                if "error" in msg:
                    raise CDPError(f"{method}: {msg['error']}")
                return msg.get("result", {})
        raise CDPError(f"{method}: no answer within {timeout} s")

    def wait_for(self, method: str, *, timeout: float = 30) -> dict[str, Any]:
        for e in self.events:
            if e["method"] == method:
                return e
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._next(deadline)
            if msg is not None and msg.get("method") == method:
                return msg
        raise CDPError(f"no {method} within {timeout} s")

    def drain(self, seconds: float = 0.3) -> None:
        """Collect the events that arrive in the next ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._next(deadline) is not None:
            pass

    def open(self, url: str) -> None:
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        self.drain()

    def eval(self, expression: str) -> Any:
        res = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in res:
            raise CDPError(f"{expression[:80]}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (press + release) in the middle of the first element matching ``selector``."""
        box = self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
            )
        self.drain(0.2)

    def screenshot(self, path: Path) -> Path:
        size = self.eval("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        res = self.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True,
             "clip": {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 16000), "scale": 1}},
            timeout=60,
        )  # fmt: skip
        path.write_bytes(base64.b64decode(res["data"]))
        return path

    # what happened on the page

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"
        ]

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e["method"], e["params"]
            if m == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append(
                    "console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
                )
            elif m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p["exceptionDetails"])[:500])
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"log: {p['entry'].get('source')}: {p['entry']['text']}")
        return out

    def dialogs(self) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e["method"] == "Page.javascriptDialogOpening"]


class Browser:
    def __init__(self, tmp: Path, chromium: str):
        self.profile = Path(tmp) / "chromium-profile"
        self.profile.mkdir(parents=True, exist_ok=True)
        port_file = self.profile / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)  # a previous browser's port
        self.proc = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if self.proc.poll() is not None:
                raise CDPError(f"chromium exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.close()
                raise CDPError("chromium did not open its debugging port in 30 s")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])

    def page(self) -> Page:
        deadline = time.monotonic() + 20
        while True:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
            with opener.open(f"http://127.0.0.1:{self.port}/json/list", timeout=5) as r:
                targets = [t for t in json.load(r) if t.get("type") == "page"]
            if targets or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not targets:
            raise CDPError("no page target")
        return Page(targets[0]["webSocketDebuggerUrl"])

    def close(self) -> None:
        """Stop the browser this object started (its process group, by pid)."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)
