"""The real `python -m server` as a subprocess, called over HTTP with requests."""
import requests

from conftest import EXTENSION_ORIGIN


def test_starts_fast_and_reports_health(live_server):
    # The shared server's start-up, from launching the process to its first healthy answer, in
    # CPU time: on a loaded machine the wall-clock time measures the other processes.
    health = requests.get(live_server.url + "/api/v1/health", timeout=5).json()
    assert health["status"] == "ok" and health["pipeline"].startswith("spacy.blank('en')")
    assert 0 < live_server.startup_cpu_s < 10, (live_server.startup_cpu_s, live_server.startup_s)


def test_emoji_offsets_over_http(live_server):
    text = "🚀🚀 Ask them: is the new AI model aligned?"
    reply = requests.post(live_server.url + "/api/v1/analyze", json={"blocks": [{"id": "a", "text": text}]},
                          headers={"Origin": EXTENSION_ORIGIN}, timeout=10)
    assert reply.status_code == 200
    [finding] = reply.json()["blocks"][0]["findings"]
    js_index = len(text[:text.index("aligned")].encode("utf-16-le")) // 2
    assert (finding["start"], finding["end"], finding["text"]) == (js_index, js_index + 7, "aligned")


def test_bad_inputs_then_keeps_serving(live_server):
    url = live_server.url + "/api/v1/analyze"
    assert requests.post(url, data="{oops", headers={"Content-Type": "application/json"}, timeout=10).status_code == 400
    assert requests.post(url, json={"blocks": [{"id": "a", "text": None}]}, timeout=10).status_code == 400
    assert requests.post(url, json={"blocks": []}, headers={"Origin": "https://example.com"}, timeout=10).status_code == 403
    assert requests.get(url, timeout=10).status_code == 405
    assert requests.get(live_server.url + "/missing", timeout=10).json()["error"]
    big = requests.post(url, data=b"{" + b" " * (6 * 1024 * 1024) + b"}",
                        headers={"Content-Type": "application/json"}, timeout=30)
    assert big.status_code == 413 and "error" in big.json()
    ok = requests.post(url, json={"blocks": [{"id": "a", "text": "Solving alignment is hard."}]}, timeout=10)
    assert ok.status_code == 200 and ok.json()["blocks"][0]["findings"][0]["sense"] == "ambiguous"
