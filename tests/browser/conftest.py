"""Session fixtures: one real API server, one fixture web server and one Chromium with the
extension for the whole browser suite (speed); per-test pages with console capture."""
from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from .lens_support import (
    ApiServer, FixtureServer, cleanup_profile, configure, launch_with_extension, update_settings,
)


class Browser:
    def __init__(self, context, worker, ext_id, profile, fixtures, api):
        self.context = context
        self.worker = worker
        self.ext_id = ext_id
        self.profile = profile
        self.fixtures = fixtures
        self.api = api

    def ext_url(self, path: str) -> str:
        return f"chrome-extension://{self.ext_id}/{path}"

    @property
    def sw(self):
        # the service worker can be stopped and restarted by Chrome; use the live one
        workers = self.context.service_workers
        return workers[0] if workers else self.worker


@pytest.fixture(scope="session")
def api():
    server = ApiServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fixtures():
    server = FixtureServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pw():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(pw, api, fixtures):
    context, worker, ext_id, profile = launch_with_extension(pw)
    configure(context, worker, ext_id, api.url, add_host="127.0.0.1")
    b = Browser(context, worker, ext_id, profile, fixtures, api)
    yield b
    context.close()
    cleanup_profile(profile)


BASELINE = {"disabledRules": [], "showClear": False, "disabledHosts": [], "checkDrafts": True}


@pytest.fixture
def page(browser):
    """A fresh tab; afterwards settings go back to the baseline, and dismissals and test hooks
    (such as a shortened request timeout) are forgotten."""
    p = browser.context.new_page()
    p.console_errors = []
    p.on("console", lambda m: p.console_errors.append(m.text) if m.type in ("error", "warning") else None)
    p.on("pageerror", lambda e: p.console_errors.append(f"pageerror: {e}"))
    yield p
    p.close()
    update_settings(browser.sw, serverUrl=browser.api.url, **BASELINE)
    browser.sw.evaluate("""async () => {
        const all = await chrome.storage.local.get(null);
        const keys = Object.keys(all).filter(k => k.startsWith('dismissed:') || k.startsWith('test:'));
        if (keys.length) await chrome.storage.local.remove(keys);
    }""")
