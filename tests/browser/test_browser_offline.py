"""Server down, restarting or refusing: the page, the badge and the popup say which, the page
console stays clean, and highlights come back by themselves when the server returns.

- off (nothing answers): the badge reads "off" on grey, the popup says the server is off with the
  command that starts it, and shows "–" (not 0) for counts it could not compute;
- an error answer (4xx / 5xx): told apart from off. The page's data-align-lens-status is "error"
  with the server's message in data-align-lens-error, the badge reads "!" on red, and the popup
  quotes the server and says what to do, while its server line still says the server answers.
"""
import time

from .lens_support import (
    ApiServer, StandInHandler, StandInServer, free_port, highlights, open_popup as _open_popup, tab_id_for, update_settings, wait_ready,
)
from .test_browser_highlight import EXPECTED_AMBIGUOUS

GREY, RED, AMBER = [107, 107, 107, 255], [176, 70, 60, 255], [154, 115, 40, 255]


def open_popup(browser, tab):
    return _open_popup(browser.context, browser.ext_id, tab)


def badge(browser, tab):
    """(text, background colour) of the toolbar badge for this tab."""
    return tuple(browser.sw.evaluate(
        """async (tabId) => [await chrome.action.getBadgeText({tabId}),
                              await chrome.action.getBadgeBackgroundColor({tabId})]""", tab))


def wait_badge(browser, page, tab, text, color, timeout=10.0):
    """Poll the badge until it reads text on color (the page reports it through the worker)."""
    deadline = time.time() + timeout
    while True:
        got = badge(browser, tab)
        if got == (text, color):
            return
        assert time.time() < deadline, f"badge {got}, wanted {(text, color)}"
        page.wait_for_timeout(100)


def counts(popup):
    return [popup.inner_text(f"#count-{s}") for s in ("ambiguous", "product", "superintelligence", "specific")]


def test_offline_then_recovers(browser, page):
    port = free_port()
    update_settings(browser.sw, serverUrl=f"http://127.0.0.1:{port}")  # nothing listens there yet
    page.goto(browser.fixtures.url())
    page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'offline'", timeout=10_000)
    assert highlights(page) == []
    tab = tab_id_for(browser.sw, browser.fixtures.url(""))
    wait_badge(browser, page, tab, "off", GREY)
    popup = open_popup(browser, tab)
    assert popup.evaluate("document.body.dataset.server") == "offline"
    help_text = popup.inner_text("#offline-help")
    assert "server is off" in help_text and "pip install -r requirements.txt && python -m server" in help_text
    assert counts(popup) == ["–"] * 4  # nothing was computed: no zeros
    assert popup.evaluate("document.body.dataset.counts") == "unknown"
    assert popup.is_hidden("#error-help")
    popup.close()

    server = ApiServer(port).start()
    try:
        # no reload: the page retries with backoff and recovers on its own
        wait_ready(page, timeout=15_000, min_count=len(EXPECTED_AMBIGUOUS))
        assert highlights(page) == EXPECTED_AMBIGUOUS
        wait_badge(browser, page, tab, str(len(EXPECTED_AMBIGUOUS)), AMBER)
        popup = open_popup(browser, tab)
        assert counts(popup)[0] == str(len(EXPECTED_AMBIGUOUS))
        popup.close()

        # the server goes away while the page is open: new content just waits, quietly
        server.stop()
        page.click("#show-more")
        page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'offline'", timeout=15_000)
        assert highlights(page) == EXPECTED_AMBIGUOUS  # what was shown stays
        wait_badge(browser, page, tab, "off", GREY)
        popup = open_popup(browser, tab)
        assert popup.evaluate("document.body.dataset.server") == "offline"
        # what was computed before is still shown, with a word about the rest
        assert counts(popup)[0] == str(len(EXPECTED_AMBIGUOUS))
        assert "not checked" in popup.inner_text("#page-note")
        popup.close()

        server = ApiServer(port).start()  # restart on the same port
        page.wait_for_function(
            "() => [...CSS.highlights.get('align-ambiguous')].some(r => r.startContainer.parentElement.id === 'c4-p')",
            timeout=15_000)
        wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS) + 1)
        wait_badge(browser, page, tab, str(len(EXPECTED_AMBIGUOUS) + 1), AMBER)
        popup = open_popup(browser, tab)
        assert popup.evaluate("document.body.dataset.server") == "online"
        popup.close()
    finally:
        server.stop()
    assert page.console_errors == []


class RefusingServer(StandInServer):
    """Answers /health and /rules as the real server does (rules from it) and every analyze with
    the error set in `answer`: (status, JSON body)."""

    def __init__(self, rules):
        outer = self
        self.answer = (400, {"error": "disabled_rules[0] is not a rule id (lowercase words joined by '-')"})
        self.analyze_calls = 0

        class Handler(StandInHandler):
            def do_GET(self):
                if self.path == "/api/v1/health":
                    self.reply(200, {"status": "ok", "version": "0.1.0"})
                elif self.path == "/api/v1/rules":
                    self.reply(200, {"rules": rules})
                else:
                    self.reply(404, {"error": "no such endpoint"})

            def do_POST(self):
                self.body()
                outer.analyze_calls += 1
                self.reply(*outer.answer)

        super().__init__(Handler)


ERROR_ATTR_JS = "() => document.documentElement.dataset.alignLensError || ''"


def test_server_error_is_not_offline(browser, page):
    refusing = RefusingServer(browser.api.get("/api/v1/rules")["rules"])
    try:
        update_settings(browser.sw, serverUrl=refusing.url)
        page.goto(browser.fixtures.url())
        page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'error'", timeout=10_000)
        assert page.evaluate(ERROR_ATTR_JS).startswith("400: disabled_rules[0] is not a rule id")
        assert highlights(page) == []
        tab = tab_id_for(browser.sw, browser.fixtures.url(""))
        wait_badge(browser, page, tab, "!", RED)
        title = browser.sw.evaluate("tabId => chrome.action.getTitle({tabId})", tab)
        assert "refused the request (HTTP 400)" in title
        popup = open_popup(browser, tab)
        assert popup.evaluate("document.body.dataset.server") == "online"  # it answers: not "off"
        assert popup.is_hidden("#offline-help")
        text = popup.inner_text("#error-help")
        assert "refused this page's request (HTTP 400)" in text
        assert "disabled_rules[0] is not a rule id" in text and "Reset the rules in Options" in text
        assert counts(popup) == ["–"] * 4
        popup.close()

        # a 500 says the server failed (and to look at its log), still not "off"
        refusing.answer = (500, {"error": "internal error; the server logged it and keeps serving"})
        page.wait_for_function(
            "() => (document.documentElement.dataset.alignLensError || '').startsWith('500: internal error')",
            timeout=20_000)
        wait_badge(browser, page, tab, "!", RED)
        popup = open_popup(browser, tab)
        text = popup.inner_text("#error-help")
        assert "failed on this page (HTTP 500)" in text and "internal error" in text
        popup.close()

        # back to the real server: marks, a count on the badge, no error left on the page
        update_settings(browser.sw, serverUrl=browser.api.url)
        wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
        assert highlights(page) == EXPECTED_AMBIGUOUS
        assert page.evaluate(ERROR_ATTR_JS) == ""
        wait_badge(browser, page, tab, str(len(EXPECTED_AMBIGUOUS)), AMBER)
    finally:
        refusing.stop()
    assert page.console_errors == []
