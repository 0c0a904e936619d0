"""Shared helpers for the browser tests, the benchmark and the screenshot script.

- ApiServer: the REAL server (`python -m server --port N`) as a subprocess, polled until healthy.
- FixtureServer: a threaded http.server for tests/fixtures (+ pages generated in memory).
- launch_with_extension(): Chromium with the repo root loaded as an unpacked extension.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
CHROMIUM = os.environ.get("ALIGN_LENS_CHROMIUM", "/usr/bin/chromium")
# Where `python -m server` runs; the repo root unless a developer points it elsewhere.
SERVER_DIR = Path(os.environ.get("ALIGN_LENS_SERVER_DIR", str(REPO)))

BASE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used (from /proc; None where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ApiServer:
    """`python -m server --port PORT [extra_args]` started from the repo, as a user would; start()
    and stop() may be called again. The one real-server helper: tests/conftest.py uses it too."""

    def __init__(self, port: int | None = None, extra_args: tuple = ()):
        self.port = port or free_port()
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a pipe nobody reads blocks a chatty server
        self.startup_s: float | None = None  # how long the last start() took to answer health
        self.startup_cpu_s: float | None = None  # the CPU time that took (Linux; a loaded machine stretches startup_s)

    @property
    def process(self) -> subprocess.Popen | None:
        return self.proc

    @process.setter
    def process(self, value) -> None:
        self.proc = value

    def start(self, timeout: float = 60.0) -> "ApiServer":
        env = dict(os.environ)
        # keep bytecode out of the repo: "Load unpacked" refuses a top-level __pycache__
        env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "align-lens-pycache"))
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(self.port), *self.extra_args],
            cwd=str(SERVER_DIR), env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.output()[-4000:]}")
            if self.healthy():
                self.startup_s = time.monotonic() - began
                self.startup_cpu_s = process_cpu_seconds(self.proc.pid)
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not healthy within {timeout}s: {self.output()[-4000:]}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/api/v1/health", timeout=1) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def get(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.loads(r.read())

    def post(self, path: str, body: dict):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def output(self) -> str:
        """Everything the server has printed so far."""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


class _Handler(SimpleHTTPRequestHandler):
    pages: dict = {}

    def __init__(self, *a, **kw):
        super().__init__(*a, directory=str(FIXTURES), **kw)

    def log_message(self, *args):  # quiet
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        body = self.pages.get(path)
        if body is None and (path == "/" or path.startswith("/posts/")):
            body = (FIXTURES / "lw_post.html").read_bytes()
        if body is not None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        super().do_GET()


class FixtureServer:
    """Serves tests/fixtures; /posts/* is the LessWrong-like page; extra pages can be added."""

    def __init__(self, port: int | None = None):
        handler = type("Handler", (_Handler,), {"pages": {}})
        self.handler = handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port or 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "FixtureServer":
        self.thread.start()
        return self

    def add_page(self, path: str, html: str) -> None:
        self.handler.pages[path] = html

    def url(self, path: str = "/posts/one/two-kinds-of-progress", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class StandInHandler(BaseHTTPRequestHandler):
    """Base of the tests' stand-ins for the API (proxies and refusing servers): quiet, JSON
    replies, and forwarding to the real server."""

    def log_message(self, *args):
        pass

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def forward(self, upstream: str, data: bytes | None = None) -> tuple[int, bytes]:
        """This request's path (and, for a POST, `data`) sent to `upstream`: (status, body)."""
        request = urllib.request.Request(upstream + self.path, data=data,
                                         headers={"Content-Type": "application/json"} if data is not None else {})
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read()

    def reply(self, status: int, body) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the extension stopped waiting


class StandInServer:
    """A StandInHandler subclass served on a free loopback port, in a thread."""

    def __init__(self, handler: type[StandInHandler]):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def launch_with_extension(playwright, extra_args=(), user_data_dir: str | None = None, **kw):
    """A persistent Chromium context with the repo root loaded as an unpacked extension.

    Returns (context, worker, extension_id, user_data_dir)."""
    data_dir = user_data_dir or tempfile.mkdtemp(prefix="align-lens-profile-")
    root = str(REPO)
    context = playwright.chromium.launch_persistent_context(
        data_dir,
        executable_path=CHROMIUM,
        headless=True,
        args=[f"--disable-extensions-except={root}", f"--load-extension={root}", *BASE_ARGS, *extra_args],
        **kw,
    )
    worker = context.service_workers[0] if context.service_workers else \
        context.wait_for_event("serviceworker", timeout=15_000)
    ext_id = worker.url.split("/")[2]
    return context, worker, ext_id, data_dir


@contextlib.contextmanager
def extension_session(**launch_kw):
    """The real API server, a fixture server, and Chromium with the extension pointed at them and
    the fixture host added as a site; everything is stopped afterwards. For scripts (benchmark,
    screenshots); the tests use the fixtures in conftest.py."""
    from playwright.sync_api import sync_playwright

    api, fixtures, profile = ApiServer().start(), FixtureServer().start(), None
    try:
        with sync_playwright() as pw:
            context, worker, ext_id, profile = launch_with_extension(pw, **launch_kw)
            try:
                configure(context, worker, ext_id, api.url, add_host="127.0.0.1")
                yield SimpleNamespace(context=context, worker=worker, ext_id=ext_id, api=api, fixtures=fixtures)
            finally:
                context.close()
    finally:
        api.stop()
        fixtures.stop()
        if profile:
            cleanup_profile(profile)


def configure(context, worker, ext_id: str, server_url: str, add_host: str | None = "127.0.0.1", **settings):
    """Point the extension at the test server, then add a site through the options page
    (the same path a user takes: type the host, press "Add site")."""
    worker.evaluate(
        """async (patch) => {
            const cur = (await chrome.storage.local.get('settings')).settings || {};
            await chrome.storage.local.set({settings: Object.assign({}, cur, patch)});
        }""",
        {"serverUrl": server_url, **settings},
    )
    if add_host:
        page = context.new_page()
        page.goto(f"chrome-extension://{ext_id}/extension/options/options.html")
        page.fill("#site-input", add_host)
        page.click("#add-site-button")
        page.wait_for_function("h => document.body.dataset.lastAdded === h", arg=add_host, timeout=10_000)
        page.close()


def update_settings(worker, **patch):
    worker.evaluate(
        """async (patch) => {
            const cur = (await chrome.storage.local.get('settings')).settings || {};
            await chrome.storage.local.set({settings: Object.assign({}, cur, patch)});
        }""",
        patch,
    )


# The worker's test hook (extension/background.js): every API request times out after this many ms
# (only shorter than its own 8 s). The `page` fixture removes it after each test.
TEST_TIMEOUT_KEY = re.search(r'const TEST_TIMEOUT_KEY = "([^"]+)";',
                             (REPO / "extension" / "background.js").read_text()).group(1)


def set_request_timeout(worker, ms: int | None) -> None:
    worker.evaluate(
        "([key, ms]) => ms == null ? chrome.storage.local.remove(key) : chrome.storage.local.set({[key]: ms})",
        [TEST_TIMEOUT_KEY, ms],
    )


def wait_ready(page, timeout: float = 15_000, min_count: int = 0):
    page.wait_for_function(
        "n => document.documentElement.dataset.alignLensStatus === 'ready' && "
        "Number(document.documentElement.dataset.alignLensCount) >= n",
        arg=min_count, timeout=timeout,
    )


HIGHLIGHTS_JS = """name => {
    const h = CSS.highlights.get(name);
    if (!h) return [];
    return [...h].map(r => {
        const el = r.startContainer.parentElement;
        const idEl = el && el.closest('[id]');
        return [idEl ? idEl.id : null, r.toString()];
    });
}"""


def highlights(page, name: str = "align-ambiguous"):
    """[(id of the nearest element with an id, highlighted text)] in document order."""
    return [tuple(x) for x in page.evaluate(HIGHLIGHTS_JS, name)]


def tab_id_for(worker, url_prefix: str) -> int:
    return worker.evaluate(
        """async (prefix) => {
            const tabs = await chrome.tabs.query({});
            const t = tabs.find(t => (t.url || '').startsWith(prefix));
            return t ? t.id : null;
        }""",
        url_prefix,
    )


def cleanup_profile(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


RECT_JS = """([name, id, text]) => {
    const h = CSS.highlights.get(name);
    if (!h) return null;
    for (const r of h) {
        const el = r.startContainer.parentElement && r.startContainer.parentElement.closest('[id]');
        if (el && el.id === id && (!text || r.toString() === text)) {
            const q = r.getClientRects()[0];
            return {x: q.left + q.width / 2, y: q.top + q.height / 2, w: q.width, h: q.height};
        }
    }
    return null;
}"""


def highlight_point(page, element_id: str, name: str = "align-ambiguous", text: str | None = None):
    """Scroll the element into view; return the viewport centre of its highlight."""
    page.evaluate("id => document.getElementById(id).scrollIntoView({block: 'center'})", element_id)
    point = page.evaluate(RECT_JS, [name, element_id, text])
    assert point, f"no {name} highlight in #{element_id}"
    return point


def click_highlight(page, element_id: str, name: str = "align-ambiguous", text: str | None = None):
    point = highlight_point(page, element_id, name, text)
    page.mouse.click(point["x"], point["y"])
    return point


CARD_JS = """() => {
    const host = document.querySelector('align-lens-ui');
    if (!host || !host.shadowRoot) return null;
    const c = host.shadowRoot.querySelector('.card');
    if (!c || c.hidden) return null;
    const t = sel => (c.querySelector(sel) || {}).textContent || '';
    return {question: t('.question'), why: t('.why'), kicker: t('.kicker'),
            product: t('.col.product'), superintelligence: t('.col.si'), status: t('.status'),
            buttons: [...c.querySelectorAll('.actions button')].filter(b => !b.hidden).map(b => b.textContent),
            focused: host.shadowRoot.activeElement ? host.shadowRoot.activeElement.className : null};
}"""


def card_state(page):
    return page.evaluate(CARD_JS)



def poll(page, js: str, arg=None, timeout: float = 10.0, interval: float = 0.05):
    """wait_for_function for extension pages, whose CSP forbids the eval it relies on."""
    deadline = time.time() + timeout
    while True:
        value = page.evaluate(js, arg)
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {js}")
        time.sleep(interval)


def content_script_eval(page, expression: str):
    """Evaluate in the extension's isolated world of the page's main frame (where the content
    script's test hook `globalThis.__alignLens` lives), through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    contexts = []
    cdp.on("Runtime.executionContextCreated", lambda e: contexts.append(e["context"]))
    cdp.send("Runtime.enable")  # reports every existing context
    try:
        frame = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        ours = [c for c in contexts if c.get("auxData", {}).get("type") == "isolated"
                and c.get("auxData", {}).get("frameId") == frame and c.get("name") == "Alignment Lens"]
        assert ours, f"no content-script world in {[c.get('name') for c in contexts]}"
        reply = cdp.send("Runtime.evaluate", {"expression": expression, "contextId": ours[0]["id"],
                                              "returnByValue": True, "awaitPromise": True})
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")
    finally:
        cdp.detach()


def open_popup(context, ext_id: str, tab: int):
    popup = context.new_page()
    popup.goto(f"chrome-extension://{ext_id}/extension/popup/popup.html?tab={tab}")
    poll(popup, "() => document.body.dataset.ready === '1'")
    return popup


CARD_OPEN_JS = ("() => { const h = document.querySelector('align-lens-ui'); "
                "return !!h && !h.shadowRoot.querySelector('.card').hidden; }")


def wait_card_open(page, timeout: float = 5_000):
    page.wait_for_function(CARD_OPEN_JS, timeout=timeout)
