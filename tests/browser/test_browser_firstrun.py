"""From install to first highlight, in real Chromium:

1. a fresh profile opens the welcome page once (install), never again on an update (the worker's
   onInstalled handler given that reason) or a browser restart; its copy buttons copy the start commands; its live check says
   "waiting" until a real server starts on the configured port, then "connected"; it links to a
   LessWrong post;
2. the popup and the options page link to it.
"""
from __future__ import annotations

import time

from .lens_support import ApiServer, free_port, launch_with_extension, open_popup, poll, update_settings

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
