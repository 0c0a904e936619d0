"""Bounded loopback load on the real server (waitress), and memory that stays flat.

* 16 client threads post realistic pages for a fixed time (ALIGNMENT_LENS_LOAD_SECONDS, default 20):
  half are pages already seen (cache hits), half carry fresh text. Every answer must be a 200 with
  one entry per block, and a repeated page must get the same findings every time, under load.
  p50/p99 latency and requests per second are printed and written to tests/.artifacts/load.json.
* Memory: a server whose block cache holds 256 entries is flooded with fresh unique pages in three
  runs; its RSS (/proc/<pid>/status VmRSS) after run 3 must stay close to its RSS after run 1.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

import pytest
import requests

from conftest import EXTENSION_ORIGIN, LiveServer, write_artifact

pytestmark = [pytest.mark.slow, pytest.mark.soak]

LOAD_SECONDS = float(os.environ.get("ALIGNMENT_LENS_LOAD_SECONDS", "20"))
CLIENTS = 16
SMALL_CACHE = 256
RUN_SECONDS = 2.0
MAX_RSS_GROWTH_KB = 8 * 1024

SENTENCES = [
    "Our AI alignment team published a new paper on reward hacking.",
    "The product alignment meeting moved to Thursday so design and sales can attend.",
    "Researchers worry that a misaligned superintelligence could pursue goals nobody intended.",
    "Please check the text alignment of the header on mobile.",
    "Alignment is hard.",
    "Stakeholder alignment on the roadmap took three weeks.",
    "RLHF is one approach to aligning large language models with human preferences.",
    "The wheel alignment on my car was off after the pothole.",
    "We need strategic alignment between the marketing and engineering teams.",
    "Inner alignment and outer alignment are distinct problems in machine learning safety.",
]
FILLER = ("the a of to and in that for on with as was at by this from or an be are it is we our they "
          "quarterly report users feature release budget model data research paper meeting plan").split()


def paragraph(rnd: random.Random, tag: str = "") -> str:
    parts = []
    for _ in range(rnd.randint(2, 5)):
        if rnd.random() < 0.5:
            parts.append(rnd.choice(SENTENCES))
        else:
            words = [rnd.choice(FILLER) for _ in range(rnd.randint(8, 25))]
            parts.append(" ".join(words).capitalize() + ".")
    if tag:
        parts.append(f"Reference {tag}.")  # makes the block text unique: a cache miss
    return " ".join(parts)


def page(rnd: random.Random, tag: str = "") -> dict:
    blocks = [{"id": f"p{n}", "text": paragraph(rnd, f"{tag}-{n}" if tag else "")}
              for n in range(rnd.randint(10, 40))]
    return {"blocks": blocks, "page": {"url": rnd.choice(["https://example.com/blog", "https://www.lesswrong.com/x"]),
                                       "title": "A page"}}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")




def hammer(url: str, seconds: float, make_body, clients: int = CLIENTS):
    """`clients` threads post make_body() until the time is up; returns (latencies, errors, bodies and answers)."""
    latencies, errors, answers = [], [], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        session = requests.Session()
        while time.monotonic() < deadline:
            key, body = make_body()
            began = time.perf_counter()
            try:
                response = session.post(url + "/api/v1/analyze", json=body, timeout=60,
                                        headers={"Origin": EXTENSION_ORIGIN})
                elapsed = time.perf_counter() - began
                ok = response.status_code == 200
                reply = response.json() if ok else response.text[:200]
            except requests.RequestException as error:
                elapsed, ok, reply = time.perf_counter() - began, False, repr(error)
            with lock:
                latencies.append(elapsed)
                if ok:
                    answers.append((key, body, reply))
                else:
                    errors.append(reply)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    return latencies, errors, answers


@pytest.fixture()
def load_server(live_server):
    return live_server  # conftest's shared real server


def test_sustained_load_has_no_errors_and_consistent_answers(load_server):
    seen_pages = [page(random.Random(seed)) for seed in range(40)]
    fresh = count()
    local = threading.local()

    def make_body():
        if not hasattr(local, "rnd"):
            local.rnd = random.Random(threading.get_ident())
        rnd = local.rnd
        if rnd.random() < 0.5:
            n = rnd.randrange(len(seen_pages))
            return n, seen_pages[n]
        n = next(fresh)
        return None, page(random.Random(10_000 + n), tag=f"fresh{n}")

    began = time.monotonic()
    latencies, errors, answers = hammer(load_server.url, LOAD_SECONDS, make_body)
    wall = time.monotonic() - began
    figures = {"seconds": round(wall, 1), "clients": CLIENTS, "requests": len(latencies), "errors": len(errors),
               "rps": round(len(latencies) / wall, 1),
               "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
               "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
               "max_ms": round(max(latencies) * 1000, 1),
               "mean_ms": round(statistics.mean(latencies) * 1000, 1),
               "repeated_requests": sum(1 for key, _, _ in answers if key is not None)}
    write_artifact("load.json", "sustained", figures)
    print("\nload:", json.dumps(figures))
    assert not errors, errors[:5]
    assert len(latencies) >= 100, figures
    first_answer: dict[int, list] = {}
    for key, body, reply in answers:
        assert [b["id"] for b in reply["blocks"]] == [b["id"] for b in body["blocks"]]
        findings = [b["findings"] for b in reply["blocks"]]
        assert sum(map(len, findings)) >= sum(1 for b in body["blocks"] if "AI alignment" in b["text"])
        if key is not None:  # the same page, answered from the cache or not, gets the same findings
            assert first_answer.setdefault(key, findings) == findings
    assert figures["repeated_requests"] > 0 and figures["requests"] - figures["repeated_requests"] > 0
    assert requests.get(load_server.url + "/api/v1/health", timeout=5).ok


def test_memory_stays_flat_under_fresh_text_with_a_bounded_cache():
    server = LiveServer(extra_args=("--cache-size", str(SMALL_CACHE))).start()
    process, url = server.process, server.url
    try:
        fresh = count()

        def make_body():
            n = next(fresh)
            return None, page(random.Random(n), tag=f"run-{n}")

        runs = []
        for run in range(3):
            latencies, errors, answers = hammer(url, RUN_SECONDS, make_body, clients=8)
            assert not errors, errors[:5]
            unique_blocks = sum(len(body["blocks"]) for _, body, _ in answers)
            runs.append({"requests": len(latencies), "unique_blocks": unique_blocks, "rss_kb": rss_kb(process.pid)})
            # Each run must overflow the cache many times over, or the test would prove nothing.
            assert unique_blocks > 4 * SMALL_CACHE, runs
        growth = runs[2]["rss_kb"] - runs[0]["rss_kb"]
        figures = {"cache_size": SMALL_CACHE, "runs": runs, "rss_growth_run1_to_run3_kb": growth,
                   "limit_kb": MAX_RSS_GROWTH_KB}
        write_artifact("load.json", "memory", figures)
        print("\nmemory:", json.dumps(figures))
        assert growth < MAX_RSS_GROWTH_KB, figures
    finally:
        server.stop()
