"""Server down or restarting: the popup says offline (with the start command), the page console
stays clean, and highlights come back by themselves when the server returns."""
from .lens_support import (
    ApiServer, free_port, highlights, open_popup as _open_popup, tab_id_for, update_settings, wait_ready,
)
from .test_browser_highlight import EXPECTED_AMBIGUOUS


def open_popup(browser, tab):
    return _open_popup(browser.context, browser.ext_id, tab)


def test_offline_then_recovers(browser, page):
    port = free_port()
    update_settings(browser.sw, serverUrl=f"http://127.0.0.1:{port}")  # nothing listens there yet
    page.goto(browser.fixtures.url())
    page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'offline'", timeout=10_000)
    assert highlights(page) == []
    tab = tab_id_for(browser.sw, browser.fixtures.url(""))
    popup = open_popup(browser, tab)
    assert popup.evaluate("document.body.dataset.server") == "offline"
    help_text = popup.inner_text("#offline-help")
    assert "python -m server" in help_text and "repo folder" in help_text
    popup.close()

    server = ApiServer(port).start()
    try:
        # no reload: the page retries with backoff and recovers on its own
        wait_ready(page, timeout=15_000, min_count=len(EXPECTED_AMBIGUOUS))
        assert highlights(page) == EXPECTED_AMBIGUOUS

        # the server goes away while the page is open: new content just waits, quietly
        server.stop()
        page.click("#show-more")
        page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'offline'", timeout=15_000)
        assert highlights(page) == EXPECTED_AMBIGUOUS  # what was shown stays
        popup = open_popup(browser, tab)
        assert popup.evaluate("document.body.dataset.server") == "offline"
        popup.close()

        server = ApiServer(port).start()  # restart on the same port
        page.wait_for_function(
            "() => [...CSS.highlights.get('align-ambiguous')].some(r => r.startContainer.parentElement.id === 'c4-p')",
            timeout=15_000)
        wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS) + 1)
        popup = open_popup(browser, tab)
        assert popup.evaluate("document.body.dataset.server") == "online"
        popup.close()
    finally:
        server.stop()
    assert page.console_errors == []
