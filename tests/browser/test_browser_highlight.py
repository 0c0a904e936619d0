"""Highlights land on exactly the expected words, and the page itself is left untouched."""
import re

from .lens_support import card_state, click_highlight, highlights, update_settings, wait_ready

# What the real server flags on tests/fixtures/lw_post.html (ambiguous uses), in document order.
EXPECTED_AMBIGUOUS = [
    ("p-progress", "alignment"),   # "real progress on alignment"
    ("p-status", "aligned"),       # "the model is aligned"
    ("p-problem", "alignment"),    # "the alignment problem"
    ("p-split", "alignment"),      # "<strong>align</strong>ment problem": one word over two text nodes
    ("p-emoji", "alignment"),      # after an emoji (UTF-16 surrogate pair) in the same block
    ("p-quote", "aligned"),        # inside a blockquote
    ("li-research", "Alignment"),  # a list item
    ("c1-p", "alignment"),         # a comment body
]
NEVER = {"hidden-p", "p-spoiler", "editor-p", "p-math", "p-none", "p-inner", "p-product", "p-si", "c2-p"}


def test_highlights_exact_words(browser, page):
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    got = highlights(page)
    assert got == EXPECTED_AMBIGUOUS
    assert page.evaluate("document.documentElement.dataset.alignLensCount") == str(len(EXPECTED_AMBIGUOUS))
    assert not NEVER & {el for el, _ in got}
    assert page.console_errors == []


def test_offsets_across_inline_elements_and_after_emoji(browser, page):
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    detail = page.evaluate("""() => [...CSS.highlights.get('align-ambiguous')].map(r => ({
        id: r.startContainer.parentElement.closest('[id]').id,
        text: r.toString(), startOffset: r.startOffset, endOffset: r.endOffset,
        sameNode: r.startContainer === r.endContainer,
        startParent: r.startContainer.parentElement.localName,
        endParent: r.endContainer.parentElement.localName,
    }))""")
    by_id = {d["id"]: d for d in detail}
    split = by_id["p-split"]
    assert split["text"] == "alignment" and not split["sameNode"]
    assert (split["startParent"], split["endParent"]) == ("strong", "p")
    emoji = by_id["p-emoji"]
    # "🙂 Honestly, progress on alignment": the emoji is two UTF-16 code units
    assert emoji["text"] == "alignment" and emoji["startOffset"] == 25 and emoji["endOffset"] == 34


def test_clear_uses_in_second_style(browser, page):
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    assert highlights(page, "align-clear") == []
    update_settings(browser.sw, showClear=True)  # no reload: the storage event applies it
    page.wait_for_function("() => (CSS.highlights.get('align-clear') || {size: 0}).size >= 3")
    clear = highlights(page, "align-clear")
    # "superintelligence <em>alignment</em>" is read as one phrase across the inline element
    assert ("p-si", "alignment") in clear
    assert ("p-product", "alignment") in clear
    assert ("c2-p", "alignment") in clear
    assert ("p-inner", "alignment") not in clear  # a specific term is neither
    assert highlights(page) == EXPECTED_AMBIGUOUS


def _normalized_dom(page):
    return page.evaluate("""() => {
        const copy = document.documentElement.cloneNode(true);
        copy.querySelectorAll('align-lens-ui').forEach(n => n.remove());
        for (const a of [...copy.attributes]) if (a.name.startsWith('data-align-lens-')) copy.removeAttribute(a.name);
        return copy.outerHTML;
    }""")


def test_page_dom_is_unchanged(browser, page):
    # The same page on "localhost" is not an added site, so the extension leaves it alone.
    page.goto(browser.fixtures.url(host="localhost"))
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.dataset.alignLensStatus") is None
    plain = _normalized_dom(page)

    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    click_highlight(page, "p-progress")
    page.wait_for_function("() => !!document.querySelector('align-lens-ui')")
    assert card_state(page) is not None
    with_extension = _normalized_dom(page)
    assert with_extension == plain  # byte for byte
    # and the only additions are one host element and data attributes on <html>
    assert page.evaluate("document.querySelectorAll('align-lens-ui').length") == 1
    assert page.evaluate("document.querySelector('align-lens-ui').parentNode === document.documentElement")
    attrs = page.evaluate("[...document.documentElement.attributes].map(a => a.name)")
    assert {a for a in attrs if a.startswith("data-")} <= {
        "data-align-lens-status", "data-align-lens-count", "data-align-lens-theme",
        "data-align-lens-pointer"}  # while the pointer is over a mark (hover.js)


def test_dark_theme_variant(browser, page):
    page.goto(browser.fixtures.url() + "?theme=dark")
    wait_ready(page, min_count=len(EXPECTED_AMBIGUOUS))
    assert page.evaluate("document.documentElement.dataset.alignLensTheme") == "dark"
    assert highlights(page) == EXPECTED_AMBIGUOUS


def test_highlight_styles_are_registered(browser, page):
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=1)
    names = page.evaluate("[...CSS.highlights.keys()]")
    assert "align-ambiguous" in names
    assert not any(re.match(r"code-hl-", n) for n in names)


def test_page_topic_comes_from_the_other_paragraphs(browser, page):
    # Only blocks with an align word are analysed, but the page's other text goes along as
    # context: the server reads a bare "alignment" by the page's topic.
    page.goto(browser.fixtures.url("/notes_ai.html"))
    wait_ready(page, min_count=1)
    assert highlights(page) == [("ai-3", "alignment")]
    page.goto(browser.fixtures.url("/notes_bio.html"))
    wait_ready(page)
    page.wait_for_timeout(200)
    assert highlights(page) == []
    assert page.evaluate("document.documentElement.dataset.alignLensCount") == "0"
