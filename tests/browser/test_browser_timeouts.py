"""The extension never amplifies (issue 9): a block whose request timed out is not sent again on
that page view, nor is a block the server says it did not analyse; the popup says how many were
skipped and why, and the rest of the page is marked as usual.

Between the extension and the real server sits a proxy that holds back any request carrying a
slow block (past the extension's request timeout, shortened here by the worker's test hook) and
marks another block as not analysed in the server's own `warnings` format."""
from __future__ import annotations

import json
import threading
import time

from .lens_support import (
    StandInHandler, StandInServer, highlights, open_popup, poll, set_request_timeout, tab_id_for, update_settings, wait_ready,
)
from .test_browser_highlight import EXPECTED_AMBIGUOUS

SLOW = "Slowpoke"      # a request holding this word is answered only after the timeout
LEFT_OUT = "Leftover"  # a block holding this word comes back as not analysed
TIMEOUT_MS = 1500
HOLD_S = 3.0
NOT_ANALYSED = "blocks not analysed, their findings are empty; send them again later (time budget): {}"


class Proxy(StandInServer):
    """Forwards to the real API; counts the requests that carried each marked block."""

    def __init__(self, upstream: str):
        self.seen = {SLOW: 0, LEFT_OUT: 0}
        self.lock = threading.Lock()
        proxy = self

        class Handler(StandInHandler):
            def do_GET(self):
                self.reply(*self.forward(upstream))

            def do_POST(self):
                data = self.body()
                body = json.loads(data)
                texts = [b["text"] for b in body.get("blocks", [])]
                with proxy.lock:
                    for marker in proxy.seen:
                        proxy.seen[marker] += any(marker in t for t in texts)
                if any(SLOW in t for t in texts):
                    time.sleep(HOLD_S)  # the extension has given up by now
                answer = json.loads(self.forward(upstream, data)[1])
                left = [b["id"] for b in body["blocks"] if LEFT_OUT in b["text"]]
                if left:
                    for b in answer["blocks"]:
                        if b["id"] in left:
                            b["findings"] = []
                    answer.setdefault("warnings", []).append(NOT_ANALYSED.format(json.dumps(left)))
                self.reply(200, answer)

        super().__init__(Handler)


ADD_COMMENT_JS = """paragraphs => {
    const node = document.createElement('div');
    node.className = 'comments-node';
    for (const [id, text] of paragraphs) {
        const p = document.createElement('p');
        p.id = id;
        p.textContent = text;
        node.append(p);
    }
    document.getElementById('comments').append(node);
}"""


def wait_skipped(page, n, timeout=10_000):
    page.wait_for_function(
        "n => document.documentElement.dataset.alignLensStatus === 'ready' && "
        "Number(document.documentElement.dataset.alignLensSkipped) === n", arg=n, timeout=timeout)


def wait_marked(page, element_id, timeout=10_000):
    page.wait_for_function(
        "id => [...(CSS.highlights.get('align-ambiguous') || [])].some(r => r.startContainer.parentElement.id === id)",
        arg=element_id, timeout=timeout)


def test_timed_out_and_unanalysed_blocks_are_skipped_not_resent(browser, page):
    proxy = Proxy(browser.api.url)
    try:
        set_request_timeout(browser.sw, TIMEOUT_MS)
        update_settings(browser.sw, serverUrl=proxy.url)
        url = browser.fixtures.url()
        page.goto(url)
        wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
        assert highlights(page) == EXPECTED_AMBIGUOUS

        # A comment arrives that the server cannot answer in time: given up after the timeout,
        # skipped, and the page goes on.
        started = time.monotonic()
        page.evaluate(ADD_COMMENT_JS, [["slow-p", f"{SLOW} says there was real progress on alignment."]])
        wait_skipped(page, 1)
        assert time.monotonic() - started < HOLD_S  # the timeout, not the proxy's answer, ended it
        assert highlights(page) == EXPECTED_AMBIGUOUS

        # Two more: one the server leaves out (its warning names it), one it analyses.
        page.evaluate(ADD_COMMENT_JS, [["left-p", f"{LEFT_OUT} claims real progress on alignment."],
                                       ["fine-p", "Another reader doubts the progress on alignment."]])
        wait_marked(page, "fine-p")
        wait_skipped(page, 2)

        # Later changes scan again; the skipped blocks are not sent again.
        page.evaluate(ADD_COMMENT_JS, [["late-p", "A late reply: progress on alignment is unclear."]])
        wait_marked(page, "late-p")
        time.sleep(HOLD_S)  # time enough for any retry to have gone out
        assert proxy.seen == {SLOW: 1, LEFT_OUT: 1}
        assert highlights(page) == EXPECTED_AMBIGUOUS + [("fine-p", "alignment"), ("late-p", "alignment")]

        popup = open_popup(browser.context, browser.ext_id, tab_id_for(browser.sw, url))
        note = poll(popup, "() => !document.getElementById('skipped-note').hidden && "
                           "document.getElementById('skipped-note').textContent")
        assert note == ("1 block skipped: the server took too long. "
                        "1 block skipped: the server did not analyse it (time budget).")
        popup.close()
    finally:
        set_request_timeout(browser.sw, None)
        proxy.stop()
    assert page.console_errors == []
