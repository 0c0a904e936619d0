"""From install to first highlight, in real Chromium:

1. a fresh profile opens the welcome page once (install), never again on an update (the worker's
   onInstalled handler given that reason) or a browser restart; its copy buttons copy the start commands; its live check says
   "waiting" until a real server starts on the configured port, then "connected"; it links to a
   LessWrong post;
2. the popup and the options page link to it;
3. the popup adds the current site in one click and the open page gets marks without a reload,
   and it says when a page cannot be read (browser pages, files, the stores, PDFs).
"""
from __future__ import annotations

import time

from .lens_support import (
    ApiServer, free_port, highlights, launch_with_extension, open_popup, poll, tab_id_for, update_settings, wait_ready,
)
from .test_browser_highlight import EXPECTED_AMBIGUOUS

WELCOME = "extension/welcome/welcome.html"


def pump(context, seconds):
    """Wait while Playwright takes in the browser's events (a bare time.sleep would not)."""
    blank = [p for p in context.pages if p.url == "about:blank"]
    if blank:
        blank[0].wait_for_timeout(seconds * 1000)
    else:
        time.sleep(seconds)


def welcome_pages(context, ext_id):
    return [p for p in context.pages if p.url.startswith(f"chrome-extension://{ext_id}/{WELCOME}")]


def wait_welcome(context, ext_id, timeout=15.0):
    deadline = time.time() + timeout
    while not welcome_pages(context, ext_id):
        assert time.time() < deadline, f"no welcome page; open: {[p.url for p in context.pages]}"
        pump(context, 0.1)
    page = welcome_pages(context, ext_id)[0]
    page.wait_for_load_state()
    return page


def test_welcome_on_install_only(pw, tmp_path):
    profile = str(tmp_path / "profile")
    port = free_port()  # nothing listens there yet
    context, worker, ext_id, _ = launch_with_extension(pw, user_data_dir=profile)
    server = None
    try:
        welcome = wait_welcome(context, ext_id)
        update_settings(worker, serverUrl=f"http://127.0.0.1:{port}")
        welcome.bring_to_front()
        poll(welcome, "p => document.body.dataset.server === 'waiting' && "
                      "document.getElementById('server-check-text').textContent.includes(p)",
             f"127.0.0.1:{port}", timeout=15)
        text = welcome.inner_text("main")
        assert "product alignment" in text and "superintelligence alignment" in text
        commands = welcome.eval_on_selector_all(".command code", "els => els.map(e => e.textContent)")
        assert commands == ["cd alignment-lens", "pip install -r requirements.txt && python -m server",
                            "python -m server service install"]
        link = welcome.get_attribute("#next-step", "href")
        assert link.startswith("https://www.lesswrong.com/posts/")

        # each copy button copies its own command: the real clipboard write succeeds ("Copied"), and
        # what it was given is recorded on the way (reading the clipboard back needs a permission
        # Chromium does not grant extension origins in tests)
        welcome.evaluate("""() => {
            const write = navigator.clipboard.writeText.bind(navigator.clipboard);
            window.__copied = [];
            navigator.clipboard.writeText = (text) => { window.__copied.push(text); return write(text); };
        }""")
        for code_id in ["cmd-cd", "cmd-start", "cmd-service"]:
            welcome.click(f"button[data-copy='{code_id}']")
            poll(welcome, "id => document.querySelector(`button[data-copy='${id}']`).textContent === 'Copied'", code_id)
        assert welcome.evaluate("window.__copied") == commands

        # the server starts: the page notices by itself
        server = ApiServer(port).start()
        poll(welcome, "() => document.body.dataset.server === 'connected'", timeout=15)
        assert "Connected" in welcome.inner_text("#server-check")
        # and stops: back to waiting
        server.stop()
        poll(welcome, "() => document.body.dataset.server === 'waiting'", timeout=15)

        # an update (or Chrome's own) opens no second welcome page. Chromium disables an extension
        # loaded with --load-extension when it reloads itself, so the worker's own onInstalled
        # handler is called with those reasons (the "install" above was the browser's real event).
        welcome.close()
        worker.evaluate("""async () => {
            await onInstalled({reason: 'update', previousVersion: '0.0.1'});
            await onInstalled({reason: 'chrome_update', previousVersion: '0.0.1'});
        }""")
        pump(context, 1.0)  # a wrongly opened tab would show within this; its absence is the assertion
        assert welcome_pages(context, ext_id) == []
    finally:
        if server:
            server.stop()
        context.close()

    # a browser restart on the same profile: no welcome page either (Chromium even reports
    # "install" again for a --load-extension extension; the profile remembers it was shown)
    context, worker, ext_id_again, _ = launch_with_extension(pw, user_data_dir=profile)
    try:
        assert ext_id_again == ext_id
        worker.evaluate("() => chrome.storage.local.get('settings')")
        pump(context, 1.0)
        assert welcome_pages(context, ext_id) == []
    finally:
        context.close()


def test_popup_and_options_link_to_welcome(browser, page):
    page.goto(browser.fixtures.url())
    tab = browser.sw.evaluate("async () => (await chrome.tabs.query({})).find(t => (t.url || '').includes('/posts/')).id")
    popup = open_popup(browser.context, browser.ext_id, tab)
    with browser.context.expect_page() as opened:
        popup.click("#open-welcome")
    welcome = opened.value
    welcome.wait_for_load_state()
    assert welcome.url == browser.ext_url(WELCOME)
    poll(welcome, "() => document.body.dataset.server === 'connected'", timeout=15)
    welcome.close()
    popup.close()

    options = browser.context.new_page()
    options.goto(browser.ext_url("extension/options/options.html"))
    options.click("#open-welcome")
    options.wait_for_url(browser.ext_url(WELCOME))
    poll(options, "() => document.body.dataset.server === 'connected'", timeout=15)
    options.close()


def test_popup_adds_the_current_site_in_one_click(browser, page):
    """A page on a site not yet added: the popup's one button asks for the site (the permission is
    already held for localhost, so the request resolves without a prompt, as a granted prompt
    would), and the open page gets its marks without a reload."""
    url = browser.fixtures.url(host="localhost")
    page.goto(url)
    page.wait_for_load_state()
    tab = tab_id_for(browser.sw, url)
    popup = open_popup(browser.context, browser.ext_id, tab)
    try:
        assert popup.evaluate("document.body.dataset.page") == "inactive"
        assert popup.inner_text("#add-site") == "Add localhost"
        assert popup.is_hidden("#site-switch")
        assert highlights(page) == []
        popup.click("#add-site")
        wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))  # the same page, never reloaded
        assert highlights(page) == EXPECTED_AMBIGUOUS
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
        assert "localhost" in browser.sw.evaluate("async () => (await chrome.storage.local.get('settings')).settings.extraSites")
        poll(popup, "() => document.body.dataset.page === 'ready'", timeout=10)
        assert popup.inner_text("#count-ambiguous") == str(len(EXPECTED_AMBIGUOUS))
        assert popup.is_visible("#site-switch") and popup.is_hidden("#add-site")
    finally:
        popup.close()
        update_settings(browser.sw, extraSites=["127.0.0.1"])
    assert page.console_errors == []


def test_popup_says_when_a_page_cannot_be_read(browser, page):
    page.goto("about:blank")
    tab = browser.sw.evaluate("async () => (await chrome.tabs.query({})).filter(t => !t.url).map(t => t.id)")
    popup = open_popup(browser.context, browser.ext_id, tab[-1])
    try:
        # this tab's address is hidden from an extension not opened from the toolbar on it
        assert popup.evaluate("document.body.dataset.page") == "unreadable"
        assert popup.is_hidden("#add-site")
        assert "toolbar button" in popup.inner_text("#page-note")
        reasons = popup.evaluate("""urls => urls.map(u => AlignLensPopup.unreadable(u))""", [
            "chrome://extensions/", "about:blank", "file:///home/me/post.html",
            "https://chromewebstore.google.com/detail/x", "https://chrome.google.com/webstore/category",
            "https://addons.mozilla.org/en-US/firefox/", "https://example.org/paper.pdf",
            "https://example.org/posts/1", "http://127.0.0.1:8000/",
        ])
        assert "browser's own pages" in reasons[0] and "browser's own pages" in reasons[1]
        assert "file://" in reasons[2]
        assert all("extension store" in r for r in reasons[3:6])
        assert "PDF viewer" in reasons[6]
        assert reasons[7:] == [None, None]
    finally:
        popup.close()


def test_popup_shows_the_keys_to_the_marks(browser, page):
    """#12: the keyboard way to the marks, as the browser has them bound (chrome.commands)."""
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    tab = tab_id_for(browser.sw, browser.fixtures.url(""))
    popup = open_popup(browser.context, browser.ext_id, tab)
    try:
        bound = popup.evaluate("async () => Object.fromEntries((await chrome.commands.getAll()).map(c => [c.name, c.shortcut]))")
        poll(popup, "() => document.getElementById('keys').textContent.length > 0")
        text = popup.inner_text("#keys")
        assert bound["next-highlight"], bound  # the manifest's suggested keys are bound in a fresh profile
        shown = {"next-highlight": popup.get_attribute("#keys", "data-next"),
                 "previous-highlight": popup.get_attribute("#keys", "data-previous")}
        for name, shortcut in shown.items():
            assert shortcut == bound[name].replace("Period", ".").replace("Comma", ",")
        assert text == f"{shown['next-highlight']} / {shown['previous-highlight']} move between marks; Enter opens one."
        assert shown["next-highlight"] == "Alt+Shift+."
    finally:
        popup.close()
