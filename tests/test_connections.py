"""Bounded connections and memory on the real server (waitress on loopback).

* 200 idle and slow-header sockets held open while a normal client keeps getting answers; the
  server closes the idle ones after its idle timeout and the header drippers after the header
  timeout.
* A refused request (web Origin, foreign Host, body over 5 MB) is answered from its headers, in
  JSON, without the body being sent at all.
* A client that hangs up mid-analysis stops using the server's CPU.
* Resident memory after a run of large unique pages stays under the README's ceiling.
"""
from __future__ import annotations

import json
import random
import re
import socket
import string
import threading
import time

import pytest
import requests

from conftest import EXTENSION_ORIGIN, LiveServer, write_artifact
from server.__main__ import CHANNEL_TIMEOUT_S, CLEANUP_INTERVAL_S
from server.app import MAX_BODY_BYTES
from server.http_guard import HEADER_TIMEOUT_S

HEADERS = {"Origin": EXTENSION_ORIGIN}
RSS_CEILING_MB = 450  # README, "Reliability"


@pytest.fixture()
def server(live_server):
    return live_server  # conftest's shared real server: these tests leave it answering


def head_of(conn: socket.socket, timeout: float = 5) -> tuple[bytes, bytes]:
    """(status line and headers, body) of one response read from conn."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next((line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def closed_by_server(conn: socket.socket) -> bool:
    conn.setblocking(False)
    try:
        return conn.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


# ---- a flood of idle and slow sockets -------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.soak
def test_idle_and_slow_header_sockets_do_not_lock_out_a_client(server):
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(100)]
    dripping = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(100)]
    stop = threading.Event()

    def drip():
        for conn in dripping:
            conn.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.wait(0.5):  # a header byte every half second: never idle, never finished
            for conn in dripping:
                try:
                    conn.sendall(b"X")
                except OSError:
                    pass
    dripper = threading.Thread(target=drip)
    dripper.start()
    latencies = []
    try:
        began = time.monotonic()
        while time.monotonic() - began < 4:
            sent = time.monotonic()
            health = requests.get(server.url + "/api/v1/health", timeout=3)
            reply = requests.post(server.url + "/api/v1/analyze", headers=HEADERS, timeout=3,
                                  json={"blocks": [{"id": "a", "text": "Our AI alignment work."}]})
            latencies.append(time.monotonic() - sent)
            assert health.ok and reply.status_code == 200 and reply.json()["blocks"][0]["findings"]
        # The server lets go of them: idle ones after its idle timeout, drippers after the header timeout.
        deadline = began + max(CHANNEL_TIMEOUT_S, HEADER_TIMEOUT_S) + 2 * CLEANUP_INTERVAL_S + 2
        while time.monotonic() < deadline and not all(closed_by_server(c) for c in idle + dripping):
            time.sleep(0.5)
        idle_closed = sum(closed_by_server(c) for c in idle)
        dripping_closed = sum(closed_by_server(c) for c in dripping)
    finally:
        stop.set()
        dripper.join()
        for conn in idle + dripping:
            conn.close()
    figures = {"idle": len(idle), "dripping": len(dripping), "requests": len(latencies),
               "max_ms": round(max(latencies) * 1000, 1), "idle_closed": idle_closed,
               "dripping_closed": dripping_closed}
    write_artifact("connections.json", "flood", figures)
    assert len(latencies) >= 10 and max(latencies) < 2, figures
    assert idle_closed == len(idle) and dripping_closed == len(dripping), figures
    assert requests.get(server.url + "/api/v1/health", timeout=3).ok


# ---- refusals from the headers alone --------------------------------------------------------------------
@pytest.mark.parametrize("headers, status", [
    (b"Origin: https://evil.example\r\nContent-Length: 1000000000\r\n", 403),
    (b"Origin: null\r\nTransfer-Encoding: chunked\r\n", 403),
    (b"Origin: " + EXTENSION_ORIGIN.encode() + b"\r\nContent-Length: 1000000000\r\n", 413),
    (b"Content-Length: " + str(MAX_BODY_BYTES + 1).encode() + b"\r\n", 413),
    (b"Origin: https://evil.example\r\nExpect: 100-continue\r\nContent-Length: 1000000000\r\n", 403),
], ids=["web-origin-1-gb", "null-origin-chunked", "extension-1-gb", "one-byte-over", "expect-continue"])
def test_a_refused_request_is_answered_before_its_body(server, headers, status):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     + headers + b"\r\n")  # and not one byte of the body
        head, body = head_of(conn)
    assert head.startswith(b"HTTP/1.1 %d" % status), head
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["error"]
    if status == 413 and b"chrome-extension" in headers:  # the extension may read why
        assert b"Access-Control-Allow-Origin: " + EXTENSION_ORIGIN.encode() in head


def test_a_foreign_host_is_refused_before_its_body(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 1000000000\r\n\r\n")
        head, body = head_of(conn)
    assert head.startswith(b"HTTP/1.1 403") and "error" in json.loads(body)


def test_a_body_of_exactly_5_mb_reaches_the_app(server):
    body = b'{"blocks": ' + b" " * (MAX_BODY_BYTES - 12) + b"]"  # malformed on purpose: the app's 400
    assert len(body) == MAX_BODY_BYTES
    response = requests.post(server.url + "/api/v1/analyze", data=body, timeout=30,
                             headers=dict(HEADERS, **{"Content-Type": "application/json"}))
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_waitress_low_level_errors_are_its_own_text_plain(server):
    """What the README says: a request waitress cannot parse gets waitress's text/plain answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1 trailing junk\r\nHost: 127.0.0.1\r\n\r\n")
        head, body = head_of(conn)
    assert head.split(b" ")[1] == b"400" and b"Content-Type: text/plain" in head, head
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        head, body = head_of(conn)
    assert head.split(b" ")[1] == b"400" and b"Content-Type: text/plain" in head, head
    assert requests.get(server.url + "/api/v1/health", timeout=3).ok


# ---- a client that hangs up ------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


@pytest.mark.slow
@pytest.mark.faults
def test_a_client_that_hangs_up_stops_using_the_cpu():
    live = LiveServer(extra_args=("--time-budget", "60")).start()
    try:
        tag = time.time_ns()
        sentence = "Our AI alignment team studied the misaligned model and the alignment problem with RLHF."
        blocks = [{"id": f"b{n}", "text": f"{tag} {n}. " + " ".join([sentence] * 10)} for n in range(4000)]
        raw = json.dumps({"blocks": blocks}).encode()  # about 3 s of work, stopped by the word limit
        assert len(raw) < MAX_BODY_BYTES
        conn = socket.create_connection(("127.0.0.1", live.port), timeout=5)
        conn.sendall(b"POST /api/v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(raw) + raw)
        # Poll (a loaded machine gives the server less CPU a second): once it has spent 0.25 s of
        # CPU on the page it is busy with it; about 3 s of CPU work remain.
        before, deadline = cpu_seconds(live.process.pid), time.monotonic() + 30
        while (working := cpu_seconds(live.process.pid) - before) <= 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
        conn.close()
        time.sleep(0.3)
        after = cpu_seconds(live.process.pid)
        time.sleep(1.0)
        idle = cpu_seconds(live.process.pid) - after
        assert working > 0.25, "the page was meant to keep the server busy"
        assert idle < 0.25, (working, idle)
        assert re.search(r"analysis stopped early: .*the client disconnected", live.output()), live.output()
        assert requests.get(live.url + "/api/v1/health", timeout=3).ok
    finally:
        live.stop()


# ---- memory ------------------------------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def large_pages(rnd: random.Random):
    """Pages of about 4.9 MB, each unlike the others and never seen before."""
    def word():
        return "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 9)))
    tag = f"{time.time_ns()}"
    yield "one block of short sentences", [{"id": "a", "text": tag + " " + "AI alignment. " * 350_000}]
    yield "unique words", [{"id": f"u{n}", "text": f"{tag} {n} AI alignment " + " ".join(word() for _ in range(160))}
                           for n in range(4_000)]
    yield "one long sentence", [{"id": "s", "text": tag + " AI alignment " + " ".join(word() for _ in range(700_000))}]
    yield "dense blocks", [{"id": f"d{n}", "text": f"{tag} {n}: " + "the misaligned AI alignment team, " * 30}
                           for n in range(4_700)]
    yield "unique words again", [{"id": f"v{n}", "text": f"{tag} {n} AI alignment " + " ".join(word() for _ in range(160))}
                                 for n in range(4_000)]


@pytest.mark.slow
@pytest.mark.soak
def test_memory_after_large_unique_pages_stays_under_the_ceiling():
    live = LiveServer().start()
    try:
        readings = [{"page": "idle", "rss_mb": round(rss_mb(live.process.pid), 1)}]
        for name, blocks in large_pages(random.Random(9)):
            raw = json.dumps({"blocks": blocks}).encode()
            assert len(raw) < MAX_BODY_BYTES
            began = time.monotonic()
            response = requests.post(live.url + "/api/v1/analyze", data=raw, timeout=60,
                                     headers=dict(HEADERS, **{"Content-Type": "application/json"}))
            assert response.status_code == 200, response.text[:300]
            readings.append({"page": name, "mb": round(len(raw) / 2**20, 2), "seconds": round(time.monotonic() - began, 2),
                             "answer_mb": round(len(response.content) / 2**20, 2),
                             "rss_mb": round(rss_mb(live.process.pid), 1)})
        write_artifact("connections.json", "memory", {"ceiling_mb": RSS_CEILING_MB, "readings": readings})
        assert max(r["rss_mb"] for r in readings) < RSS_CEILING_MB, readings
        # at most 25,000 align words are analysed a request (bounds.py), each finding under about
        # 640 bytes with its sentence and two rewrites: the answer stays under 16 MB
        assert max(r["answer_mb"] for r in readings[1:]) < 16, readings
    finally:
        live.stop()
