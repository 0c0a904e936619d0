"""Benchmark (not a timed test): the extension on a generated 100,000-word LessWrong-like page,
against a plain regex highlighter (every /\\b\\w*align\\w*\\b/gi, no server, CSS highlights)
injected into the same page in the same browser session.

Reports, as medians over a few loads:
- ms from navigation start to all highlights set, for each;
- the longest main-thread task (PerformanceObserver 'longtask') while each was working, and the
  longest script run attributed to the extension's own files ('long-animation-frame' scripts).

    python tests/browser/bench_highlight.py            # prints a JSON report
    from bench_highlight import run_browser_benchmark  # -> dict (starts its own servers)
"""
from __future__ import annotations

import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lens_support import extension_session  # noqa: E402

# Our own sentence templates. Roughly one sentence in seven uses a word of the align family.
FILLER = [
    "The training run finished two days later than the schedule said it would.",
    "Most of the evaluation suite was written by people who had never met the model.",
    "I keep a notebook of predictions and check it every few months.",
    "The forecast turned out to be too confident about the short horizon.",
    "Several readers asked for the raw numbers behind the second chart.",
    "Compute budgets grew faster than anyone in the original thread expected.",
    "A good benchmark is cheap to run and hard to game.",
    "The committee met on Tuesday and argued mostly about definitions.",
    "We should separate what the system can do from what it will choose to do.",
    "None of this settles the question, but it narrows it a little.",
    "The interview transcript is long, so I only quote the relevant part.",
    "It is easy to mistake a fluent answer for a careful one.",
    "People in the comments disagreed about how much the result generalises.",
    "My own view changed twice while writing this section.",
    "The paper reports averages, which hide the interesting failures.",
    "There is a version of this argument that I find convincing.",
    "Later in the post I try to say exactly where the disagreement lies.",
    "Each of these claims can be checked by anyone with a laptop.",
]
ALIGN = [
    "The lab says it made real progress on alignment this year.",
    "Several engineers told me the model is aligned.",
    "Nobody thinks the alignment problem has become smaller.",
    "Product alignment got much cheaper once the feedback data improved.",
    "Superintelligence alignment is still mostly a theoretical field.",
    "Inner alignment is a narrower question about learned objectives.",
    "Alignment research is getting easier, or so the optimists claim.",
    "A misaligned assistant would be caught by the current red team.",
    "The designer used text-align to center the table headings.",
    "The biologists ran sequence alignment on every sample.",
    "Their incentives are aligned with the funders, for now.",
    "She joined the alignment team after finishing her degree.",
]

TARGET_WORDS = 100_000


def generate_page(seed: int = 7, target_words: int = TARGET_WORDS) -> tuple[str, dict]:
    rng = random.Random(seed)
    words = 0
    align_words = 0
    post, comments = [], []
    n = 0
    while words < target_words:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            s = rng.choice(ALIGN) if rng.random() < 0.14 else rng.choice(FILLER)
            sentences.append(s)
            words += len(s.split())
            align_words += sum(1 for w in s.split() if "align" in w.lower())
        text = " ".join(sentences)
        n += 1
        if n % 3:
            if n % 11 == 0:
                text = text.replace("model", "<em>model</em>", 1)
            post.append(f"<p>{text}</p>")
        else:
            comments.append(
                f'<div class="comments-node" id="c{n}"><div class="CommentsItemMeta-root">reader {n}</div>'
                f'<div class="CommentBody-root ContentStyles-commentBody"><p>{text}</p></div></div>')
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A very long post about alignment — benchmark</title>
<style>
  body {{ margin: 0; background: #f8f4ee; color: #222; font-family: Palatino, "DejaVu Serif", Georgia, serif; }}
  .route {{ max-width: 720px; margin: 0 auto; padding: 24px; }}
  #postContent {{ font-size: 19px; line-height: 1.6; }}
  .comments-node {{ background: #fff; border: 1px solid #ddd; padding: 6px 10px; margin: 0 0 8px; font-size: 15px; }}
</style></head><body><div id="wrapper"><div class="route">
<h1 class="PostsPageTitle-root">A very long post about alignment</h1>
<div id="postContent">{''.join(post)}</div>
<div id="comments" class="CommentsListSection-root">{''.join(comments)}</div>
</div></div></body></html>"""
    return html, {"words": words, "align_words": align_words, "blocks": n}


# Runs in the page before anything else: records long tasks, long animation frames with
# script attribution, and when the extension's status attribute changes.
PROBE = r"""
window.__bench = {longtasks: [], loafScripts: [], status: []};
try {
  new PerformanceObserver(l => { for (const e of l.getEntries()) __bench.longtasks.push([e.startTime, e.duration]); })
    .observe({type: 'longtask', buffered: true});
} catch (e) {}
try {
  new PerformanceObserver(l => {
    for (const e of l.getEntries()) for (const s of (e.scripts || []))
      __bench.loafScripts.push([s.sourceURL || '', s.startTime, s.duration, s.invoker || '']);
  }).observe({type: 'long-animation-frame', buffered: true});
} catch (e) {}
new MutationObserver(() => {
  const s = document.documentElement && document.documentElement.getAttribute('data-align-lens-status');
  const last = __bench.status[__bench.status.length - 1];
  if (s && (!last || last[0] !== s)) {
    __bench.status.push([s, performance.now()]);
    performance.mark('lens-' + s);
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-align-lens-status']});
"""

# The baseline: a plain regex highlighter, started at the same point as the extension
# (after DOMContentLoaded and the first frame), all in one go.
REGEX_HIGHLIGHTER = r"""
document.addEventListener('DOMContentLoaded', () => {
  // styled like the extension's highlights, so both pay the same paint costs
  const style = document.createElement('style');
  style.textContent = `::highlight(regex-align) { background-color: rgba(222, 170, 60, 0.16);
    text-decoration-line: underline; text-decoration-style: dotted; text-decoration-color: rgba(168, 112, 18, 0.9);
    text-decoration-thickness: 2px; text-underline-offset: 3px; }`;
  document.head.appendChild(style);
  requestAnimationFrame(() => setTimeout(() => {
    const t0 = performance.now();
    performance.mark('regex-start');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const re = /\b\w*align\w*\b/gi;
    const h = new Highlight();
    let node;
    while ((node = walker.nextNode())) {
      const t = node.data;
      re.lastIndex = 0;
      let m;
      while ((m = re.exec(t))) {
        const r = new Range();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        h.add(r);
      }
    }
    CSS.highlights.set('regex-align', h);
    performance.mark('regex-end');
    window.__regexDone = {start: t0, end: performance.now(), count: h.size};
  }, 0));
});
"""


TRACE_CATEGORIES = ["toplevel", "devtools.timeline", "blink.user_timing"]
TASK_NAMES = ("RunTask", "ThreadControllerImpl::RunTask")  # the name varies by process


class _Trace:
    """CDP tracing of one page: main-thread tasks of its renderer between two performance marks."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.events = []
        self.done = False
        self.cdp.on("Tracing.dataCollected", lambda e: self.events.extend(e["value"]))
        self.cdp.on("Tracing.tracingComplete", lambda e: setattr(self, "done", True))
        self.cdp.send("Tracing.start", {"traceConfig": {"includedCategories": TRACE_CATEGORIES},
                                        "transferMode": "ReportEvents"})

    def stop(self, page):
        self.cdp.send("Tracing.end")
        while not self.done:
            page.wait_for_timeout(50)

    def longest_task_ms(self, start_mark, end_mark, after_ms=150):
        """Longest main-thread task from start_mark to end_mark + after_ms (the frames that
        paint the new highlights come right after the script is done)."""
        marks = {e["name"]: e for e in self.events if e.get("name") in (start_mark, end_mark)}
        if start_mark not in marks or end_mark not in marks:
            return None
        pid = marks[start_mark]["pid"]
        t0, t1 = marks[start_mark]["ts"], marks[end_mark]["ts"] + after_ms * 1000
        main = {e["tid"] for e in self.events if e.get("ph") == "M" and e.get("name") == "thread_name"
                and e["pid"] == pid and e["args"].get("name") == "CrRendererMain"}
        tasks = [e for e in self.events if e.get("name") in TASK_NAMES and e.get("pid") == pid
                 and e.get("tid") in main and e.get("ph") == "X"
                 and e["ts"] + e.get("dur", 0) >= t0 and e["ts"] <= t1]
        return round(max((e.get("dur", 0) for e in tasks), default=0) / 1000, 1)


def _longest(tasks, start, end, after_ms=150):
    end += after_ms
    inside = [d for (s, d) in tasks if s + d >= start and s <= end]
    return max(inside, default=0.0)


def _measure_extension(context, url, trace=False):
    page = context.new_page()
    page.add_init_script(PROBE)
    tracer = _Trace(page) if trace else None
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(
        "() => __bench.status.some(s => s[0] === 'ready') && "
        "Number(document.documentElement.dataset.alignLensCount) > 0", timeout=120_000)
    page.wait_for_timeout(300)  # let the observers deliver
    if tracer:
        tracer.stop(page)
    data = page.evaluate("""() => ({
        status: __bench.status, longtasks: __bench.longtasks, loaf: __bench.loafScripts,
        count: Number(document.documentElement.dataset.alignLensCount),
        shown: (CSS.highlights.get('align-ambiguous') || {size: 0}).size,
    })""")
    page.close()
    start = next(t for s, t in data["status"] if s == "scanning")
    ready = next(t for s, t in data["status"] if s == "ready")
    ext_scripts = [d for (src, _s, d, _i) in data["loaf"] if src.startswith("chrome-extension://")]
    return {
        "ms_to_highlights": ready,
        "ms_working": ready - start,
        "longest_task_ms": _longest(data["longtasks"], start, ready),
        "longest_extension_script_ms": max(ext_scripts, default=0.0),
        "traced_longest_task_ms": tracer.longest_task_ms("lens-scanning", "lens-ready") if tracer else None,
        "highlights": data["shown"],
    }


def _measure_regex(context, url, trace=False):
    page = context.new_page()
    page.add_init_script(PROBE)
    page.add_init_script(REGEX_HIGHLIGHTER)
    tracer = _Trace(page) if trace else None
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("() => !!window.__regexDone", timeout=120_000)
    page.wait_for_timeout(300)
    if tracer:
        tracer.stop(page)
    data = page.evaluate("() => ({done: __regexDone, longtasks: __bench.longtasks})")
    page.close()
    done = data["done"]
    return {
        "ms_to_highlights": done["end"],
        "ms_working": done["end"] - done["start"],
        "longest_task_ms": _longest(data["longtasks"], done["start"], done["end"]),
        "traced_longest_task_ms": tracer.longest_task_ms("regex-start", "regex-end") if tracer else None,
        "highlights": done["count"],
    }


def run_browser_benchmark(runs: int = 3) -> dict:
    """Start a server, a fixture server and Chromium; measure; stop everything; return a dict."""
    html, stats = generate_page()
    with extension_session() as session:
        context, fixtures = session.context, session.fixtures
        fixtures.add_page("/bench", html)
        ext_url = fixtures.url("/bench")                   # an added site: the extension runs
        regex_url = fixtures.url("/bench", host="localhost")  # not added: the extension stays out
        # one warm-up load each (browser caches, server's first-request costs)
        _measure_extension(context, ext_url)
        _measure_regex(context, regex_url)
        ext_runs, regex_runs = [], []
        for _ in range(runs):
            # each load starts cold on the page side: the extension's cache is per page load
            ext_runs.append(_measure_extension(context, ext_url))
            regex_runs.append(_measure_regex(context, regex_url))
        # traced loads for the longest main-thread task (tracing slows pages a bit)
        ext_traced = [_measure_extension(context, ext_url, trace=True) for _ in range(runs)]
        regex_traced = [_measure_regex(context, regex_url, trace=True) for _ in range(runs)]

    def med(rows, key):
        return round(statistics.median(r[key] for r in rows), 1)

    ext_ms = med(ext_runs, "ms_to_highlights")
    regex_ms = med(regex_runs, "ms_to_highlights")
    return {
        "page_words": stats["words"],
        "page_align_words": stats["align_words"],
        "runs": runs,
        "extension_ms_to_highlights": ext_ms,
        "extension_ms_working": med(ext_runs, "ms_working"),
        "extension_longest_task_ms": max(r["traced_longest_task_ms"] or 0 for r in ext_traced),
        "extension_longtask_entries_max_ms": max(r["longest_task_ms"] for r in ext_runs),
        "extension_highlights": ext_runs[-1]["highlights"],
        "regex_ms_to_highlights": regex_ms,
        "regex_ms_working": med(regex_runs, "ms_working"),
        "regex_longest_task_ms": max(r["traced_longest_task_ms"] or 0 for r in regex_traced),
        "regex_longtask_entries_max_ms": max(r["longest_task_ms"] for r in regex_runs),
        "regex_highlights": regex_runs[-1]["highlights"],
        "ratio_extension_to_regex": round(ext_ms / regex_ms, 2) if regex_ms else None,
        "target_ratio_max": 2.0,
        "target_longest_task_ms_max": 50.0,
    }


if __name__ == "__main__":
    print(json.dumps(run_browser_benchmark(), indent=2))
