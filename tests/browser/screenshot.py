"""Make the screenshots in docs/screenshots, on the fixture page, in the light and dark themes:

    card-light.png, card-dark.png       a highlight and its open card
    notice-light.png, notice-dark.png   the notice Dismiss leaves, with Undo
    marks-light.png, marks-dark.png     the three kinds of mark (clear uses shown) and the hover hint
    card-narrow.png                     the card in a 400 px wide window

    python tests/browser/screenshot.py

and draft-card.png, a mark in the reader's own draft with its rewrites:

    python tests/browser/screenshot.py draft
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lens_support import (  # noqa: E402
    REPO, card_state, click_highlight, extension_session, poll, update_settings,
    wait_card_open, wait_ready,
)

OUT = REPO / "docs" / "screenshots"
SHADOW = "document.querySelector('align-lens-ui').shadowRoot"


def open_page(context, fixtures, theme: str, width: int = 1040, height: int = 760):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(fixtures.url() + ("?theme=dark" if theme == "dark" else ""))
    wait_ready(page, min_count=1)
    page.evaluate("() => window.scrollTo(0, document.getElementById('postContent').getBoundingClientRect().top + scrollY - 150)")
    page.mouse.move(1, 1)
    return page


def clip_around(page, path: Path, ids, shadow_sel=None, margin: int = 28) -> None:
    box = page.evaluate("""([ids, sel]) => {
        const rects = ids.map(id => document.getElementById(id).getBoundingClientRect());
        if (sel) rects.push(document.querySelector('align-lens-ui').shadowRoot.querySelector(sel).getBoundingClientRect());
        return {left: Math.min(...rects.map(r => r.left)), right: Math.max(...rects.map(r => r.right)),
                top: Math.min(...rects.map(r => r.top)), bottom: Math.max(...rects.map(r => r.bottom)),
                vw: document.documentElement.clientWidth, vh: window.innerHeight};
    }""", [ids, shadow_sel])
    left = max(0, box["left"] - margin)
    right = min(box["vw"], box["right"] + margin)
    top = max(0, box["top"] - margin)
    bottom = min(box["vh"], box["bottom"] + margin)
    page.screenshot(path=str(path), clip={"x": left, "y": top, "width": right - left, "height": bottom - top})


def shoot_card(context, fixtures, theme: str, path: Path, width: int = 1040) -> None:
    page = open_page(context, fixtures, theme, width)
    click_highlight(page, "p-progress")
    wait_card_open(page)
    assert card_state(page)["question"]
    page.mouse.move(width - 20, 750)  # no hover effects in the picture
    poll(page, f"() => {SHADOW}.querySelector('.hint') === null || {SHADOW}.querySelector('.hint').hidden")
    clip_around(page, path, ["p-progress"], ".card")
    page.close()


def shoot_notice(context, fixtures, theme: str, path: Path) -> None:
    page = open_page(context, fixtures, theme)
    click_highlight(page, "p-status")
    wait_card_open(page)
    page.locator("align-lens-ui .card .dismiss").click()
    poll(page, f"() => !{SHADOW}.querySelector('.notice').hidden")
    page.mouse.move(1000, 300)
    box = page.evaluate(f"() => {{ const r = {SHADOW}.querySelector('.notice').getBoundingClientRect(); "
                        "return {x: r.left, y: r.top, w: r.width, h: r.height}; }")
    m = 40
    page.screenshot(path=str(path), clip={"x": max(0, box["x"] - 3 * m), "y": box["y"] - m,
                                          "width": box["w"] + 6 * m, "height": box["h"] + m + 16})
    page.locator("align-lens-ui .notice .undo").click()  # the later pictures show every mark
    page.wait_for_function("() => [...CSS.highlights.get('align-ambiguous')].some(r => r.toString() === 'aligned')")
    page.close()


def shoot_marks(context, fixtures, theme: str, path: Path) -> None:
    page = open_page(context, fixtures, theme)
    page.wait_for_function("() => (CSS.highlights.get('align-clear-superintelligence') || {size: 0}).size > 0")
    page.evaluate("() => window.scrollTo(0, document.getElementById('p-progress').getBoundingClientRect().top + scrollY - 120)")
    point = page.evaluate("""() => { const r = [...CSS.highlights.get('align-ambiguous')].find(r =>
        r.startContainer.parentElement.id === 'p-problem').getClientRects()[0];
        return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }""")
    page.mouse.move(point["x"], point["y"])
    poll(page, f"() => {SHADOW}.querySelector('.hint') && !{SHADOW}.querySelector('.hint').hidden")
    clip_around(page, path, ["p-progress", "p-status", "p-problem", "p-product", "p-si"], None, margin=20)
    page.close()


DRAFT_MARK_JS = """() => {
    const h = CSS.highlights.get('align-draft');
    const r = h && [...h].find(r => r.toString() === 'alignment');
    if (!r) return null;
    const q = r.getClientRects()[0];
    return {x: q.left + q.width / 2, y: q.top + q.height / 2};
}"""


def shoot_draft(context, fixtures, path: Path) -> None:
    """A mark in the reader's own draft (the rich editor of tests/fixtures/drafts.html) and its
    card offering the rewrites."""
    page = context.new_page()
    page.set_viewport_size({"width": 1040, "height": 1000})
    page.goto(fixtures.url("/drafts.html"))
    page.wait_for_function("document.documentElement.dataset.editorReady === '1' || !!document.documentElement.dataset.editorError")
    page.wait_for_function("document.documentElement.dataset.alignLensStatus === 'ready'")
    page.locator(".ck-editor__editable").click()
    page.keyboard.type("Great post. I'd say we made real progress on alignment this year, but the lab's claim "
                       "that alignment is solved for its chatbots goes too far.", delay=5)
    point = poll(page, DRAFT_MARK_JS, timeout=20)
    page.mouse.click(point["x"], point["y"])
    poll(page, f"() => {{ const c = {SHADOW}.querySelector('.card'); return !c.hidden && !c.querySelector('.rewrites').hidden; }}")
    page.mouse.move(1020, 990)
    box = page.evaluate(f"""() => {{
        const c = {SHADOW}.querySelector('.card').getBoundingClientRect();
        const a = document.querySelector('.ck-editor').getBoundingClientRect();
        return {{left: Math.min(c.left, a.left), right: Math.max(c.right, a.right), top: Math.min(c.top, a.top),
                bottom: Math.max(c.bottom, a.bottom), vw: document.documentElement.clientWidth, vh: window.innerHeight}};
    }}""")
    m = 24
    left, top = max(0, box["left"] - m), max(0, box["top"] - 3 * m)
    page.screenshot(path=str(path), clip={"x": left, "y": top, "width": min(box["vw"], box["right"] + m) - left,
                                          "height": min(box["vh"], box["bottom"] + m) - top})
    page.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["draft"]:
        with extension_session(device_scale_factor=2) as session:
            shoot_draft(session.context, session.fixtures, OUT / "draft-card.png")
            print("wrote docs/screenshots/draft-card.png")
        return
    with extension_session(device_scale_factor=2) as session:
        for theme in ("light", "dark"):
            for name, shoot in (("card", shoot_card), ("notice", shoot_notice)):
                path = OUT / f"{name}-{theme}.png"
                shoot(session.context, session.fixtures, theme, path)
                print("wrote", path.relative_to(REPO))
        shoot_card(session.context, session.fixtures, "light", OUT / "card-narrow.png", width=400)
        print("wrote docs/screenshots/card-narrow.png")
        update_settings(session.worker, showClear=True)
        for theme in ("light", "dark"):
            path = OUT / f"marks-{theme}.png"
            shoot_marks(session.context, session.fixtures, theme, path)
            print("wrote", path.relative_to(REPO))


if __name__ == "__main__":
    main()
