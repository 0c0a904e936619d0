"""Reliability of the extension's state around failures, in real Chromium with the real server:

1. settings and dismissals survive closing and relaunching the browser (same profile);
2. a server that accepts connections and never answers: the page stays quiet, the popup says
   offline, and pointing the extension back at the real server brings the highlights back without
   a reload, with earlier settings and dismissals intact;
3. the server SIGKILLed in the middle of a request and restarted on the same port: highlights
   come back by themselves and a dismissal made before the kill is still honoured;
4. stored rule ids the server refuses ("Old_Rule", "bad id!") never blank the page: they are
   repaired or dropped, and the options page says so; the extension's rule-id check and the
   running server's agree on a table of ids.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .lens_support import (
    REPO, ApiServer, click_highlight, configure, highlights, launch_with_extension, open_popup, poll,
    set_request_timeout, tab_id_for, update_settings, wait_card_open,
)
from .test_browser_highlight import EXPECTED_AMBIGUOUS

# The API client's timeout, read from the extension itself so the test follows it.
TIMEOUT_S = int(re.search(r"const TIMEOUT_MS = (\d+);",
                          (REPO / "extension" / "background.js").read_text()).group(1)) / 1000
# The silent server is given up on after this (the worker's test hook), not the full timeout.
SILENT_TIMEOUT_S = 2.0

PROGRESS_RULE = "progress-claim"          # flags p-progress and p-emoji on the fixture page
PROGRESS_IDS = {"p-progress", "p-emoji"}
CLEAR_IDS = {"p-product", "p-si", "c2-p"}  # clear uses on the fixture page (see test_browser_highlight)


def without(*ids):
    """EXPECTED_AMBIGUOUS minus the uses in the elements named (flattening sets)."""
    drop = set()
    for i in ids:
        drop |= set(i) if isinstance(i, (set, frozenset)) else {i}
    return [h for h in EXPECTED_AMBIGUOUS if h[0] not in drop]


def track_errors(page):
    """Collect the page's console errors and uncaught exceptions."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    return errors


def wait_count(page, n, timeout=10_000):
    page.wait_for_function(
        "n => document.documentElement.dataset.alignLensStatus === 'ready' && "
        "Number(document.documentElement.dataset.alignLensCount) === n &&"
        "(CSS.highlights.get('align-ambiguous') || {size: 0}).size === n",
        arg=n, timeout=timeout)


def dismiss(page, element_id):
    """Open the card on the use in element_id and press Dismiss; wait until it is gone."""
    before = int(page.evaluate("document.documentElement.dataset.alignLensCount"))
    click_highlight(page, element_id)
    wait_card_open(page)
    page.locator("align-lens-ui .card .dismiss").click()
    wait_count(page, before - 1)
    assert element_id not in {el for el, _ in highlights(page)}


def open_options(context, ext_id):
    options = context.new_page()
    options.goto(f"chrome-extension://{ext_id}/extension/options/options.html")
    poll(options, "() => document.body.dataset.rules === 'ready'")
    return options


def stored(worker, key="settings"):
    return worker.evaluate("async k => (await chrome.storage.local.get(k))[k]", key)


def dismissed_keys(worker, page_url):
    return worker.evaluate("async k => (await chrome.storage.local.get(k))[k] || []", f"dismissed:{page_url}")


# ---- 1. browser restart ------------------------------------------------------------------

def test_settings_and_dismissal_survive_browser_restart(pw, api, fixtures, tmp_path):
    profile = str(tmp_path / "profile")
    url = fixtures.url()
    expected = without(PROGRESS_IDS, "p-status")

    context, worker, ext_id, _ = launch_with_extension(pw, user_data_dir=profile)
    try:
        configure(context, worker, ext_id, api.url, add_host="127.0.0.1")
        page = context.new_page()
        errors = track_errors(page)
        page.goto(url)
        wait_count(page, len(EXPECTED_AMBIGUOUS))
        # a rule off and "show clear uses too" on, both through the options page
        options = open_options(context, ext_id)
        options.uncheck(f"#rule-{PROGRESS_RULE}")
        options.check("#show-clear")
        page.wait_for_function("() => (CSS.highlights.get('align-clear') || {size: 0}).size > 0")
        wait_count(page, len(without(PROGRESS_IDS)))
        options.close()
        # one use dismissed from its card
        dismiss(page, "p-status")
        assert highlights(page) == expected
        assert {el for el, _ in highlights(page, "align-clear")} == CLEAR_IDS
        assert errors == []
    finally:
        context.close()  # the whole browser goes away

    context, worker, ext_id_again, _ = launch_with_extension(pw, user_data_dir=profile)
    try:
        assert ext_id_again == ext_id
        page = context.new_page()
        errors = track_errors(page)
        page.goto(url)
        wait_count(page, len(expected))
        assert highlights(page) == expected                 # rule still off, dismissed use still gone
        assert ("p-quote", "aligned") in highlights(page)    # the dismissed use's rule still flags others
        assert {el for el, _ in highlights(page, "align-clear")} == CLEAR_IDS  # clear uses still shown
        settings = stored(worker)
        assert settings["disabledRules"] == [PROGRESS_RULE] and settings["showClear"] is True
        assert settings["serverUrl"] == api.url and settings["extraSites"] == ["127.0.0.1"]
        assert len(dismissed_keys(worker, url)) == 1
        # the options page shows the same state
        options = open_options(context, ext_id)
        assert not options.is_checked(f"#rule-{PROGRESS_RULE}")
        assert options.is_checked("#rule-status-claim")
        assert options.is_checked("#show-clear")
        options.close()
        assert errors == []
    finally:
        context.close()


# ---- 2. a server that never answers ------------------------------------------------------

class SilentServer:
    """Accepts TCP connections, reads what is sent, never answers; closes them all on stop()."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.conns: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    @staticmethod
    def _drain(conn):
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass

    def stop(self):
        self._stop.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


QUIET_OR_SHOWN_JS = """() => {
    const n = (CSS.highlights.get('align-ambiguous') || {size: 0}).size +
              (CSS.highlights.get('align-clear') || {size: 0}).size;
    if (n) return 'shown';
    return document.documentElement.dataset.alignLensStatus === 'offline' ? 'offline' : false;
}"""


def test_silent_server_then_back(browser, page):
    url = browser.fixtures.url()
    expected = without(PROGRESS_IDS, "p-status")
    page.goto(url)
    wait_count(page, len(EXPECTED_AMBIGUOUS))
    options = open_options(browser.context, browser.ext_id)
    options.uncheck(f"#rule-{PROGRESS_RULE}")
    options.check("#show-clear")
    page.wait_for_function("() => (CSS.highlights.get('align-clear') || {size: 0}).size > 0")
    wait_count(page, len(without(PROGRESS_IDS)))
    dismiss(page, "p-status")
    assert highlights(page) == expected

    silent = SilentServer()
    set_request_timeout(browser.sw, int(SILENT_TIMEOUT_S * 1000))
    try:
        # the user points the extension at a server that takes connections and never answers
        options.fill("#server-url", silent.url)
        options.click("#save-server")
        poll(options, "() => document.getElementById('server-result').textContent === 'Saved.'")
        assert stored(browser.sw)["serverUrl"] == silent.url
        page.reload()
        started = time.monotonic()
        # Nothing is ever shown; the page should give up after about the client's timeout.
        try:
            outcome = page.wait_for_function(QUIET_OR_SHOWN_JS, timeout=(SILENT_TIMEOUT_S + 4) * 1000).json_value()
            offline_after = time.monotonic() - started
        except PlaywrightTimeout:
            outcome, offline_after = "still waiting", None
        assert outcome != "shown"
        assert highlights(page) == [] and highlights(page, "align-clear") == []
        assert silent.conns, "the extension never reached the silent server"

        tab = tab_id_for(browser.sw, url)
        popup = open_popup(browser.context, browser.ext_id, tab)
        assert popup.evaluate("document.body.dataset.server") == "offline"
        assert popup.inner_text("#server-text") == "server offline"
        assert popup.is_visible("#offline-help")
        popup.close()
        assert highlights(page) == []

        # back to the real server, from the options page; the page is not reloaded
        set_request_timeout(browser.sw, None)
        options.fill("#server-url", browser.api.url)
        options.click("#save-server")
        switched = time.monotonic()
        try:
            wait_count(page, len(expected), timeout=3_000)
        except PlaywrightTimeout:
            wait_count(page, len(expected), timeout=4 * TIMEOUT_S * 1000)  # still must come back
        recovered_after = time.monotonic() - switched
    finally:
        silent.stop()
        options.close()

    # earlier settings and the dismissal are intact
    assert highlights(page) == expected
    assert {el for el, _ in highlights(page, "align-clear")} == CLEAR_IDS
    settings = stored(browser.sw)
    assert settings["serverUrl"] == browser.api.url
    assert settings["disabledRules"] == [PROGRESS_RULE] and settings["showClear"] is True
    assert len(dismissed_keys(browser.sw, url)) == 1
    assert page.console_errors == []

    # Timing, checked last so that everything above is reported either way.
    slow = []
    if offline_after is None:
        slow.append(f"the page was still waiting for the silent server {SILENT_TIMEOUT_S + 4:.0f} s after loading "
                    f"(client timeout {SILENT_TIMEOUT_S:.0f} s)")
    if recovered_after > 3:
        slow.append(f"highlights took {recovered_after:.1f} s to come back after the server URL was changed")
    assert not slow, "; ".join(slow)


# ---- 3. SIGKILL mid-request, restart on the same port -----------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def big_page(paragraphs: int) -> str:
    body = "\n".join(
        f'<p id="big-{i}">Note {i}: the lab reported real progress on alignment in area {i}, '
        f"and nobody asked which kind.</p>" for i in range(paragraphs))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Many notes</title></head>"
            f"<body><div id='postContent'>{body}</div></body></html>")


def test_server_killed_mid_request_then_restarted(browser, page):
    server = ApiServer().start()
    port = server.port
    restarted = None
    big = browser.context.new_page()
    big_errors = track_errors(big)
    try:
        update_settings(browser.sw, serverUrl=server.url)
        url = browser.fixtures.url()
        page.goto(url)
        wait_count(page, len(EXPECTED_AMBIGUOUS))
        dismiss(page, "p-quote")
        shown_before = without("p-quote")
        assert highlights(page) == shown_before

        # A long page keeps the server busy; kill it (SIGKILL) once it is working on the request.
        paragraphs = 2000
        browser.fixtures.add_page("/posts/big/many-notes", big_page(paragraphs))
        cpu_before = cpu_seconds(server.proc.pid)
        big.goto(browser.fixtures.url("/posts/big/many-notes"))
        deadline = time.monotonic() + 20
        while cpu_seconds(server.proc.pid) - cpu_before < 0.15:
            assert time.monotonic() < deadline, "the server never got to work on the long page"
            time.sleep(0.01)
        server.proc.send_signal(signal.SIGKILL)
        assert server.proc.wait(5) == -signal.SIGKILL
        server.proc = None

        # the interrupted page and new work on the open page wait quietly
        big.wait_for_function("document.documentElement.dataset.alignLensStatus === 'offline'", timeout=10_000)
        assert highlights(big) == []  # the answer never came
        page.click("#show-more")
        page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'offline'", timeout=10_000)
        assert highlights(page) == shown_before  # what was shown stays, the dismissed use stays gone

        restarted = ApiServer(port).start()  # same port, fresh process (empty cache)
        # no reload, no user action: both pages recover by themselves
        page.wait_for_function(
            "() => [...CSS.highlights.get('align-ambiguous')].some(r => r.startContainer.parentElement.id === 'c4-p')",
            timeout=20_000)
        wait_count(page, len(shown_before) + 1)
        assert highlights(page) == shown_before + [("c4-p", "alignment")]
        big.wait_for_function(
            "n => document.documentElement.dataset.alignLensStatus === 'ready' && "
            "Number(document.documentElement.dataset.alignLensCount) >= n", arg=paragraphs, timeout=20_000)
        assert {el for el, _ in highlights(big)} == {f"big-{i}" for i in range(paragraphs)}

        # a fresh load asks the restarted server from scratch: the dismissal is still honoured
        page.reload()
        wait_count(page, len(shown_before))
        assert highlights(page) == shown_before
        assert ("p-status", "aligned") in highlights(page)  # same rule, other use
        assert len(dismissed_keys(browser.sw, url)) == 1
    finally:
        big.close()
        server.stop()
        if restarted:
            restarted.stop()
    assert page.console_errors == []
    assert big_errors == []


# ---- 4. rule ids the server refuses --------------------------------------------------------

def test_rule_ids_the_server_refuses_never_blank_the_page(browser, page):
    """Settings stored by an older version (or by hand) with ids the server answers 400 to: the
    page is still marked, the ids are repaired or dropped, and the options page says so."""
    browser.sw.evaluate(
        """async (ids) => {
            const cur = (await chrome.storage.local.get('settings')).settings || {};
            await chrome.storage.local.remove('settingsNotice');
            await chrome.storage.local.set({settings: Object.assign({}, cur, {disabledRules: ids})});
        }""",
        ["Old_Rule", "bad id!", PROGRESS_RULE],
    )
    page.goto(browser.fixtures.url())
    wait_count(page, len(without(PROGRESS_IDS)))
    assert highlights(page) == without(PROGRESS_IDS)  # the valid id still applies
    assert page.evaluate("document.documentElement.dataset.alignLensStatus") == "ready"
    assert stored(browser.sw)["disabledRules"] == ["old-rule", PROGRESS_RULE]
    options = open_options(browser.context, browser.ext_id)
    poll(options, "() => document.body.dataset.notice === 'shown'")
    notice = options.inner_text("#settings-notice")
    assert "“Old_Rule” to “old-rule”" in notice and "dropped “bad id!”" in notice
    # "Reset rules" puts every rule back to its default; the notice can be put away
    options.click("#reset-rules")
    wait_count(page, len(EXPECTED_AMBIGUOUS))
    assert stored(browser.sw)["disabledRules"] == []
    options.click("#settings-notice-ok")
    poll(options, "() => document.getElementById('settings-notice').hidden")
    options.close()
    assert page.console_errors == []


RULE_ID_TABLE = [
    "progress-claim", "status-claim", "a", "x1", "1-2-3", "rule-" + "x" * 59, "rule-" + "x" * 60,
    "Old_Rule", "old_rule", "bad id!", "", "-lead", "trail-", "double--dash", "UPPER", "dot.ted",
    "colon:rule", "ünïcode", "tab\there", "progress-claim\n", "../etc",
]


def test_extension_and_server_agree_on_rule_ids(browser, api):
    """The extension's check (settings.js, in the live worker) and the running server's refusal of
    disabled_rules agree on every id in the table."""
    import json as _json
    import urllib.error
    import urllib.request

    ours = browser.sw.evaluate("ids => ids.map(id => AlignLensSettings.isRuleId(id))", RULE_ID_TABLE)
    for rule_id, extension_takes in zip(RULE_ID_TABLE, ours):
        body = _json.dumps({"blocks": [{"id": "b0", "text": "x"}], "disabled_rules": [rule_id]}).encode()
        req = urllib.request.Request(api.url + "/api/v1/analyze", data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                server_takes = r.status == 200
        except urllib.error.HTTPError as e:
            assert e.code == 400, (rule_id, e.code)
            server_takes = False
        assert extension_takes == server_takes, rule_id
