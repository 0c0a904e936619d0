"""Draw the toolbar icons: two overlapping discs, product (blue) and superintelligence (amber);
the overlap, where one word covers both, is the ambiguity the extension marks.

Rasterises an SVG with the system Chromium through Playwright (no image library needed):
    python extension/icons/make_icons.py
"""
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
SIZES = (16, 32, 48, 128)


def svg(size: int) -> str:
    # at 16 px the discs get a little more room so the overlap still reads
    r = 0.31 if size <= 16 else 0.30
    dx = 0.18 if size <= 16 else 0.17
    c = 0.5
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 1 1">
  <defs>
    <clipPath id="a"><circle cx="{c - dx}" cy="{c}" r="{r}"/></clipPath>
  </defs>
  <circle cx="{c - dx}" cy="{c}" r="{r}" fill="#5b8fbd"/>
  <circle cx="{c + dx}" cy="{c}" r="{r}" fill="#cf9440"/>
  <circle cx="{c + dx}" cy="{c}" r="{r}" fill="#6a4c2a" clip-path="url(#a)"/>
</svg>"""


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(device_scale_factor=1)
        for size in SIZES:
            page.set_viewport_size({"width": size, "height": size})
            page.set_content(f"<html><body style='margin:0;background:transparent'>{svg(size)}</body></html>")
            out = HERE / f"icon-{size}.png"
            page.locator("svg").screenshot(path=str(out), omit_background=True)
            print("wrote", out.relative_to(HERE.parent.parent))
        browser.close()


if __name__ == "__main__":
    main()
