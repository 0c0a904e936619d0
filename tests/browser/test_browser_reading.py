"""Reading with the extension (issue 12): Undo after Dismiss and Turn off, and the options page's
lists; the keyboard-only walk over every mark and what a screen reader is given; contrast ratios
computed from the computed styles in the light and dark themes; the pointer and the hint over a
mark, and marks inside links; a report of a wrong mark exported and read back by
`python -m server evaluate`. At the default width and in a 400 px wide window."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from .lens_support import (
    SERVER_DIR, card_state, click_highlight, highlight_point, highlights, poll, wait_card_open, wait_ready,
)
from .test_browser_highlight import EXPECTED_AMBIGUOUS

WIDTHS = [1040, 400]

# Our own page: a mark inside a link, and a sentence with two align words.
LINK_PAGE = "/posts/reading/marks-in-links"
LINK_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Marks in links</title>
<style>body { font: 18px/1.6 Georgia, serif; margin: 0; padding: 24px; background: #fff; color: #222; }
a { color: #5f9b65; text-decoration: none; }</style></head>
<body><div id="postContent">
<p id="p-linked">Before the comments, read <a href="/posts/two/another-post" id="mark-link">the lab's post on real progress on alignment</a> from last week.</p>
<p id="p-two">The engineers insist their chat model is aligned, but nobody there can say whether superintelligence alignment got any closer.</p>
<p id="p-filler">A paragraph about something else entirely, so the page has some length to it.</p>
</div></body></html>"""

SHADOW = "document.querySelector('align-lens-ui').shadowRoot"

MARKS_DETAIL_JS = """name => [...(CSS.highlights.get(name) || [])].map(r => [
    r.startContainer.parentElement.closest('[id]').id, r.toString(), r.startOffset, r.endOffset])"""


def marks(page, name="align-ambiguous"):
    return page.evaluate(MARKS_DETAIL_JS, name)


def open_fixture(browser, page, width=1040, query=""):
    page.set_viewport_size({"width": width, "height": 760})
    page.goto(browser.fixtures.url() + query)
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))


def open_link_page(browser, page, width=1040):
    browser.fixtures.add_page(LINK_PAGE, LINK_HTML)
    page.set_viewport_size({"width": width, "height": 760})
    page.goto(browser.fixtures.url(LINK_PAGE))
    wait_ready(page, min_count=2)


def notice(page):
    return page.evaluate(f"""() => {{
        const n = {SHADOW}.querySelector('.notice');
        if (!n || n.hidden) return null;
        const r = n.getBoundingClientRect();
        return {{text: n.querySelector('.text').textContent, role: n.getAttribute('role'),
                 left: r.left, right: r.right, bottom: r.bottom}};
    }}""")


def shadow_active(page):
    return page.evaluate("""() => {
        const h = document.querySelector('align-lens-ui');
        if (!h || document.activeElement !== h) return null;
        const a = h.shadowRoot.activeElement;
        return a ? a.className : null;
    }""")


def active_mark(page):
    return page.evaluate("""() => { const a = CSS.highlights.get('align-active');
        if (!a || !a.size) return null; const r = [...a][0];
        return [r.startContainer.parentElement.closest('[id]').id, r.toString()]; }""")


# ---------- 1. Undo, and the options page's lists ----------

@pytest.mark.parametrize("width", WIDTHS)
def test_undo_dismiss_restores_exact_marks(browser, page, width):
    open_fixture(browser, page, width)
    before = marks(page)
    click_highlight(page, "p-status")
    wait_card_open(page)
    page.locator("align-lens-ui .card .dismiss").click()
    page.wait_for_function("n => Number(document.documentElement.dataset.alignLensCount) === n",
                           arg=len(EXPECTED_AMBIGUOUS) - 1)
    shown = notice(page)
    assert shown and shown["role"] == "status" and "“aligned”" in shown["text"]
    assert shown["left"] >= 0 and shown["right"] <= width and shown["bottom"] <= 760  # in the window
    assert ["p-status", "aligned"] not in [m[:2] for m in marks(page)]
    page.locator("align-lens-ui .notice .undo").click()
    poll(page, "b => JSON.stringify([...(CSS.highlights.get('align-ambiguous') || [])].map(r => ["
               "r.startContainer.parentElement.closest('[id]').id, r.toString(), r.startOffset, r.endOffset]))"
               " === JSON.stringify(b)", before)
    assert marks(page) == before
    assert notice(page) is None
    # and the undo is saved: nothing is left dismissed for this page
    stored = browser.sw.evaluate("async () => Object.keys(await chrome.storage.local.get(null))"
                                 ".filter(k => k.startsWith('dismissed:'))")
    assert stored == []
    page.reload()
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    assert marks(page) == before
    assert page.console_errors == []


def test_undo_turn_off_restores_exact_marks(browser, page):
    open_fixture(browser, page)
    before = marks(page)
    saved = "async () => (await chrome.storage.local.get('settings')).settings.disabledRules"
    click_highlight(page, "p-status")  # a status claim
    wait_card_open(page)
    title = next(r["title"] for r in browser.api.get("/api/v1/rules")["rules"] if r["id"] == "status-claim")
    rule_off = page.locator("align-lens-ui .card .rule-off")
    assert rule_off.inner_text() == f"Turn off the rule ‘{title}’"
    # a text action, unlike the Dismiss button
    look = page.evaluate(f"""() => {{
        const c = {SHADOW};
        const s = el => {{ const x = getComputedStyle(el); return [x.borderTopWidth, x.textDecorationLine]; }};
        return [s(c.querySelector('.dismiss')), s(c.querySelector('.rule-off'))];
    }}""")
    assert look[0] != look[1] and look[1][0] == "0px" and look[1][1] == "underline"
    rule_off.click()
    page.wait_for_function("() => ![...CSS.highlights.get('align-ambiguous')].some(r => r.toString() === 'aligned')")
    shown = notice(page)
    assert shown and title in shown["text"] and "2 marks" in shown["text"]
    for _ in range(100):
        if browser.sw.evaluate(saved) == ["status-claim"]:
            break
        page.wait_for_timeout(50)
    assert browser.sw.evaluate(saved) == ["status-claim"]
    page.locator("align-lens-ui .notice .undo").click()
    poll(page, "b => JSON.stringify([...(CSS.highlights.get('align-ambiguous') || [])].map(r => ["
               "r.startContainer.parentElement.closest('[id]').id, r.toString(), r.startOffset, r.endOffset]))"
               " === JSON.stringify(b)", before)
    for _ in range(100):
        if browser.sw.evaluate(saved) == []:
            break
        page.wait_for_timeout(50)
    assert browser.sw.evaluate(saved) == []
    page.wait_for_timeout(300)  # the page asks the server again with the rule on: the same marks
    assert marks(page) == before
    assert page.console_errors == []


def test_options_list_turned_off_and_dismissed_each_restorable(browser, page):
    open_fixture(browser, page)
    before = marks(page)
    click_highlight(page, "p-problem")
    page.locator("align-lens-ui .card .dismiss").click()
    page.wait_for_function("() => ![...CSS.highlights.get('align-ambiguous')].some("
                           "r => r.startContainer.parentElement.closest('[id]').id === 'p-problem')")
    click_highlight(page, "p-status")
    page.locator("align-lens-ui .card .rule-off").click()
    page.wait_for_function("() => ![...CSS.highlights.get('align-ambiguous')].some(r => r.toString() === 'aligned')")

    options = browser.context.new_page()
    options.goto(browser.ext_url("extension/options/options.html"))
    poll(options, "() => document.body.dataset.lists === 'ready' && "
                  "!!document.querySelector('#off-rules li[data-rule=\"status-claim\"]') && "
                  "document.querySelectorAll('#dismissed .uses li').length === 1")
    title = next(r["title"] for r in browser.api.get("/api/v1/rules")["rules"] if r["id"] == "status-claim")
    poll(options, "t => document.querySelector('#off-rules li').textContent.includes(t)", title)
    use = options.locator("#dismissed .uses li")
    sentence = page.evaluate("document.getElementById('p-problem').textContent")
    assert use.locator(".quote").inner_text() == f"“{sentence}”"
    assert use.locator(".quote b").inner_text() == "alignment"
    page_url = options.locator("#dismissed li.page").get_attribute("data-page")
    assert page_url == browser.fixtures.url()

    use.locator(".restore").click()
    options.locator("#off-rules li .restore").click()
    poll(options, "() => !document.querySelector('#off-rules li') && !document.querySelector('#dismissed li')")
    assert options.is_visible("#off-empty") and options.is_visible("#dismissed-empty")
    poll(page, "b => JSON.stringify([...(CSS.highlights.get('align-ambiguous') || [])].map(r => ["
               "r.startContainer.parentElement.closest('[id]').id, r.toString(), r.startOffset, r.endOffset]))"
               " === JSON.stringify(b)", before)
    options.close()


# ---------- 2. Keyboard and screen readers ----------

def tab_until_mark(page, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if shadow_active(page) == "proxy tab on":
            return
    raise AssertionError("Tab never reached a mark")


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_only_walk_opens_every_mark(browser, page, width):
    open_fixture(browser, page, width)
    expected = [list(m) for m in EXPECTED_AMBIGUOUS]
    page.evaluate("window.scrollTo(0, 0)")
    tab_until_mark(page)  # Tab from the page, through its own links, reaches the first mark
    for i, (el_id, word) in enumerate(expected):
        assert active_mark(page) == [el_id, word]
        label = page.evaluate(f"() => {SHADOW}.activeElement.getAttribute('aria-label')")
        assert f"mark {i + 1} of {len(expected)}" in label and f"“{word}”" in label
        page.keyboard.press("Enter")
        wait_card_open(page)
        card = card_state(page)
        sentence = page.evaluate("id => document.getElementById(id).textContent.replace(/\\s+/g, ' ').trim()", el_id)
        # what a screen reader is given: a dialog named by the word, described by the sentence and question
        aria = page.evaluate(f"""() => {{
            const c = {SHADOW}.querySelector('.card');
            const text = ids => ids.split(' ').map(id => {SHADOW}.getElementById(id).textContent).join(' | ');
            const r = c.getBoundingClientRect();
            return {{role: c.getAttribute('role'), name: {SHADOW}.getElementById(c.getAttribute('aria-labelledby')).getAttribute('aria-label'),
                    described: text(c.getAttribute('aria-describedby')), left: r.left, right: r.right}};
        }}""")
        assert aria["role"] == "dialog"
        assert f"“{word}”" in aria["name"]
        assert sentence in aria["described"] and card["question"] in aria["described"] and card["question"]
        assert f"The word “{word}” in:" in aria["described"]
        assert aria["left"] >= 0 and aria["right"] <= width  # the card fits the window
        assert card["focused"] and "copy" in card["focused"]
        page.keyboard.press("Escape")
        assert card_state(page) is None
        assert shadow_active(page) == "proxy tab on"  # the focus is back on the mark
        assert active_mark(page) == [el_id, word]
        if i + 1 < len(expected):
            page.keyboard.press("Tab")
    # Shift+Tab walks back
    page.keyboard.press("Shift+Tab")
    assert active_mark(page) == expected[-2]
    page.keyboard.press("Tab")
    assert active_mark(page) == expected[-1]
    # past the last mark the focus leaves the marks
    page.keyboard.press("Tab")
    assert shadow_active(page) != "proxy tab on"
    assert page.console_errors == []


def test_card_and_options_say_how_to_use_the_keyboard(browser, page):
    open_fixture(browser, page)
    click_highlight(page, "p-progress")
    wait_card_open(page)
    keys = page.evaluate(f"() => {SHADOW}.querySelector('.keys').textContent")
    assert "Tab" in keys and "Alt+Shift+." in keys and "Esc" in keys
    options = browser.context.new_page()
    options.goto(browser.ext_url("extension/options/options.html"))
    text = options.inner_text("main")
    assert "Alt+Shift+." in text and "Shift+Tab" in text and "Alt-click" in text
    options.close()


# ---------- 3. Contrast ----------

CONTRAST_JS = r"""(names) => {
  const parse = c => { const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/.exec(c);
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null; };
  const over = (fg, bg) => [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3])).concat([1]);
  const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  // the colour painted behind an element: its backgrounds composited from the root down
  const backdrop = el => { const chain = []; for (let e = el; e; e = e.parentElement || (e.getRootNode().host || null)) chain.push(e);
    let bg = [255, 255, 255, 1];
    for (const e of chain.reverse()) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) bg = over(c, bg); }
    return bg; };
  const out = {marks: {}, texts: []};
  for (const name of names) {
    const h = CSS.highlights.get(name);
    if (!h || !h.size) continue;
    const r = [...h][0];
    const el = r.startContainer.parentElement;
    const s = getComputedStyle(el, `::highlight(${name})`);
    const page = backdrop(el);
    const line = parse(s.textDecorationColor);
    const wash = parse(s.backgroundColor);
    out.marks[name] = {onPage: ratio(over(line, page), page), onWash: wash && wash[3] > 0 ? ratio(over(line, page), over(wash, page)) : null,
                       style: s.textDecorationStyle, line: s.textDecorationLine, thickness: s.textDecorationThickness,
                       text: ratio(parse(getComputedStyle(el).color).length ? over(parse(getComputedStyle(el).color), page) : page, wash ? over(wash, page) : page)};
  }
  const link = document.querySelector('#postContent a, a');
  const ls = getComputedStyle(link);
  out.link = {line: ls.textDecorationLine, style: ls.textDecorationStyle};
  const root = document.querySelector('align-lens-ui').shadowRoot;
  for (const el of root.querySelectorAll('.card *, .notice *, .hint')) {
    if (!el.getClientRects().length) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const fg = parse(getComputedStyle(el).color);
    out.texts.push({what: el.className || el.localName, text: el.textContent.trim().slice(0, 30), ratio: ratio(over(fg, backdrop(el)), backdrop(el))});
  }
  return out;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_contrast_from_computed_styles(browser, page, theme):
    from .lens_support import update_settings
    update_settings(browser.sw, showClear=True)
    open_fixture(browser, page, query="?theme=dark" if theme == "dark" else "")
    page.wait_for_function("() => (CSS.highlights.get('align-clear-superintelligence') || {size: 0}).size > 0 && "
                           "(CSS.highlights.get('align-clear-product') || {size: 0}).size > 0")
    assert page.evaluate("document.documentElement.dataset.alignLensTheme") == theme
    # the card, the notice and the hint on screen too
    click_highlight(page, "p-progress")
    wait_card_open(page)
    page.locator("align-lens-ui .card .report-open").click()
    names = ["align-ambiguous", "align-clear-product", "align-clear-superintelligence"]
    got = page.evaluate(CONTRAST_JS, names)
    for name in names:
        m = got["marks"][name]
        assert m["onPage"] >= 3.0, (name, m)
        if m["onWash"] is not None:
            assert m["onWash"] >= 3.0, (name, m)
        assert m["text"] >= 4.5, (name, m)  # the page's own text stays readable on the wash
    styles = {got["marks"][n]["style"] for n in names}
    assert styles == {"dotted", "dashed", "double"}  # told apart without colour
    assert got["link"]["line"] == "none" or got["link"]["style"] not in styles  # unlike links
    low = [t for t in got["texts"] if t["ratio"] < 4.5]
    assert got["texts"] and not low, low
    page.keyboard.press("Escape")
    # the notice
    click_highlight(page, "p-status")
    page.locator("align-lens-ui .card .dismiss").click()
    poll(page, f"() => !{SHADOW}.querySelector('.notice').hidden")
    got = page.evaluate(CONTRAST_JS, names)
    notice_texts = [t for t in got["texts"] if t["what"] in ("text", "undo")]
    assert len(notice_texts) == 2 and all(t["ratio"] >= 4.5 for t in notice_texts), notice_texts


# ---------- 4. Pointer and hint; marks inside links ----------

POINTER_JS = """() => ({attr: document.documentElement.hasAttribute('data-align-lens-pointer'),
    cursor: getComputedStyle(document.getElementById('p-progress')).cursor})"""
HINT_JS = f"""() => {{ const h = {SHADOW}.querySelector('.hint');
    if (!h || h.hidden) return null; const r = h.getBoundingClientRect();
    return {{text: h.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom}}; }}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_pointer_and_hint_over_a_mark(browser, page, width):
    open_fixture(browser, page, width)
    point = highlight_point(page, "p-progress")
    page.mouse.move(point["x"] - 200 if point["x"] > 220 else 2, point["y"] - 60)
    assert page.evaluate(POINTER_JS)["cursor"] != "pointer"
    page.mouse.move(point["x"], point["y"])
    page.wait_for_function("() => document.documentElement.hasAttribute('data-align-lens-pointer')")
    assert page.evaluate(POINTER_JS)["cursor"] == "pointer"
    hint = poll(page, HINT_JS)
    assert hint["text"] == "Click: which alignment?"
    assert hint["bottom"] <= point["y"] and hint["left"] >= 0 and hint["right"] <= width
    # off the mark: the hand and the hint go
    page.mouse.move(point["x"], point["y"] + 120)
    page.wait_for_function("() => !document.documentElement.hasAttribute('data-align-lens-pointer')")
    poll(page, f"() => {SHADOW}.querySelector('.hint').hidden")
    assert page.evaluate(POINTER_JS)["cursor"] != "pointer"


def test_mark_inside_link(browser, page):
    open_link_page(browser, page)
    assert ("mark-link", "alignment") in highlights(page)
    point = highlight_point(page, "mark-link")
    page.mouse.move(point["x"], point["y"])
    hint = poll(page, HINT_JS)
    assert hint["text"] == "Alt-click or click here: which alignment?"
    # Alt-click opens the card and does not follow (or download) the link
    page.keyboard.down("Alt")
    page.mouse.click(point["x"], point["y"])
    page.keyboard.up("Alt")
    wait_card_open(page)
    assert page.url.endswith(LINK_PAGE)
    assert "alignment" in page.evaluate(f"() => {SHADOW}.querySelector('.quote b').textContent")
    page.keyboard.press("Escape")
    # the hint is clickable too
    page.mouse.move(point["x"], point["y"] + 80)
    page.mouse.move(point["x"], point["y"])
    hint = poll(page, HINT_JS)
    page.mouse.move((hint["left"] + hint["right"]) / 2, point["y"] - 6)  # up onto the hint
    page.mouse.click((hint["left"] + hint["right"]) / 2, (hint["top"] + hint["bottom"]) / 2)
    wait_card_open(page)
    assert page.url.endswith(LINK_PAGE)
    page.keyboard.press("Escape")
    # a plain click still follows the link
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/posts/two/another-post")
    assert page.console_errors == []


# ---------- 5. Reports ----------

ALIGN_WORD = re.compile(r"\b(?:mis|un|non-?|re|pre|co|super)?align\w*", re.IGNORECASE)


def test_report_exported_and_evaluated(browser, page, tmp_path):
    try:
        _report_round_trip(browser, page, tmp_path)
    finally:
        browser.sw.evaluate("() => chrome.storage.local.remove('reports')")


def _report_round_trip(browser, page, tmp_path):
    open_link_page(browser, page)
    sentence = page.evaluate("document.getElementById('p-two').textContent")
    # the engine's own senses for the sentence's align words, from the API
    reply = browser.api.post("/api/v1/analyze", {"blocks": [{"id": "b", "text": sentence}],
                                                 "page": {"url": browser.fixtures.url(LINK_PAGE), "title": "t"}})
    findings = reply["blocks"][0]["findings"]
    words = [(m.start(), m.end()) for m in ALIGN_WORD.finditer(sentence)]
    assert len(words) == 2
    engine = [next((f["sense"] for f in findings if f["start"] < e and s < f["end"]), "none") for s, e in words]
    assert engine[0] == "ambiguous"

    click_highlight(page, "p-two", text="aligned")
    wait_card_open(page)
    page.locator("align-lens-ui .card .report-open").click()
    assert page.evaluate(f"() => {SHADOW}.querySelector('.report-open').getAttribute('aria-expanded')") == "true"
    page.locator("align-lens-ui .card .report button[data-sense='product']").click()
    page.wait_for_function(f"() => {SHADOW}.querySelector('.status').textContent.startsWith('Reported as product')")

    options = browser.context.new_page()
    options.goto(browser.ext_url("extension/options/options.html"))
    poll(options, "() => document.querySelectorAll('#reports li').length === 1")
    row = options.inner_text("#reports li")
    assert "you said product" in row and "Marked ambiguous" in row
    with options.expect_download() as info:
        options.click("#export-reports")
    path = tmp_path / "reports.jsonl"
    info.value.save_as(str(path))
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    item = json.loads(lines[0])
    assert item["text"] == sentence
    assert item["labels"] == ["product"] + engine[1:]
    assert item["source_group"] == browser.fixtures.url(LINK_PAGE)

    out = subprocess.run([sys.executable, "-m", "server", "evaluate", str(path), "--show-errors"],
                         cwd=str(SERVER_DIR), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # both words are read, and the reader's label, against the engine's, is the one error listed
    assert "2 occurrences in 1 sentences" in out.stdout, out.stdout
    assert f"- {item['id']} gold=product got=ambiguous" in out.stdout, out.stdout
    assert "[[aligned]]" in out.stdout

    # deletable
    options.click("#reports li .delete")
    poll(options, "() => !document.querySelector('#reports li')")
    assert browser.sw.evaluate("async () => (await chrome.storage.local.get('reports')).reports") == []
    options.close()
