"""The card: opened by click or keyboard, with the right question; copy, dismiss, rule off."""
from .lens_support import (
    card_state, click_highlight, highlights, open_popup, poll, tab_id_for, wait_card_open, wait_ready,
)
from .test_browser_highlight import EXPECTED_AMBIGUOUS

PROGRESS_Q = ("Progress on product alignment (AIs doing what we ask) or on superintelligence alignment "
              "(staying safe if they become strongly superhuman)?")


def open_fixture(browser, page, path="/posts/one/two-kinds-of-progress"):
    page.goto(browser.fixtures.url(path))
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))


def server_finding(api, text, needle):
    reply = api.post("/api/v1/analyze", {"blocks": [{"id": "b", "text": text}],
                                         "page": {"url": "http://127.0.0.1/posts/x", "title": "t"}})
    return next(f for f in reply["blocks"][0]["findings"] if f["text"] == needle)


def test_click_opens_card_with_question(browser, page):
    open_fixture(browser, page)
    click_highlight(page, "p-progress")
    wait_card_open(page)
    card = card_state(page)
    sentence = page.evaluate("document.getElementById('p-progress').textContent")
    expected = server_finding(browser.api, sentence, "alignment")
    assert card["question"] == expected["question"] == PROGRESS_Q
    rules = {r["id"]: r for r in browser.api.get("/api/v1/rules")["rules"]}
    assert rules[expected["rule"]]["title"] in card["why"]
    assert "Product alignment" in card["product"] and "Superintelligence alignment" in card["superintelligence"]
    assert card["buttons"] == ["Copy question", "Dismiss"]
    # the secondary actions are text links apart from the buttons, and Turn off names its rule
    more = page.evaluate("() => [...document.querySelector('align-lens-ui').shadowRoot"
                         ".querySelectorAll('.card .more button')].map(b => b.textContent)")
    title = rules[expected["rule"]]["title"]
    assert more == ["Report a wrong mark…", f"Turn off the rule ‘{title}’"]
    # the active highlight marks the use the card is about
    assert page.evaluate("CSS.highlights.get('align-active').size") == 1

    page.keyboard.press("Escape")
    assert card_state(page) is None
    click_highlight(page, "p-status")
    assert "Aligned as a product" in card_state(page)["question"]
    page.mouse.click(5, 5)  # a click outside closes it
    assert card_state(page) is None
    assert page.console_errors == []


def test_copy_question(browser, page):
    origin = browser.fixtures.url("")
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    open_fixture(browser, page)
    click_highlight(page, "p-progress")
    page.locator("align-lens-ui .card .copy").click()
    page.wait_for_function("() => document.querySelector('align-lens-ui').shadowRoot.querySelector('.status').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    sentence = page.evaluate("document.getElementById('p-progress').textContent")
    assert copied == f"> {sentence}\n\n{PROGRESS_Q}"


def test_keyboard_next_previous_and_enter(browser, page):
    open_fixture(browser, page)
    page.evaluate("window.scrollTo(0, 0)")
    tab = tab_id_for(browser.sw, browser.fixtures.url(""))
    run = "([cmd, tab]) => handleCommand(cmd, {id: tab})"
    browser.sw.evaluate(run, ["next-highlight", tab])
    page.wait_for_function("() => document.querySelector('align-lens-ui')?.shadowRoot.activeElement?.classList.contains('proxy')")
    first = page.evaluate("[...CSS.highlights.get('align-active')][0].toString()")
    assert first == "alignment"
    browser.sw.evaluate(run, ["next-highlight", tab])
    page.wait_for_function("() => [...CSS.highlights.get('align-active')][0].toString() === 'aligned'")
    browser.sw.evaluate(run, ["previous-highlight", tab])
    page.wait_for_function("() => [...CSS.highlights.get('align-active')][0].startContainer.parentElement.id === 'p-progress'")
    page.keyboard.press("Enter")
    wait_card_open(page)
    card = card_state(page)
    assert card["question"] == PROGRESS_Q
    assert card["focused"] and "copy" in card["focused"]  # keyboard users land on the first action
    page.keyboard.press("Escape")
    assert card_state(page) is None
    assert page.console_errors == []


def test_dismiss_this_use(browser, page):
    open_fixture(browser, page)
    click_highlight(page, "p-status")
    page.locator("align-lens-ui .card .dismiss").click()
    page.wait_for_function("n => Number(document.documentElement.dataset.alignLensCount) === n",
                           arg=len(EXPECTED_AMBIGUOUS) - 1)
    assert ("p-status", "aligned") not in highlights(page)
    page.reload()
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS) - 1)
    page.wait_for_timeout(200)
    assert ("p-status", "aligned") not in highlights(page)  # remembered for this page
    assert ("p-quote", "aligned") in highlights(page)        # other uses stay


def test_turn_off_rule_from_card(browser, page):
    open_fixture(browser, page)
    saved = "async () => (await chrome.storage.local.get('settings')).settings.disabledRules"
    click_highlight(page, "p-status")  # a status claim ("the model is aligned")
    wait_card_open(page)
    page.locator("align-lens-ui .card .rule-off").click()
    page.wait_for_function("() => ![...CSS.highlights.get('align-ambiguous')].some(r => r.toString() === 'aligned')")
    for _ in range(50):  # shown at once, saved a moment later
        if browser.sw.evaluate(saved):
            break
        page.wait_for_timeout(50)
    assert browser.sw.evaluate(saved) == ["status-claim"]
    page.wait_for_timeout(600)  # the page asks the server again with the rule off: still gone
    got = highlights(page)
    assert ("p-status", "aligned") not in got and ("p-quote", "aligned") not in got
    assert ("p-progress", "alignment") in got


def test_options_rule_toggle_applies_to_open_page(browser, page):
    open_fixture(browser, page)
    options = browser.context.new_page()
    options.goto(browser.ext_url("extension/options/options.html"))
    poll(options, "() => document.body.dataset.rules === 'ready'")
    # every rule from GET /api/v1/rules is listed with title, description and example
    rules = browser.api.get("/api/v1/rules")["rules"]
    assert options.locator("#rules li").count() == len(rules)
    first = rules[0]
    row = options.locator(f"#rules li[data-rule='{first['id']}']")
    assert first["title"] in row.inner_text() and first["description"] in row.inner_text()
    assert first["example"] in row.inner_text()

    options.uncheck("#rule-progress-claim")
    page.wait_for_function("() => ![...CSS.highlights.get('align-ambiguous')].some("
                           "r => r.startContainer.parentElement.closest('[id]').id === 'p-progress')")
    assert ("p-emoji", "alignment") not in highlights(page)  # also a progress claim
    assert ("p-status", "aligned") in highlights(page)
    options.check("#rule-progress-claim")
    page.wait_for_function("() => [...CSS.highlights.get('align-ambiguous')].some("
                           "r => r.startContainer.parentElement.closest('[id]').id === 'p-progress')")
    options.close()


def test_popup_counts_list_and_badge(browser, page):
    open_fixture(browser, page)
    tab = tab_id_for(browser.sw, browser.fixtures.url(""))
    badge = browser.sw.evaluate("tab => chrome.action.getBadgeText({tabId: tab})", tab)
    assert badge == str(len(EXPECTED_AMBIGUOUS))
    popup = open_popup(browser.context, browser.ext_id, tab)
    assert popup.evaluate("document.body.dataset.server") == "online"
    assert popup.inner_text("#count-ambiguous") == str(len(EXPECTED_AMBIGUOUS))
    assert int(popup.inner_text("#count-product")) >= 2
    assert popup.is_checked("#site-on")
    items = popup.locator("#list li")
    assert items.count() == len(EXPECTED_AMBIGUOUS)
    assert "progress on alignment" in items.nth(0).inner_text()
    items.nth(7).click()  # the comment: scrolls the page to it and marks it
    page.wait_for_function("() => { const a = CSS.highlights.get('align-active'); return a && a.size === 1 && "
                           "[...a][0].startContainer.parentElement.id === 'c1-p'; }")
    # the site switch turns the page off at once, and on again
    popup.uncheck("#site-on")
    page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'off'")
    assert highlights(page) == []
    popup.reload()
    poll(popup, "() => document.body.dataset.ready === '1'")
    popup.check("#site-on")
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    popup.close()
