"""The draft checker's figures for the README: analyze requests per minute of continuous typing,
and the time from a pause in typing to the draft's marks, in the fixture's real CKEditor 5 and
its Markdown textarea (requests counted at a pass-through proxy in front of the real server).

    python tests/browser/measure_drafts.py [--seconds 60]

Prints the figures and writes them to tests/.artifacts/drafts-measured.json."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser.lens_support import REPO, extension_session, update_settings  # noqa: E402
from tests.browser.test_browser_drafts import RecordingProxy  # noqa: E402

COUNT_JS = "() => (CSS.highlights.get('align-draft') || {size: 0}).size"
# one paragraph per pause, each with one ambiguous use (different words: each is new text)
PAUSED = [
    "We made progress on alignment with these AI models, number {n}.",
    "The lab says alignment is solved for its chatbots, take {n}.",
]
STREAM = "Our alignment work on these AI models keeps going and the results look good so far. "


def wait_count(page, n, timeout=15.0):
    t0 = time.monotonic()
    while page.evaluate(COUNT_JS) < n:
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"no {n} marks after {timeout}s")
        time.sleep(0.01)
    return time.monotonic() - t0


def measure(page, proxy, selector, seconds, pauses):
    page.locator(selector).click()
    # continuous typing at about 8 keys a second per word burst (fast, steady)
    start = time.monotonic()
    keys = 0
    i = 0
    while time.monotonic() - start < seconds:
        word = STREAM.split(" ")[i % len(STREAM.split(" "))] + " "
        page.keyboard.type(word, delay=60)
        keys += len(word)
        i += 1
    typing = time.monotonic() - start
    requests = len(proxy.since(start))
    wait_count(page, 1)
    # pauses: a new short paragraph each time, then the time until its mark shows
    waits = []
    for n in range(pauses):
        before = page.evaluate(COUNT_JS)
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        page.keyboard.type(PAUSED[n % 2].format(n=n), delay=10)
        waits.append(wait_count(page, before + 1))
    return {
        "typing_seconds": round(typing, 1), "keys": keys, "keys_per_second": round(keys / typing, 1),
        "requests": requests, "requests_per_minute": round(requests * 60 / typing, 1),
        "pause_to_marks_ms": {"median": round(statistics.median(waits) * 1000),
                              "max": round(max(waits) * 1000), "runs": len(waits)},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--pauses", type=int, default=8)
    args = ap.parse_args()
    out = {}
    with extension_session() as s:
        proxy = RecordingProxy(s.api.url)
        update_settings(s.worker, serverUrl=proxy.url)
        try:
            for name, selector in (("ckeditor5", ".ck-editor__editable"), ("textarea", "#markdown")):
                page = s.context.new_page()
                page.goto(s.fixtures.url("/drafts.html"))
                page.wait_for_function("document.documentElement.dataset.editorReady === '1'")
                out[name] = measure(page, proxy, selector, args.seconds, args.pauses)
                print(name, json.dumps(out[name]))
                page.close()
        finally:
            proxy.stop()
    artifacts = REPO / "tests" / ".artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "drafts-measured.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
