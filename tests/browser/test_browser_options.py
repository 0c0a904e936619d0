"""Options page: server URL test, the "show clear uses" switch, site switches; repaired settings."""
from .lens_support import free_port, highlights, poll, update_settings, wait_ready
from .test_browser_highlight import EXPECTED_AMBIGUOUS


def open_options(browser):
    options = browser.context.new_page()
    options.goto(browser.ext_url("extension/options/options.html"))
    poll(options, "() => document.body.dataset.rules === 'ready'")
    return options


def test_test_connection(browser, page):
    options = open_options(browser)
    assert options.input_value("#server-url") == browser.api.url
    options.click("#test-server")
    poll(options, "() => document.getElementById('server-result').textContent.startsWith('Connected')")
    health = browser.api.get("/api/v1/health")
    assert health["version"] in options.inner_text("#server-result")
    options.fill("#server-url", f"http://127.0.0.1:{free_port()}")
    options.click("#test-server")
    poll(options, "() => document.getElementById('server-result').textContent.startsWith('Not reachable')")
    options.fill("#server-url", "http://example.org:8765")
    options.click("#test-server")
    poll(options, "() => document.getElementById('server-result').className === 'bad'")
    options.close()


def test_show_clear_switch_and_site_switch_apply_at_once(browser, page):
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    options = open_options(browser)
    options.check("#show-clear")
    page.wait_for_function("() => (CSS.highlights.get('align-clear') || {size: 0}).size > 0")
    options.uncheck("#show-clear")
    page.wait_for_function("() => CSS.highlights.get('align-clear').size === 0")
    # the added site is listed with its own switch
    row = options.locator("#sites li[data-host='127.0.0.1'] input")
    assert row.is_checked()
    row.uncheck()
    page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'off'")
    assert highlights(page) == []
    row.check()
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    assert highlights(page) == EXPECTED_AMBIGUOUS
    options.close()


def test_corrupt_settings_are_repaired(browser, page):
    browser.sw.evaluate("""() => chrome.storage.local.set({settings: {
        version: 'x', serverUrl: 42, disabledRules: 'all', showClear: 'yes', extraSites: ['127.0.0.1', 7],
        disabledHosts: {}, apiUrl: null}})""")
    page.goto(browser.fixtures.url())
    # the page runs on the repaired settings (default server URL: ready or offline, never stuck)
    page.wait_for_function("['ready', 'offline'].includes(document.documentElement.dataset.alignLensStatus)")
    assert page.console_errors == []
    stored = browser.sw.evaluate("async () => (await chrome.storage.local.get('settings')).settings")
    assert stored["disabledRules"] == [] and stored["showClear"] is False
    assert stored["extraSites"] == ["127.0.0.1"] and stored["disabledHosts"] == []
    assert stored["serverUrl"] == "http://127.0.0.1:8765"
    update_settings(browser.sw, serverUrl=browser.api.url)
