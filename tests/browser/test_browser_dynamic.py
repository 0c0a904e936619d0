"""Content that arrives late and client-side navigation get highlighted within a second."""
import time

from .lens_support import highlights, wait_ready
from .test_browser_highlight import EXPECTED_AMBIGUOUS


def wait_for_highlight(page, element_id, timeout=2000):
    started = time.monotonic()
    page.wait_for_function(
        "id => [...(CSS.highlights.get('align-ambiguous') || [])].some("
        "r => r.startContainer.parentElement && r.startContainer.parentElement.closest('[id]') && "
        "r.startContainer.parentElement.closest('[id]').id === id)",
        arg=element_id, timeout=timeout)
    return time.monotonic() - started


def test_show_more_read_more_and_popups(browser, page):
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    page.click("#show-more")           # inserts a comment in the middle of the list
    assert wait_for_highlight(page, "c4-p") < 1.0
    page.click("#read-more")           # expands a truncated comment in place
    assert wait_for_highlight(page, "c3-p") < 1.0
    page.hover("#hover-link")          # a hover preview mounted outside #postContent
    assert wait_for_highlight(page, "popper-p") < 1.0
    got = highlights(page)
    assert ("c4-p", "alignment") in got and ("c3-p", "alignment") in got and ("popper-p", "aligned") in got
    # document order is kept: the inserted comment sits before the last one
    ids = [i for i, _ in got]
    assert ids.index("c1-p") < ids.index("c3-p") < ids.index("c4-p")
    assert page.evaluate("document.documentElement.dataset.alignLensCount") == str(len(got))
    assert page.console_errors == []


def test_client_side_navigation(browser, page):
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    page.click("#nav-link")           # pushState + old route hidden with display:none
    assert wait_for_highlight(page, "n-p1") < 1.0
    page.wait_for_function("() => ![...CSS.highlights.get('align-ambiguous')].some("
                           "r => r.startContainer.parentElement.closest('[id]').id === 'p-progress')")
    assert highlights(page) == [("n-p1", "alignment")]
    assert page.url.endswith("/posts/two/another-post")
    page.go_back()                    # popstate: the earlier route shows again
    wait_for_highlight(page, "p-progress")
    page.wait_for_function("n => Number(document.documentElement.dataset.alignLensCount) === n",
                           arg=len(EXPECTED_AMBIGUOUS))
    assert highlights(page) == EXPECTED_AMBIGUOUS
    assert page.console_errors == []
