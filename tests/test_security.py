"""The API refuses what a web page (or a confused client) could throw at it, always with a JSON error.

* Origin: only browser-extension origins (or none) are served; a web page's Origin and `null` get 403.
* Host: DNS rebinding is refused: any Host that is not a loopback name gets 403.
* Size and shape: > 5 MB -> 413, deeply nested JSON -> 400, rule ids of path characters -> 400.
* CORS: an extension Origin is echoed in Access-Control-Allow-Origin, a web Origin never is.
* Binding: 127.0.0.1 only by default; --host 0.0.0.0 prints a loud warning.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import EXTENSION_ORIGIN, REPO, free_port

ENDPOINTS = [("GET", "/api/v1/health"), ("GET", "/api/v1/rules"), ("GET", "/api/v1/openapi.json"),
             ("POST", "/api/v1/analyze")]
GOOD_BODY = {"blocks": [{"id": "a", "text": "We work on AI alignment."}]}
WEB_ORIGINS = ["https://evil.example", "null", "http://127.0.0.1:8765", "http://localhost", "file://",
               "https://chrome-extension.evil.example", "chrome-extension://abc/../x",
               "chrome-extension://", "moz-extension://abc def", "CHROME-EXTENSION://abc" + "\u00e9"]
EXTENSION_ORIGINS = [EXTENSION_ORIGIN, "moz-extension://0f4e7d2c-1b7a-4c1e-9d0a-3a5b6c7d8e9f",
                     "safari-web-extension://ABC-123"]
FOREIGN_HOSTS = ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example", "evil.example:8765",
                 "127.0.0.2", "0.0.0.0", "[::2]", "192.0.2.2", "localhost.", "127.1", "2130706433"]
PATH_RULE_IDS = ["../etc/passwd", "a/b", "%2e%2e", "..", "a\\b", "/", "rules/../x", "A", "a_b", "",
                 " a", "a-", "-a", "a--b", "a.b", "\u0430lign", "a\x00b", "x" * 65]


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], str) and body["error"]


def call(client, method, path, **kw):
    if method == "POST":
        kw.setdefault("json", GOOD_BODY)
    return client.open(path, method=method, **kw)


# ---- Origin -------------------------------------------------------------------------------------
@pytest.mark.parametrize("origin", WEB_ORIGINS)
@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_web_origins_are_refused_without_cors_headers(client, method, path, origin):
    response = call(client, method, path, headers={"Origin": origin})
    assert_json_error(response, 403)
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("origin", WEB_ORIGINS[:3])
def test_web_origin_preflight_is_refused(client, origin):
    response = client.options("/api/v1/analyze", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("origin", EXTENSION_ORIGINS)
@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_extension_origins_are_served_and_echoed(client, method, path, origin):
    response = call(client, method, path, headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers.get("Vary", "")


def test_extension_preflight_allows_post_with_json(client):
    response = client.options("/api/v1/analyze", headers={
        "Origin": EXTENSION_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EXTENSION_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


def test_no_origin_is_served_without_cors_headers(client):
    response = call(client, "POST", "/api/v1/analyze")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_simple_text_plain_post_from_a_page_is_refused(client):
    """A page can POST text/plain without a preflight; the Origin check must stop it before analysis."""
    response = client.post("/api/v1/analyze", data=json.dumps(GOOD_BODY),
                           headers={"Content-Type": "text/plain", "Origin": "https://evil.example"})
    assert_json_error(response, 403)
    no_origin = client.post("/api/v1/analyze", data=json.dumps(GOOD_BODY), headers={"Content-Type": "text/plain"})
    assert_json_error(no_origin, 400)


# ---- Host (DNS rebinding) -----------------------------------------------------------------------
@pytest.mark.parametrize("host", FOREIGN_HOSTS)
@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_foreign_host_headers_are_refused(client, method, path, host):
    response = call(client, method, path, headers={"Host": host, "Origin": EXTENSION_ORIGIN})
    assert_json_error(response, 403)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8765", "localhost", "LOCALHOST:1", "[::1]", "[::1]:8765"])
def test_loopback_host_headers_are_served(client, host):
    assert client.get("/api/v1/health", headers={"Host": host}).status_code == 200


# ---- size and shape -----------------------------------------------------------------------------
def test_body_over_5_mb_is_413_json(client):
    text = "alignment " * (530 * 1024)  # 5.3 MB
    assert_json_error(client.post("/api/v1/analyze", json={"blocks": [{"id": "a", "text": text}]}), 413)


def test_more_than_5000_blocks_is_413_json(client):
    blocks = [{"id": str(i), "text": ""} for i in range(5001)]
    assert_json_error(client.post("/api/v1/analyze", json={"blocks": blocks}), 413)


@pytest.mark.parametrize("shape", ["arrays", "objects", "inside-blocks", "inside-text-field"])
def test_deeply_nested_json_is_400_not_a_crash(client, shape):
    depth = 100_000
    body = {"arrays": "[" * depth + "]" * depth,
            "objects": '{"a":' * depth + "1" + "}" * depth,
            "inside-blocks": '{"blocks":' + "[" * depth + "]" * depth + "}",
            "inside-text-field": '{"blocks":[{"id":"a","text":' + "[" * depth + "]" * depth + "}]}"}[shape]
    response = client.post("/api/v1/analyze", data=body, headers={"Content-Type": "application/json"})
    assert_json_error(response, 400)
    assert client.get("/api/v1/health").status_code == 200


@pytest.mark.parametrize("rule_id", PATH_RULE_IDS)
def test_rule_ids_made_of_path_characters_are_refused(client, rule_id):
    response = client.post("/api/v1/analyze", json=dict(GOOD_BODY, disabled_rules=[rule_id]),
                           headers={"Origin": EXTENSION_ORIGIN})
    assert_json_error(response, 400)
    assert "disabled_rules[0]" in response.get_json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/%2e%2e/%2e%2e/server/app.py", "/api/v1/rules/../../etc/passwd",
                                  "/api/v1/rules/ai-alignment", "/server/rules/ai-alignment.json",
                                  "/api/v1/../openapi.json", "/%2e%2e/%2e%2e/etc/passwd", "/static/app.py", "/"])
def test_paths_outside_the_api_are_json_404(client, path):
    assert_json_error(client.get(path), 404)


def test_error_messages_are_json_encoded_not_reflected_html(client):
    response = client.post("/api/v1/analyze", data=b"{}", headers={
        "Content-Type": "application/json", "Origin": "https://e.example/<script>alert(1)</script>"})
    assert_json_error(response, 403)
    assert response.mimetype == "application/json"


# ---- the real server on the wire ----------------------------------------------------------------
@pytest.fixture()
def real_server(live_server):
    return live_server  # conftest's shared real server


def raw_http(port: int, request: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


@pytest.mark.parametrize("host", [b"evil.example", b"127.0.0.1.nip.io", b"127.0.0.1:80@evil.example",
                                  b"127.0.0.1:8765.evil.example", b"localhost\r\nHost: evil.example"])
def test_live_server_refuses_foreign_host_on_the_wire(real_server, host):
    reply = raw_http(real_server.port, b"GET /api/v1/health HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 403"), reply[:300]
    assert b"Content-Type: application/json" in head
    assert "error" in json.loads(body)


def test_live_server_refuses_http_1_0_without_host(real_server):
    head, _, body = raw_http(real_server.port, b"GET /api/v1/health HTTP/1.0\r\n\r\n").partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 403") and "error" in json.loads(body)


@pytest.mark.parametrize("how", ["content-length", "chunked"])
def test_live_server_answers_413_json_to_a_6_mb_body_and_keeps_serving(real_server, how):
    big = b'{"blocks":[{"id":"a","text":"' + b"alignment " * 630_000 + b'"}]}'
    headers = {"Content-Type": "application/json", "Origin": EXTENSION_ORIGIN}
    data = big if how == "content-length" else iter([big[i:i + 65536] for i in range(0, len(big), 65536)])
    response = requests.post(real_server.url + "/api/v1/analyze", data=data, headers=headers, timeout=60)
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]
    assert requests.get(real_server.url + "/api/v1/health", timeout=5).ok


def test_live_server_survives_nested_json_and_garbage(real_server):
    depth = 100_000
    response = requests.post(real_server.url + "/api/v1/analyze", data="[" * depth + "]" * depth,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    garbage = raw_http(real_server.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n")
    assert not garbage.startswith(b"HTTP/1.1 5") and not garbage.startswith(b"HTTP/1.0 5"), garbage[:200]
    assert requests.get(real_server.url + "/api/v1/health", timeout=5).ok


# ---- binding ------------------------------------------------------------------------------------
def listening_addresses(port: int) -> list[str]:
    """Local addresses of LISTEN sockets on `port`, from /proc/net/tcp and tcp6 (hex, kernel byte order)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":
                if len(address) == 8:
                    found.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, 32, 8))
                    found.append(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def own_non_loopback_ipv4() -> list[str]:
    """This machine's own IPv4 addresses other than 127/8 (from the kernel's routing trie)."""
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    found = {lines[i - 1].split()[-1] for i, line in enumerate(lines) if "/32 host LOCAL" in line}
    return sorted(a for a in found if not a.startswith("127."))


def test_server_binds_only_127_0_0_1_by_default(real_server):
    assert listening_addresses(real_server.port) == ["127.0.0.1"]
    for address in own_non_loopback_ipv4():  # this machine's own interfaces only
        with pytest.raises(OSError):
            socket.create_connection((address, real_server.port), timeout=2).close()
    socket.create_connection(("127.0.0.1", real_server.port), timeout=2).close()


def test_host_0_0_0_0_prints_a_loud_warning_and_still_checks_host():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "server", "--host", "0.0.0.0", "--port", str(port)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "server did not come up"
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        assert listening_addresses(port) == ["0.0.0.0"]
        foreign = requests.get(f"http://127.0.0.1:{port}/api/v1/health", headers={"Host": "evil.example"}, timeout=5)
        assert foreign.status_code == 403
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert "WARNING" in err and "0.0.0.0" in err and "not loopback" in err, err
    assert "WARNING" not in out  # the warning is on stderr, where a terminal shows it even with stdout redirected


def test_default_start_prints_no_warning(live_server):
    # conftest's shared server was started with no flags, as the README's command does
    assert requests.get(live_server.url + "/api/v1/health", timeout=5).ok
    # What it printed on starting: the loopback warning would come before its banner's last line
    # (later lines are waitress's notes about the load other tests put on the shared server).
    out = live_server.output().split("Load the extension:")[0]
    assert "WARNING" not in out and "listening on http://127.0.0.1:" in out, out
