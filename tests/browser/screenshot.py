"""Make the screenshots in docs/screenshots, on the fixture page, in the light and dark themes:

    card-light.png, card-dark.png       a highlight and its open card
    notice-light.png, notice-dark.png   the notice Dismiss leaves, with Undo
    marks-light.png, marks-dark.png     the three kinds of mark (clear uses shown) and the hover hint
    card-narrow.png                     the card in a 400 px wide window

    python tests/browser/screenshot.py
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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
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
