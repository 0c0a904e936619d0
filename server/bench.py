"""Benchmark: the engine on a 100,000-word page against a plain regex scan of the same text.

Prints cold (first sight of the page) and warm (same page again, served from the block cache)
analysis times, and their ratios to `re.finditer(r"\\b\\w*align\\w*\\b", re.I)` over the page.
"""
from __future__ import annotations

import random
import re
import statistics
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .engine import Engine

# Written for this benchmark: AI-forum prose. The page mixes the two lists so that align-family
# words come at a chosen density; the essay behind the product has one per 41 words.
ALIGN_SENTENCES = [
    "I think we have made real progress on alignment, but the hard part is still ahead of us.",
    "A misaligned system could look helpful right up until it has the chance to act on its own goals.",
    "The paper trains the assistant with RLHF and reports better preference alignment on chat benchmarks.",
    "Superintelligence alignment asks for guarantees that hold even when the system is smarter than its overseers.",
    "She moved from the interpretability team to the alignment team after the reorganisation.",
    "Nobody in the comments could say what would count as evidence that the model is aligned.",
    "Set text-align to center on the figure captions so the layout matches the journal's style.",
    "Outer alignment and inner alignment are different failure modes, and the essay treats them separately.",
    "Our incentives are aligned with the funders, who want results they can publish.",
    "Is the alignment problem mostly about specification, or mostly about generalisation?",
]
PLAIN_SENTENCES = [
    "The lab released a new model last week and the discussion thread grew quickly.",
    "Several commenters asked how the evaluation was run and whether the numbers would replicate.",
    "Most of the post is about compute budgets, scaling curves and the price of inference.",
    "The appendix explains how the reward model was trained on pairwise comparisons from contractors.",
    "If the agent is capable enough, its behaviour during training tells us little about deployment.",
    "The author argues that the field spends too little time on theory and too much on benchmarks.",
    "We should ask which problem a result addresses before calling it a win.",
    "Another reply pointed out that the benchmark was saturated two releases ago.",
    "The organisers thanked everyone who reviewed drafts and suggested clearer wording.",
    "It is hard to tell from the outside whether the safety case would survive a stronger successor.",
    "The discussion ended with a list of open questions and a promise to follow up next month.",
]
SENTENCES = ALIGN_SENTENCES + PLAIN_SENTENCES


def build_page(words: int = 100_000, words_per_align: int = 40, seed: int = 7) -> list[str]:
    """Paragraphs of four to eight sentences until the page holds `words` words."""
    rng = random.Random(seed)
    align_share = 16 / words_per_align  # sentences average 16 words and 1.2 align words
    blocks, count = [], 0
    while count < words:
        sentences = [rng.choice(ALIGN_SENTENCES if rng.random() < align_share / 1.2 else PLAIN_SENTENCES)
                     for _ in range(rng.randint(4, 8))]
        paragraph = f"[{len(blocks)}] " + " ".join(sentences)  # every block distinct, as on a real page
        blocks.append(paragraph)
        count += len(paragraph.split())
    return blocks


def regex_scan(blocks: list[str]) -> int:
    pattern = re.compile(r"\b\w*align\w*\b", re.IGNORECASE)
    return sum(1 for block in blocks for _ in pattern.finditer(block))


RUNS = 7


def timed(function, *args, repeat: int = RUNS) -> dict:
    """{"median", "min", "max"} of `repeat` runs, in milliseconds of this process's CPU time: both
    sides are single-threaded CPU work, and CPU time is what other load on a shared machine
    disturbs least. The median, not the fastest run, is the figure; the spread shows the noise."""
    samples = []
    for _ in range(repeat):
        began = time.process_time()
        function(*args)
        samples.append((time.process_time() - began) * 1000)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def run(words: int = 100_000, words_per_align: int = 40) -> dict:
    blocks = build_page(words, words_per_align)
    began = time.perf_counter()
    engine = Engine()
    load_ms = (time.perf_counter() - began) * 1000
    regex = timed(regex_scan, blocks)

    def cold():  # the first sight of this page: an empty cache
        engine.cache.clear()
        return engine.analyze(blocks)

    cold_runs = timed(cold)
    findings = engine.analyze(blocks)
    warm = timed(engine.analyze, blocks)
    regex_ms, cold_ms, warm_ms = regex["median"], cold_runs["median"], warm["median"]
    return {"words": sum(len(b.split()) for b in blocks), "blocks": len(blocks),
            "align_words": regex_scan(blocks), "findings": sum(len(f) for f in findings),
            "engine_load_ms": load_ms, "runs": RUNS, "regex_ms": regex_ms, "cold_ms": cold_ms, "warm_ms": warm_ms,
            "regex_spread_ms": [regex["min"], regex["max"]], "cold_spread_ms": [cold_runs["min"], cold_runs["max"]],
            "warm_spread_ms": [warm["min"], warm["max"]],
            "cold_ratio": cold_ms / regex_ms, "warm_ratio": warm_ms / regex_ms}


def report(figures: dict) -> str:
    return (f"server engine on {figures['words']:,} words in {figures['blocks']} blocks "
            f"({figures['align_words']} align words, one per {figures['words'] // max(figures['align_words'], 1)} words; "
            f"{figures['findings']} findings)\n"
            f"  median of {figures['runs']} runs of CPU time (min-max)\n"
            f"  regex scan  {figures['regex_ms']:8.1f} ms ({spread(figures['regex_spread_ms'])})\n"
            f"  cold        {figures['cold_ms']:8.1f} ms ({spread(figures['cold_spread_ms'])})"
            f"  = {figures['cold_ratio']:.2f}x regex (target <= 3x)\n"
            f"  warm        {figures['warm_ms']:8.1f} ms ({spread(figures['warm_spread_ms'])})"
            f"  = {figures['warm_ratio']:.2f}x regex (target <= 0.5x)\n"
            f"  engine load {figures['engine_load_ms']:8.1f} ms (spaCy blank('en') + rules)")


def spread(low_high: list[float]) -> str:
    return f"{low_high[0]:.1f}-{low_high[1]:.1f}"


def serve_figures() -> dict:
    """Start `python -m server` on a free port: seconds until it answers, and its idle memory."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)],
                               cwd=Path(__file__).resolve().parents[1],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.perf_counter() - began > 60:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.05)
        startup_s = time.perf_counter() - began
        time.sleep(1)
        status = Path(f"/proc/{process.pid}/status")
        rss_kb = next((int(line.split()[1]) for line in status.read_text().splitlines()
                       if line.startswith("VmRSS:")), 0) if status.exists() else 0
    finally:
        process.terminate()
        process.wait(timeout=10)
    return {"startup_s": startup_s, "idle_rss_mb": rss_kb / 1024}


def main(words: int = 100_000, words_per_align: int = 40) -> int:
    print(report(run(words, words_per_align)))
    served = serve_figures()
    print(f"server start-up {served['startup_s']:.2f} s (target < 3 s), "
          f"idle memory {served['idle_rss_mb']:.0f} MB (target < 150 MB)")
    return 0
