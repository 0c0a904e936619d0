"""One command for every speed figure: `python tests/bench.py` (takes about a minute).

Prints the server's figures (engine cold and warm against a regex scan, each the median of seven
runs of CPU time with their min-max spread; start-up; idle memory)
and the browser's (load to highlights against a plain regex highlighter; longest task), each
with its ratio to its baseline, and writes them to tests/.artifacts/bench.json.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "browser")]

from bench_highlight import run_browser_benchmark  # noqa: E402
from server import bench  # noqa: E402


def main() -> int:
    figures = {}
    for name, words_per_align in (("dense", 40), ("light", 150)):
        figures[f"server_{name}"] = bench.run(words_per_align=words_per_align)
        print(bench.report(figures[f"server_{name}"]))
    figures["server_process"] = served = bench.serve_figures()
    print(f"server start-up {served['startup_s']:.2f} s (target < 3 s), "
          f"idle memory {served['idle_rss_mb']:.0f} MB (target < 150 MB)")
    figures["browser"] = browser = run_browser_benchmark()
    print(f"browser on {browser['page_words']:,} words ({browser['page_align_words']} align words)\n"
          f"  regex highlighter  {browser['regex_ms_to_highlights']:8.1f} ms to highlights\n"
          f"  extension          {browser['extension_ms_to_highlights']:8.1f} ms = "
          f"{browser['ratio_extension_to_regex']:.2f}x (target <= 2x)\n"
          f"  longest main-thread task from the extension {browser['extension_longest_task_ms']:.1f} ms "
          f"(target < 50 ms; regex highlighter {browser['regex_longest_task_ms']:.1f} ms)")
    out = REPO / "tests" / ".artifacts" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    print(f"figures written to {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
