"""Faults: the server killed mid-request, a page of a million words, a flooded block cache, bad clients.

* SIGKILL while a request is being analysed: the client gets a connection error (not a hang, not a
  half answer); the server restarted on the same port answers the same request correctly.
* A 1,000,000-word page: as ordinary prose (~6 MB) it is refused at once with 413 JSON; packed into
  5000 blocks under 5 MB it is answered in bounded time, and the server stays responsive meanwhile
  and afterwards. Figures go to tests/.artifacts/faults.json.
* Engine(cache_size=small) flooded with unique blocks, also from several threads: answers equal a
  big-cache engine's and len(cache) never exceeds the bound.
* Clients that stall, or hang up mid-body, do not stop the server from serving others.
"""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import EXTENSION_ORIGIN, LiveServer, write_artifact

pytestmark = [pytest.mark.slow, pytest.mark.faults]

HEADERS = {"Origin": EXTENSION_ORIGIN}




def start(server: LiveServer) -> LiveServer:
    server.start()
    return server


def findings(reply: dict) -> list:
    return [b["findings"] for b in reply["blocks"]]


def dense_page(words: int, tag: str) -> dict:
    """A page dense with align words; about 20,000 words a second for the engine."""
    rnd = random.Random(tag)
    vocab = ("the team worked on alignment of the product roadmap while researchers studied AI alignment "
             "and misaligned models in the lab with care").split()
    blocks = []
    for n in range(0, words, 100):
        blocks.append({"id": f"b{n}", "text": f"{tag} {n}. " + " ".join(rnd.choice(vocab) for _ in range(100)) + "."})
    return {"blocks": blocks}


def slow_page(engine, seconds: float, tag: str) -> tuple[dict, float]:
    """A fresh page that takes about `seconds` to analyse here (calibrated on this machine), under 5 MB."""
    engine.analyze([b["text"] for b in dense_page(5_000, tag=f"warm-{tag}-{time.time_ns()}")["blocks"]])
    probe = dense_page(20_000, tag=f"probe-{tag}-{time.time_ns()}")  # timed once warm: a cold probe
    began = time.perf_counter()                                     # underestimates the rate
    engine.analyze([b["text"] for b in probe["blocks"]])
    rate = 20_000 / (time.perf_counter() - began)  # words a second
    words = max(20_000, min(int(rate * seconds), 450_000))
    return dense_page(words, tag=f"{tag}-{time.time_ns()}"), words / rate


@pytest.fixture(scope="module")
def server():
    # These tests need pages slower than the default time budget, analysed whole.
    live = start(LiveServer(extra_args=("--time-budget", "120")))
    yield live
    live.stop()


# ---- SIGKILL mid-request --------------------------------------------------------------------------
def test_sigkill_mid_request_gives_a_connection_error_and_a_restart_answers(server, engine):
    body, estimate = slow_page(engine, 2.5, "kill")  # never cached anywhere
    outcome: dict = {}

    def send():
        try:
            outcome["response"] = requests.post(server.url + "/api/v1/analyze", json=body, headers=HEADERS, timeout=60)
        except requests.RequestException as error:
            outcome["error"] = error

    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(max(0.5, estimate / 3))
    assert not outcome, f"the request finished before the kill (estimate {estimate:.1f} s)"
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    thread.join(timeout=30)
    assert not thread.is_alive(), "the client hung after the server died"
    assert isinstance(outcome.get("error"), requests.ConnectionError), outcome
    with pytest.raises(requests.ConnectionError):  # nobody listens until the restart
        requests.get(server.url + "/api/v1/health", timeout=5)

    server.process = None
    start(server)  # same port
    began = time.monotonic()
    response = requests.post(server.url + "/api/v1/analyze", json=body, headers=HEADERS, timeout=60)
    took = time.monotonic() - began
    assert response.status_code == 200
    expected = engine.analyze([b["text"] for b in body["blocks"]])  # no time budget in-process
    assert findings(response.json()) == expected
    assert sum(map(len, expected)) > 1000  # a real page, really analysed
    write_artifact("faults.json", "sigkill", {"port": server.port, "words": len(body["blocks"]) * 100,
                               "estimated_s": round(estimate, 2), "retry_after_restart_s": round(took, 2),
                               "client_error": type(outcome["error"]).__name__})


# ---- a page of a million words --------------------------------------------------------------------
def test_a_million_words_of_prose_in_one_request_is_a_quick_413(server):
    rnd = random.Random(1)
    sentences = ["Our AI alignment team met the product group.", "The quarterly report is due on Friday.",
                 "Researchers discussed misaligned incentives in the market.", "We shipped the new feature today."]
    text_words, blocks = 0, []
    while text_words < 1_000_000:
        paragraph = " ".join(rnd.choice(sentences) for _ in range(30))
        text_words += len(paragraph.split())
        blocks.append({"id": f"p{len(blocks)}", "text": paragraph})
    raw = json.dumps({"blocks": blocks}).encode()
    assert len(raw) > 5 * 1024 * 1024
    began = time.monotonic()
    response = requests.post(server.url + "/api/v1/analyze", data=raw, timeout=60,
                             headers=dict(HEADERS, **{"Content-Type": "application/json"}))
    took = time.monotonic() - began
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json") and "larger than" in response.json()["error"]
    assert took < 10, took
    small = requests.post(server.url + "/api/v1/analyze", json={"blocks": [{"id": "a", "text": "AI alignment"}]},
                          headers=HEADERS, timeout=10)
    assert small.status_code == 200 and small.json()["blocks"][0]["findings"]
    write_artifact("faults.json", "million_words_prose", {"words": text_words, "bytes": len(raw), "blocks": len(blocks),
                                           "status": response.status_code, "seconds": round(took, 2)})


def test_a_million_words_under_5_mb_is_answered_in_bounded_time_and_the_server_stays_up(server):
    rnd = random.Random(2)
    filler = "the cat sat on a mat and we ran to it as he did so".split()
    blocks = []
    for n in range(5000):
        words = [rnd.choice(filler) for _ in range(200)]
        if n % 5 == 0:
            words[50:52] = ["AI", "alignment"]
        blocks.append({"id": f"b{n}", "text": f"{n} " + " ".join(words) + "."})
    raw = json.dumps({"blocks": blocks}).encode()
    assert len(raw) < 5 * 1024 * 1024 and sum(len(b["text"].split()) - 1 for b in blocks) == 1_000_000

    began = time.monotonic()
    response = requests.post(server.url + "/api/v1/analyze", data=raw, timeout=120,
                             headers=dict(HEADERS, **{"Content-Type": "application/json"}))
    took = time.monotonic() - began
    assert response.status_code == 200
    reply = response.json()
    assert [b["id"] for b in reply["blocks"]] == [b["id"] for b in blocks]
    assert sum(map(len, findings(reply))) == 1000
    assert took < 60, took
    began = time.monotonic()
    after = requests.post(server.url + "/api/v1/analyze", json={"blocks": [{"id": "a", "text": "AI alignment?"}]},
                          headers=HEADERS, timeout=10)
    after_s = time.monotonic() - began
    assert after.status_code == 200 and after.json()["blocks"][0]["findings"] and after_s < 2
    write_artifact("faults.json", "million_words_packed", {
        "words": 1_000_000, "bytes": len(raw), "blocks": 5000, "status": 200,
        "seconds": round(took, 2), "server_took_ms": reply["took_ms"], "small_analyze_after_s": round(after_s, 3)})


def test_the_server_stays_responsive_while_a_slow_page_is_analysed(server, engine):
    body, estimate = slow_page(engine, 2.5, "busy")
    outcome: dict = {}

    def send():
        began = time.monotonic()
        outcome["response"] = requests.post(server.url + "/api/v1/analyze", json=body, headers=HEADERS, timeout=120)
        outcome["seconds"] = time.monotonic() - began

    big = threading.Thread(target=send)
    big.start()
    time.sleep(max(0.3, estimate / 5))
    began = time.monotonic()
    health = requests.get(server.url + "/api/v1/health", timeout=10)
    health_s = time.monotonic() - began
    assert "response" not in outcome, "the slow page finished too early to test anything"
    began = time.monotonic()
    small = requests.post(server.url + "/api/v1/analyze", json={"blocks": [{"id": "a", "text": "AI alignment!"}]},
                          headers=HEADERS, timeout=120)
    small_s = time.monotonic() - began
    small_finished_first = "response" not in outcome
    big.join(timeout=120)
    assert outcome["response"].status_code == 200
    assert health.ok and health_s < 1, health_s
    assert small.status_code == 200 and small.json()["blocks"][0]["findings"]
    write_artifact("faults.json", "busy", {"slow_page_s": round(outcome["seconds"], 2), "health_during_s": round(health_s, 3),
                            "small_analyze_during_s": round(small_s, 3),
                            "small_finished_before_slow_page": small_finished_first})


# ---- a flooded cache ------------------------------------------------------------------------------
def unique_block(n: int) -> str:
    templates = ["Block {n}: our AI alignment work continues.", "Block {n}: the product alignment review is today.",
                 "Block {n}: misaligned models are a risk. Text alignment is fine.", "Block {n}: nothing here.",
                 "Block {n}: \U0001F600 Alignment \u200b matters for RLHF models."]
    return templates[n % len(templates)].format(n=n)


def small_cache_twin(engine, cache_size: int):
    """An engine with the same rules, questions and topic words as `engine`, and a small cache."""
    from server.engine import Engine
    return Engine(rules=list(engine.rules.values()), questions=engine.questions, topics=engine.topics,
                  cache_size=cache_size)


@pytest.mark.parametrize("cache_size", [1, 2, 16])
def test_a_full_cache_stays_bounded_and_correct(engine, cache_size):
    small = small_cache_twin(engine, cache_size)
    texts = [unique_block(n) for n in range(600)]
    for start in range(0, len(texts), 7):
        page = texts[start:start + 7]
        assert small.analyze(page) == engine.analyze(page)
        assert len(small.cache) <= cache_size
    # Blocks evicted long ago come back with the same answers.
    for start in (0, 7, 70):
        page = texts[start:start + 7]
        assert small.analyze(page) == engine.analyze(page)
        assert len(small.cache) <= cache_size


def test_a_full_cache_under_concurrent_flooding_stays_bounded_and_correct(engine):
    bound = 32
    small = small_cache_twin(engine, bound)
    texts = [unique_block(n) for n in range(10_000, 11_200)]
    overflow = []

    def worker(offset):
        rnd = random.Random(offset)
        for _ in range(150):
            page = rnd.sample(texts, 5)
            assert small.analyze(page) == engine.analyze(page)
            # Read under the engine's lock: inside it an entry is added and then the oldest evicted,
            # so an unlocked read can catch the cache one over its bound for an instant.
            with small.lock:
                size = len(small.cache)
            if size > bound:
                overflow.append(size)

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(worker, n) for n in range(8)]:
            future.result()
    assert not overflow and len(small.cache) <= bound


# ---- bad clients ----------------------------------------------------------------------------------
def test_stalled_and_hung_up_clients_do_not_block_others(server):
    stalled = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(20)]
    try:
        for conn in stalled[:10]:
            conn.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n{\"blocks\": [")  # and never the rest
        for conn in stalled[10:15]:
            conn.sendall(b"GET /api/v1/heal")  # half a request line
        for conn in stalled[15:]:
            conn.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{\"bl")
            conn.close()  # hangs up mid-body
        began = time.monotonic()
        for _ in range(10):
            response = requests.post(server.url + "/api/v1/analyze", headers=HEADERS, timeout=5,
                                     json={"blocks": [{"id": "a", "text": "AI alignment"}]})
            assert response.status_code == 200 and response.json()["blocks"][0]["findings"]
        assert time.monotonic() - began < 5
    finally:
        for conn in stalled:
            conn.close()
    assert requests.get(server.url + "/api/v1/health", timeout=5).ok


def test_a_client_that_gives_up_early_does_not_hurt_the_server(server, engine):
    body, _ = slow_page(engine, 1.5, "timeout")
    with pytest.raises(requests.Timeout):
        requests.post(server.url + "/api/v1/analyze", json=body, headers=HEADERS, timeout=0.3)
    response = requests.post(server.url + "/api/v1/analyze", json=body, headers=HEADERS, timeout=60)
    assert response.status_code == 200 and len(response.json()["blocks"]) == len(body["blocks"])
