"""Drafts (issue 13, the browser half): the user's own writing in a REAL CKEditor 5, a REAL
Lexical (tests/fixtures/lexical.html) and a Markdown <textarea> is checked while they type,
after a pause; the card opened from a draft's mark offers the server's rewrites, and choosing
one edits the draft through the editor's own input path, so Ctrl+Z brings the original back.

Between the extension and the real server sits a pass-through proxy that records every analyze
request (when, and which block texts), so the tests can count what typing sends."""
from __future__ import annotations

import json
import threading
import time

import pytest

from .lens_support import REPO, StandInHandler, StandInServer, content_script_eval, poll, update_settings

FIXTURE = "/drafts.html"
LEXICAL_FIXTURE = "/lexical.html"
ARTIFACTS = REPO / "tests" / ".artifacts"
CKEDITOR_BUILD = REPO / "tests" / "fixtures" / "editors" / "node_modules" / "ckeditor5" / "dist" / "browser" / "ckeditor5.umd.js"
LEXICAL_BUILD = REPO / "tests" / "fixtures" / "editors" / "node_modules" / "lexical" / "dist" / "Lexical.prod.js"

FIRST = "We made progress on alignment this year with our AI models."
SECOND = "The lab says alignment is solved for chatbots."


class RecordingProxy(StandInServer):
    """Forwards everything to the real API; keeps (time, [block texts]) of each analyze POST."""

    def __init__(self, upstream: str):
        self.requests: list[tuple[float, list[str]]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(StandInHandler):
            def do_GET(self):
                self.reply(*self.forward(upstream))

            def do_POST(self):
                data = self.body()
                if self.path.endswith("/analyze"):
                    with proxy.lock:
                        proxy.requests.append((time.monotonic(), [b["text"] for b in json.loads(data).get("blocks", [])]))
                self.reply(*self.forward(upstream, data))

        super().__init__(Handler)

    def since(self, t0: float):
        with self.lock:
            return [r for r in self.requests if r[0] >= t0]


@pytest.fixture
def proxy(browser):
    p = RecordingProxy(browser.api.url)
    update_settings(browser.sw, serverUrl=p.url)
    yield p
    p.stop()  # the page fixture puts serverUrl back


def record(name: str, value) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "drafts.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = value
    path.write_text(json.dumps(data, indent=2))


DRAFT_MARKS_JS = """() => {
    const h = CSS.highlights.get('align-draft');
    if (!h) return [];
    return [...h].map(r => {
        const host = r.startContainer.getRootNode().host;
        const where = host ? host.localName : (r.startContainer.parentElement.closest('[contenteditable]') ? 'editor' : 'page');
        return [where, r.toString()];
    });
}"""

MARK_POINT_JS = """([where, text, nth]) => {
    const h = CSS.highlights.get('align-draft');
    const ranges = h ? [...h].filter(r => r.toString() === text &&
        ((r.startContainer.getRootNode().host ? 'mirror' : 'editor') === where)) : [];
    const r = ranges[nth || 0];
    if (!r) return null;
    const q = r.getClientRects()[0];
    return {x: q.left + q.width / 2, y: q.top + q.height / 2, left: q.left, top: q.top, right: q.right, bottom: q.bottom};
}"""

REWRITES_JS = """() => {
    const host = document.querySelector('align-lens-ui');
    const card = host && host.shadowRoot.querySelector('.card');
    if (!card || card.hidden) return null;
    const box = card.querySelector('.rewrites');
    return {hidden: box.hidden, buttons: [...box.querySelectorAll('button')].map(b => [b.dataset.sense, b.querySelector('b').textContent]),
            shown: [...box.querySelectorAll('button')].map(b => b.textContent)};
}"""


def wait_until(page, js, arg=None, timeout=10.0, interval=0.02):
    """Poll a main-world expression until truthy; returns (value, seconds waited)."""
    t0 = time.monotonic()
    while True:
        value = page.evaluate(js, arg)
        if value:
            return value, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {js[:80]}")
        time.sleep(interval)


def open_fixture(browser, page, path=FIXTURE, build=CKEDITOR_BUILD):
    assert build.is_file(), f"{build.name} is installed by tests/run.sh (npm ci in tests/fixtures/editors)"
    page.goto(browser.fixtures.url(path))
    page.wait_for_function("document.documentElement.dataset.editorReady === '1' || !!document.documentElement.dataset.editorError")
    assert page.evaluate("document.documentElement.dataset.editorError || ''") == ""
    page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'ready'")


def type_two_paragraphs(page, proxy, editable: str, editor: str):
    """Type FIRST, then SECOND as a new paragraph, into the rich editor at `editable`, checking
    each is marked after its pause and sent alone; records the pause-to-marks time as `editor`."""
    page.locator(editable).click()
    page.keyboard.type(FIRST, delay=15)
    marks, _ = wait_until(page, DRAFT_MARKS_JS)
    assert marks == [["editor", "alignment"]]
    # checked after the pause, not while typing: no request before the last key
    # not a request a key: the sentence went out once, whole (after the pause, or at the 3 s
    # ceiling when typing took that long), and at most one partial text before it
    assert [texts for _, texts in proxy.requests].count([FIRST]) == 1
    assert len(proxy.requests) <= 2, proxy.requests
    # the reading scan leaves the editor alone
    assert page.evaluate("() => [...(CSS.highlights.get('align-ambiguous') || [])].length") == 0

    # a second paragraph: only it is sent
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    before = time.monotonic()
    page.keyboard.type(SECOND, delay=15)
    _, waited = wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 2")
    record(f"{editor}_pause_to_marks_ms", round(waited * 1000))
    sent = [t for _, texts in proxy.since(before) for t in texts]
    assert sent and FIRST not in sent, sent
    assert any(SECOND in t for t in sent)


def test_ckeditor_draft_marks_rewrite_and_undo(browser, page, proxy):
    open_fixture(browser, page)
    type_two_paragraphs(page, proxy, ".ck-editor__editable", "ckeditor")

    # the card from a click on the first mark offers the rewrites; one of them edits the draft
    point = page.evaluate(MARK_POINT_JS, ["editor", "alignment", 0])
    page.mouse.click(point["x"], point["y"])
    state, _ = wait_until(page, REWRITES_JS)
    assert state["hidden"] is False
    # each shows the draft as it will read
    assert state["shown"][1] == "We made progress on superintelligence alignment this year with our AI…"
    assert state["buttons"] == [["product", "product alignment"], ["superintelligence", "superintelligence alignment"]]
    # the keyboard stays in the editor while the card is open
    assert page.evaluate("() => document.activeElement.classList.contains('ck-editor__editable')")
    page.locator("align-lens-ui .rewrites button.superintelligence").click()
    original = f"<p>{FIRST}</p><p>{SECOND}</p>"
    rewritten = original.replace("progress on alignment", "progress on superintelligence alignment")
    wait_until(page, "html => window.commentEditor.getData() === html", rewritten)
    # the card closed; the use is no longer ambiguous once checked again
    assert page.evaluate(REWRITES_JS) is None
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 1")

    page.keyboard.press("Control+z")
    wait_until(page, "html => window.commentEditor.getData() === html", original)
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 2")
    assert page.console_errors == []



def test_lexical_draft_marks_rewrite_and_undo(browser, page, proxy):
    """A REAL Lexical editor (LessWrong's other rich editor): the rewrite reaches Lexical's own
    editor state, not just its DOM, and Lexical's history undoes it."""
    open_fixture(browser, page, LEXICAL_FIXTURE, LEXICAL_BUILD)
    type_two_paragraphs(page, proxy, ".LexicalContentEditable-root", "lexical")
    original = f"{FIRST}\n\n{SECOND}"  # Lexical's text (its state): paragraphs joined by a blank line
    assert page.evaluate("window.lexicalText()") == original

    point = page.evaluate(MARK_POINT_JS, ["editor", "alignment", 0])
    page.mouse.click(point["x"], point["y"])
    state, _ = wait_until(page, REWRITES_JS)
    assert state["buttons"] == [["product", "product alignment"], ["superintelligence", "superintelligence alignment"]]
    assert page.evaluate("() => document.activeElement.classList.contains('LexicalContentEditable-root')")
    # what reaches the page after Lexical's own handler on the root (so: whether Lexical took it)
    page.evaluate("""() => { window.seenInputs = [];
        window.addEventListener('beforeinput', e => seenInputs.push([e.inputType, e.defaultPrevented])); }""")
    page.locator("align-lens-ui .rewrites button.superintelligence").click()
    rewritten = original.replace("progress on alignment", "progress on superintelligence alignment")
    wait_until(page, "t => window.lexicalText() === t", rewritten)
    # one replacement, applied by Lexical to its model (it cancels the event and renders it itself)
    assert page.evaluate("window.seenInputs") == [["insertReplacementText", True]]
    assert page.evaluate("() => [...document.querySelectorAll('#lexical-editor p')].map(p => p.textContent)") == \
        rewritten.split("\n\n")
    assert page.evaluate(REWRITES_JS) is None
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 1")

    page.keyboard.press("Control+z")
    wait_until(page, "t => window.lexicalText() === t", original)
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 2")
    # the editor goes on taking typing after the undo, into its state
    page.keyboard.press("Control+End")
    page.keyboard.type(" More.", delay=15)
    wait_until(page, "t => window.lexicalText() === t", original + " More.")
    assert page.console_errors == []


def test_textarea_mirror_marks_rewrite_and_undo(browser, page, proxy):
    open_fixture(browser, page)
    area = page.locator("#markdown")
    area.click()
    text = "Some notes first.\n\n```\nalign(x) is code\n```\n\n" + FIRST
    for i, part in enumerate(text.split("\n")):
        if i:
            page.keyboard.press("Enter")
        page.keyboard.type(part, delay=10)
    assert area.input_value() == text
    marks, _ = wait_until(page, DRAFT_MARKS_JS)
    assert marks == [["align-lens-drafts", "alignment"]]  # in the mirror; code fences are not sent
    sent = [t for _, texts in proxy.requests for t in texts]
    assert not any("align(x)" in t for t in sent)
    # more in the same paragraph: its marks are redrawn at once from what is known, the new
    # use marked after the pause
    page.keyboard.type(" " + SECOND, delay=15)
    _, waited = wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 2")
    record("textarea_pause_to_marks_ms", round(waited * 1000))
    text = text + " " + SECOND

    # the mirror lies over the textarea, with the mark on the textarea's own word
    point = page.evaluate(MARK_POINT_JS, ["mirror", "alignment", 0])
    box = area.bounding_box()
    assert box["x"] <= point["left"] and point["right"] <= box["x"] + box["width"]
    assert box["y"] <= point["top"] and point["bottom"] <= box["y"] + box["height"]
    # the click reaches the textarea (the mirror takes no pointer events) and lands in the word
    page.mouse.click(point["x"], point["y"])
    caret = page.evaluate("() => document.getElementById('markdown').selectionStart")
    word_at = text.index("alignment")
    assert word_at <= caret <= word_at + len("alignment")
    state, _ = wait_until(page, REWRITES_JS)
    assert state["buttons"] == [["product", "product alignment"], ["superintelligence", "superintelligence alignment"]]
    page.locator("align-lens-ui .rewrites button.product").click()
    wait_until(page, "t => document.getElementById('markdown').value === t",
               text.replace("progress on alignment", "progress on product alignment"))
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 1")  # now clear

    page.keyboard.press("Control+z")
    wait_until(page, "t => document.getElementById('markdown').value === t", text)
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size === 2")
    # scrolling the textarea scrolls the mirror with it
    page.evaluate("() => { const t = document.getElementById('markdown'); t.style.height = '60px'; t.scrollTop = 40; t.dispatchEvent(new Event('scroll')); }")
    wait_until(page, """() => {
        const m = document.querySelector('align-lens-drafts').shadowRoot.querySelector('.mirror');
        const t = document.getElementById('markdown');
        return m.scrollTop === t.scrollTop && Math.abs(m.getBoundingClientRect().height - t.clientHeight) < 1;
    }""")
    assert page.console_errors == []


def test_plain_contenteditable_rewrite_and_undo(browser, page, proxy):
    """A contenteditable with no editor behind it: the browser's own insertText edits it, and its
    own undo brings the original back."""
    open_fixture(browser, page)
    page.locator("#plain-editor").click()
    page.keyboard.type(FIRST, delay=10)
    marks, _ = wait_until(page, DRAFT_MARKS_JS)
    assert marks == [["editor", "alignment"]]
    point = page.evaluate(MARK_POINT_JS, ["editor", "alignment", 0])
    page.mouse.click(point["x"], point["y"])
    wait_until(page, REWRITES_JS)
    page.locator("align-lens-ui .rewrites button.product").click()
    wait_until(page, "t => document.getElementById('plain-editor').textContent === t",
               FIRST.replace("progress on alignment", "progress on product alignment"))
    page.keyboard.press("Control+z")
    wait_until(page, "t => document.getElementById('plain-editor').textContent === t", FIRST)
    wait_until(page, DRAFT_MARKS_JS)
    assert page.console_errors == []


def test_fast_typing_sends_a_bounded_number_of_requests(browser, page, proxy):
    open_fixture(browser, page)
    page.locator(".ck-editor__editable").click()
    words = "Our alignment work on these AI models keeps going and the results look good so far. ".split(" ")
    start = time.monotonic()
    keys = 0
    i = 0
    while time.monotonic() - start < 5.0:
        word = words[i % len(words)] + " "
        page.keyboard.type(word, delay=8)
        keys += len(word)
        i += 1
    typing_s = time.monotonic() - start
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size >= 1")
    # every request this typing caused: until none has come for twice the checker's pause
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        last = max([t for t, _ in proxy.since(start)] or [start])
        if time.monotonic() - last > 1.0:
            break
        time.sleep(0.05)
    during = proxy.since(start)
    # about one check every 3 s of continuous typing (the debounce's ceiling) and one after the
    # pause: never one a key
    assert 1 <= len(during) <= 3, [t - start for t, _ in during]
    record("fast_typing", {"seconds": round(typing_s, 2), "keys": keys, "requests": len(during),
                           "keys_per_second": round(keys / typing_s, 1)})
    assert page.console_errors == []


COUNT_SCANS_JS = """(() => { const s = globalThis.__alignLens.scanner; s.testScans = 0;
    const scan = s.scan.bind(s); s.scan = (...a) => { s.testScans++; return scan(...a); }; return true; })()"""


def test_typing_in_an_editor_does_not_rescan_the_page(browser, page, proxy):
    open_fixture(browser, page)
    page.locator(".ck-editor__editable").click()
    # Focus adds CKEditor's own UI to the page (a "powered by" balloon): a real page change, once.
    page.wait_for_timeout(400)
    assert content_script_eval(page, COUNT_SCANS_JS)
    page.keyboard.type(FIRST, delay=5)
    wait_until(page, "() => (CSS.highlights.get('align-draft') || {size: 0}).size >= 1")
    page.wait_for_timeout(400)  # past the page watcher's own debounce (150 ms)
    scans = "globalThis.__alignLens.scanner.testScans"
    assert content_script_eval(page, scans) == 0
    # while a change to the page's own text does wake the reading scan
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p>A late comment on alignment.</p>')")
    deadline = time.monotonic() + 5
    while content_script_eval(page, scans) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert content_script_eval(page, scans) >= 1


def test_check_my_drafts_off_leaves_editors_alone(browser, page, proxy):
    # switched off on the options page, as a user does
    options = browser.context.new_page()
    options.goto(browser.ext_url("extension/options/options.html"))
    poll(options, "() => document.getElementById('check-drafts').checked === true")
    options.click("#check-drafts")
    poll(options, "async () => (await chrome.storage.local.get('settings')).settings.checkDrafts === false")
    options.close()
    try:
        open_fixture(browser, page)
        page.locator("#markdown").click()
        page.keyboard.type(FIRST, delay=5)
        before = len(proxy.requests)
        time.sleep(1.5)  # longer than the pause the checker waits for: nothing may be sent
        assert len(proxy.requests) == before
        assert page.evaluate(DRAFT_MARKS_JS) == []
        assert page.evaluate("() => !document.querySelector('align-lens-drafts')")
        # switched on again, the open page starts checking without a reload
        update_settings(browser.sw, checkDrafts=True)
        page.locator("#markdown").click()
        page.keyboard.type(" ", delay=5)
        wait_until(page, DRAFT_MARKS_JS)
    finally:
        update_settings(browser.sw, checkDrafts=True)
