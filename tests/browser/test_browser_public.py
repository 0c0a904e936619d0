"""A page served from a public address (Chrome's Local Network Access applies) still gets
highlights, because every API call goes through the service worker."""
import pytest

from .lens_support import FixtureServer, cleanup_profile, configure, highlights, launch_with_extension, wait_ready
from .test_browser_highlight import EXPECTED_AMBIGUOUS


@pytest.fixture
def public_browser(pw, api):
    fixtures = FixtureServer().start()
    context, worker, ext_id, profile = launch_with_extension(
        pw, extra_args=[f"--ip-address-space-overrides=127.0.0.1:{fixtures.port}=public"])
    yield context, worker, ext_id, fixtures
    context.close()
    cleanup_profile(profile)
    fixtures.stop()


def test_public_page_gets_highlights(public_browser, api):
    context, worker, ext_id, fixtures = public_browser
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(fixtures.url())
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.dataset.alignLensStatus") is None  # not an added site yet
    # Adding the site in the options starts the extension in this already-open tab, no reload.
    configure(context, worker, ext_id, api.url, add_host="127.0.0.1")
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    assert highlights(page) == EXPECTED_AMBIGUOUS
    assert errors == []
    # the override is in force: a page-world fetch to the local server is blocked outright
    space = page.evaluate("""async (url) => {
        try { await fetch(url, {mode: 'no-cors'}); return 'reached'; }
        catch (e) { return 'blocked'; }
    }""", api.url + "/api/v1/health")
    assert space == "blocked"
