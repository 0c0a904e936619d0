"""Make docs/screenshots/card-light.png and card-dark.png: a highlight and its open card on the
fixture page, in the light and the dark theme.

    python tests/browser/screenshot.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lens_support import (  # noqa: E402
    REPO, card_state, click_highlight, extension_session, wait_card_open, wait_ready,
)

OUT = REPO / "docs" / "screenshots"


def shoot(context, fixtures, theme: str, path: Path) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 1040, "height": 760})
    query = "?theme=dark" if theme == "dark" else ""
    page.goto(fixtures.url() + query)
    wait_ready(page, min_count=1)
    # put the first paragraphs near the top, then open the card on "progress on alignment"
    page.evaluate("() => window.scrollTo(0, document.getElementById('postContent').getBoundingClientRect().top + scrollY - 150)")
    page.mouse.move(1, 1)
    click_highlight(page, "p-progress")
    wait_card_open(page)
    assert card_state(page)["question"]
    page.mouse.move(990, 750)  # no hover effects in the picture
    page.wait_for_timeout(150)
    box = page.evaluate("""() => {
        const c = document.querySelector('align-lens-ui').shadowRoot.querySelector('.card').getBoundingClientRect();
        const p = document.getElementById('p-progress').getBoundingClientRect();
        return {left: Math.min(c.left, p.left), right: Math.max(c.right, p.right),
                top: p.top, bottom: c.bottom, vw: document.documentElement.clientWidth};
    }""")
    margin = 28
    left = max(0, box["left"] - margin)
    right = min(box["vw"], box["right"] + margin)
    top = max(0, box["top"] - margin)
    page.screenshot(path=str(path), clip={"x": left, "y": top, "width": right - left,
                                          "height": box["bottom"] + margin - top})
    page.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with extension_session(device_scale_factor=2) as session:
        for theme in ("light", "dark"):
            path = OUT / f"card-{theme}.png"
            shoot(session.context, session.fixtures, theme, path)
            print("wrote", path.relative_to(REPO))


if __name__ == "__main__":
    main()
