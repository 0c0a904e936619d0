"""The HTTP API through Flask's test client: shape, offsets, errors, origins, OpenAPI contract."""
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import EXTENSION_ORIGIN

SPEC = json.loads((Path(__file__).resolve().parents[1] / "server" / "openapi.json").read_text())


def schema(name):
    """A component schema with $refs resolvable against the whole document."""
    return {**SPEC["components"]["schemas"][name], "components": SPEC["components"]}


def analyze(client, body, **headers):
    return client.post("/api/v1/analyze", data=json.dumps(body), content_type="application/json", headers=headers)


def test_analyze_returns_one_entry_per_block_in_order(client):
    blocks = [{"id": "b2", "text": "We made real progress on alignment with our AI models."},
              {"id": "b1", "text": "Nothing here."},
              {"id": "b3", "text": "Product alignment differs from superintelligence alignment."}]
    reply = analyze(client, {"blocks": blocks})
    assert reply.status_code == 200
    body = reply.get_json()
    jsonschema.validate(body, schema("AnalyzeResponse"))
    assert [b["id"] for b in body["blocks"]] == ["b2", "b1", "b3"]
    [progress] = body["blocks"][0]["findings"]
    assert progress["sense"] == "ambiguous" and progress["rule"] == "progress-claim"
    assert progress["question"].startswith("Progress on product alignment")
    assert body["blocks"][1]["findings"] == []
    assert [f["sense"] for f in body["blocks"][2]["findings"]] == ["product", "superintelligence"]
    assert all(f["question"] is None for f in body["blocks"][2]["findings"])


def test_offsets_are_utf16_code_units(client):
    text = "👍🏽 Caf\u00e9 🙂: the AI model is aligned."
    body = analyze(client, {"blocks": [{"id": "x", "text": text}]}).get_json()
    [finding] = body["blocks"][0]["findings"]
    units = text.encode("utf-16-le")
    assert units[2 * finding["start"]:2 * finding["end"]].decode("utf-16-le") == finding["text"] == "aligned"
    assert finding["start"] == len(text[:text.index("aligned")].encode("utf-16-le")) // 2


def test_each_finding_gives_its_sentence_in_utf16_code_units(client):
    text = "Rocket 🚀 launch went fine 🎉. Our 🤖 AI model is aligned now! The next one is unrelated."
    body = analyze(client, {"blocks": [{"id": "x", "text": text}]}).get_json()
    jsonschema.validate(body, schema("AnalyzeResponse"))
    [finding] = body["blocks"][0]["findings"]
    units = text.encode("utf-16-le")
    sentence = finding["sentence"]
    assert units[2 * sentence["start"]:2 * sentence["end"]].decode("utf-16-le") == "Our 🤖 AI model is aligned now!"
    assert sentence["start"] <= finding["start"] < finding["end"] <= sentence["end"]


def test_page_url_is_context(client):
    block = [{"id": "x", "text": "It all comes down to alignment."}]
    plain = analyze(client, {"blocks": block}).get_json()
    on_lw = analyze(client, {"blocks": block, "page": {"url": "https://www.lesswrong.com/posts/x", "title": "t"}}).get_json()
    assert plain["blocks"][0]["findings"] == []
    assert on_lw["blocks"][0]["findings"][0]["sense"] == "ambiguous"


def test_disabled_rules_and_unknown_rule_warning(client):
    block = [{"id": "x", "text": "The alignment team grew this year, the AI lab said."}]
    body = analyze(client, {"blocks": block, "disabled_rules": ["research-field", "rule-from-old-version"]}).get_json()
    assert body["blocks"][0]["findings"] == []
    assert body["warnings"] == ["unknown rule id ignored: rule-from-old-version"]


def test_empty_page_is_fine(client):
    assert analyze(client, {"blocks": []}).get_json()["blocks"] == []


@pytest.mark.parametrize("raw,fragment", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ("{}", "\"blocks\" must be a list"),
    ('{"blocks": "text"}', "\"blocks\" must be a list"),
    ('{"blocks": [5]}', "blocks[0] must be an object"),
    ('{"blocks": [{"text": "a"}]}', "blocks[0].id"),
    ('{"blocks": [{"id": "a", "text": 5}]}', "blocks[0].text must be a string"),
    ('{"blocks": [], "disabled_rules": ["../etc/passwd"]}', "disabled_rules[0]"),
    ('{"blocks": [], "disabled_rules": "all"}', "disabled_rules"),
    ('{"blocks": [], "page": "lesswrong"}', "\"page\""),
    ("[" * 100000 + "]" * 100000, "nested"),
])
def test_bad_input_is_a_clear_400(client, raw, fragment):
    reply = client.post("/api/v1/analyze", data=raw, content_type="application/json")
    assert reply.status_code == 400
    assert fragment in reply.get_json()["error"]
    jsonschema.validate(reply.get_json(), schema("Error"))


def test_wrong_content_type_is_400(client):
    reply = client.post("/api/v1/analyze", data="blocks", content_type="text/plain")
    assert reply.status_code == 400 and "application/json" in reply.get_json()["error"]


def test_limits_are_413(client):
    too_many = {"blocks": [{"id": str(n), "text": ""} for n in range(5001)]}
    assert analyze(client, too_many).status_code == 413
    huge = client.post("/api/v1/analyze", data=b"x" * (5 * 1024 * 1024 + 1), content_type="application/json")
    assert huge.status_code == 413 and "error" in huge.get_json()


def test_unknown_path_and_wrong_method_are_json(client):
    assert client.get("/nope").status_code == 404 and "error" in client.get("/nope").get_json()
    wrong = client.get("/api/v1/analyze")
    assert wrong.status_code == 405 and "GET" in wrong.get_json()["error"]


def test_origins(client):
    body = {"blocks": [{"id": "x", "text": "alignment"}]}
    ok = analyze(client, body, Origin=EXTENSION_ORIGIN)
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == EXTENSION_ORIGIN
    assert analyze(client, body, Origin="moz-extension://1234-abcd").status_code == 200
    for origin in ("https://evil.example", "null", "http://127.0.0.1:8000"):
        refused = analyze(client, body, Origin=origin)
        assert refused.status_code == 403 and "Origin" in refused.get_json()["error"]
        assert "Access-Control-Allow-Origin" not in refused.headers


def test_foreign_host_is_refused(client):
    reply = client.get("/api/v1/health", headers={"Host": "attacker.example:8765"})
    assert reply.status_code == 403 and "Host" in reply.get_json()["error"]
    assert client.get("/api/v1/health", headers={"Host": "localhost:8765"}).status_code == 200


def test_health_and_rules_match_the_contract(client):
    health = client.get("/api/v1/health").get_json()
    jsonschema.validate(health, schema("Health"))
    rules = client.get("/api/v1/rules").get_json()
    jsonschema.validate(rules, schema("RulesResponse"))
    ids = {r["id"] for r in rules["rules"]}
    assert {"progress-claim", "status-claim", "research-field", "alignment-problem", "product-qualified",
            "superintelligence-qualified", "specific-terms", "proper-names"} <= ids
    assert all(r["example"] for r in rules["rules"])


def test_openapi_is_served_and_lists_every_route(client, app):
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == SPEC
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes == set(SPEC["paths"])
