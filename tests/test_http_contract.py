"""The HTTP surface keeps the contract of server/openapi.json, for valid and generated invalid requests.

Schema-driven fuzzing with hypothesis + jsonschema (no schemathesis needed):
  * request bodies are generated from components.schemas.AnalyzeRequest, then some are mutated
    (a value replaced by arbitrary JSON, a key deleted) or replaced by arbitrary JSON / broken bytes;
  * the spec itself is the oracle: a body the AnalyzeRequest schema accepts must get 200, one it
    refuses must get 400 (413 when only the block limit is broken); a foreign Origin or Host gets 403;
  * every response must be documented for its path, method and status, carry JSON, and its body must
    validate against the schema the spec names (refs resolved with `referencing`); a 500 or a
    non-JSON error page is always a failure. 404/405 are documented by components.responses.Error
    for any path/method the spec does not list.
"""
from __future__ import annotations

import json
import re

import jsonschema
import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import EXTENSION_ORIGIN, REPO, LiveServer, examples



SPEC_PATH = REPO / "server" / "openapi.json"
SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
SPEC_URI = "urn:alignment-lens:openapi"
REGISTRY = Registry().with_resource(SPEC_URI, Resource.from_contents(SPEC, default_specification=DRAFT202012))


def _ecma_pattern(validator, pattern, instance, schema):
    """JSON Schema patterns are ECMA-262 regexes: `$` ends the string; Python's `$` also matches before a final \\n."""
    if isinstance(instance, str) and not re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


SpecValidator = jsonschema.validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def pointer(ref: str):
    assert ref.startswith("#/"), ref
    node = SPEC
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def absolute_refs(node):
    """The schema with its "#/..." refs pointed at the spec, so it can be validated on its own."""
    if isinstance(node, dict):
        return {k: SPEC_URI + v if k == "$ref" and v.startswith("#") else absolute_refs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [absolute_refs(v) for v in node]
    return node


def validator_for(schema: dict):
    """A validator for a schema taken from the spec; its refs resolve against the spec."""
    return SpecValidator(absolute_refs(schema), registry=REGISTRY)


ANALYZE_REQUEST = SpecValidator({"$ref": SPEC_URI + "#/components/schemas/AnalyzeRequest"}, registry=REGISTRY)
ERROR_SCHEMA = pointer("#/components/schemas/Error")


def documented_response(path: str, method: str, status: int) -> dict:
    """The spec's response object for this path/method/status (refs resolved), or a test failure.

    For a path or method the spec does not list, components.responses.Error documents
    "403 foreign Origin or Host, 404 unknown path, 405 wrong method" and nothing else.
    """
    operations = SPEC["paths"].get(path, {})
    operation = operations.get("get" if method == "HEAD" else method.lower())  # HEAD is GET without a body
    if operation is None:
        allowed = {403, 405} if operations else {403, 404}
        assert status in allowed, f"{method} {path} answered {status}; the spec documents only {allowed} here"
        return pointer("#/components/responses/Error")
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method} {path} answered undocumented status {status}"
    while "$ref" in response:
        response = pointer(response["$ref"])
    return response


def assert_documented(path: str, method: str, status: int, content_type: str | None, body: bytes) -> None:
    assert status != 500, f"{method} {path}: 500 {body[:300]!r}"
    response = documented_response(path, method, status)
    if method == "HEAD":
        assert body == b""
        return
    media = response["content"]["application/json"]
    assert content_type and content_type.split(";")[0].strip() == "application/json", \
        f"{method} {path} {status}: Content-Type {content_type!r}, body {body[:200]!r}"
    document = json.loads(body)
    errors = sorted(validator_for(media["schema"]).iter_errors(document), key=lambda e: e.path)
    assert not errors, f"{method} {path} {status}: {errors[0].message} at {list(errors[0].path)}"


# ---- strategies generated from the spec ---------------------------------------------------------
ALIGN_SENTENCES = ["We work on AI alignment.", "Our product alignment meeting is at noon.",
                   "The models are misaligned with human values.", "Alignment", "text-align: center",
                   "The superalignment team left. Misalignment is a risk.", "\U0001F600 AI alignment \u200b!"]
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8)


# st.from_regex is slow; a pattern of the spec gets a hand-made strategy, checked against the pattern below.
SLUG_PART = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
RULE_FILES = sorted(p.stem for p in (REPO / "server" / "rules").glob("*.json"))
PATTERN_STRATEGIES = {
    "^[a-z0-9]+(?:-[a-z0-9]+)*$": st.lists(SLUG_PART, min_size=1, max_size=4).map("-".join)
    | st.sampled_from(RULE_FILES),
}


def from_schema(schema: dict, name: str = "") -> st.SearchStrategy:
    """Values valid against a (small) JSON Schema: the subset openapi.json uses."""
    while "$ref" in schema:
        schema = pointer(schema["$ref"])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema(dict(schema, type=k), name) for k in kind])
    if kind == "object":
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        return st.fixed_dictionaries(
            {k: from_schema(properties.get(k, {}), k) for k in required},
            optional={k: from_schema(v, k) for k, v in properties.items() if k not in required})
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), name), max_size=min(schema.get("maxItems", 6), 6))
    if kind == "string":
        if "pattern" in schema:
            assert schema["pattern"] in PATTERN_STRATEGIES, f"no strategy for pattern {schema['pattern']}"
            return PATTERN_STRATEGIES[schema["pattern"]]
        text = st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40),
                       alphabet=st.characters(exclude_categories=("Cs",)))
        return text | st.sampled_from(ALIGN_SENTENCES) if name == "text" else text
    if kind == "null":
        return st.none()
    if kind == "integer":
        return st.integers()
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    return any_json


valid_requests = from_schema(pointer("#/components/schemas/AnalyzeRequest"))


def paths_in(document, prefix=()):
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths_in(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths_in(value, prefix + (index,))


@st.composite
def mutated_requests(draw):
    """A valid request with one value replaced by arbitrary JSON or one key/item deleted."""
    document = draw(valid_requests)
    path = draw(st.sampled_from(list(paths_in(document))))
    replacement = draw(any_json | st.sampled_from(["", "../etc/passwd", "a/b", "%2e%2e", "x" * 201, "A", 0, None,
                                                  [], {}, ["ai-alignment"], [{"id": "a"}]]))
    if not path:
        return replacement
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()) and isinstance(parent, (dict, list)):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return document


bodies = st.one_of(valid_requests, valid_requests, mutated_requests(), mutated_requests(), any_json)
origins = st.sampled_from([None, None, EXTENSION_ORIGIN, "moz-extension://abc", "https://evil.example", "null"])
hosts = st.sampled_from([None, None, "localhost", "127.0.0.1:8765", "evil.example", "127.0.0.1.nip.io"])
content_types = st.sampled_from(["application/json", "application/json", "application/json; charset=utf-8",
                                 "text/plain", None, "application/x-www-form-urlencoded"])


def refused_origin_or_host(origin, host) -> bool:
    bad_origin = origin is not None and not re.match(r"^(chrome|moz|safari-web)-extension://[A-Za-z0-9._-]+$", origin)
    bad_host = host is not None and host.split(":")[0] not in ("localhost", "127.0.0.1")
    return bad_origin or bad_host


def expected_status(document, raw_ok: bool, content_type, origin, host) -> set[int]:
    if refused_origin_or_host(origin, host):
        return {403}
    if content_type is None or not content_type.startswith("application/json") or not raw_ok:
        return {400}
    if ANALYZE_REQUEST.is_valid(document):
        return {200}
    blocks = document.get("blocks") if isinstance(document, dict) else None
    if isinstance(blocks, list) and len(blocks) > 5000:
        return {413}
    return {400}


def encode(document, broken: bool) -> bytes:
    raw = json.dumps(document).encode()
    return raw[: max(0, len(raw) - 1)] + b"\xff" if broken else raw


def headers_for(content_type, origin, host) -> dict:
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if origin:
        headers["Origin"] = origin
    if host:
        headers["Host"] = host
    return headers


@examples(200)
@given(st.data())
def test_pattern_strategies_produce_only_matching_strings(data):
    for pattern, strategy in PATTERN_STRATEGIES.items():
        assert re.fullmatch(pattern.replace("$", r"\Z"), data.draw(strategy))


# ---- the spec itself ----------------------------------------------------------------------------
def test_every_ref_in_the_spec_resolves_and_every_schema_is_valid():
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(SPEC)
    assert refs
    for ref in refs:
        assert pointer(ref) is not None
    for name, schema in SPEC["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    assert SPEC["openapi"].startswith("3.1")


def test_served_spec_is_the_file(client):
    response = client.get("/api/v1/openapi.json")
    assert_documented("/api/v1/openapi.json", "GET", response.status_code, response.content_type, response.data)
    assert response.get_json() == SPEC


@pytest.mark.parametrize("path,method", [(p, m.upper()) for p, ops in SPEC["paths"].items() for m in ops])
def test_every_documented_operation_answers_as_documented(client, path, method):
    kw = {"json": {"blocks": [{"id": "a", "text": s} for s in ALIGN_SENTENCES]}} if method == "POST" else {}
    response = client.open(path, method=method, **kw)
    assert response.status_code == 200
    assert_documented(path, method, 200, response.content_type, response.data)
    refused = client.open(path, method=method, headers={"Origin": "https://evil.example"}, **kw)
    assert_documented(path, method, refused.status_code, refused.content_type, refused.data)
    assert refused.status_code == 403


def test_analyze_documents_findings_for_every_sense(client, engine):
    """Examples from every rule: each finding of a rule with a finding sense validates as a Finding."""
    texts = [e.text for rule in engine.rules.values() for e in rule.examples]
    response = client.post("/api/v1/analyze", json={"blocks": [{"id": str(i), "text": t} for i, t in enumerate(texts)]})
    assert_documented("/api/v1/analyze", "POST", response.status_code, response.content_type, response.data)
    senses = {f["sense"] for b in response.get_json()["blocks"] for f in b["findings"]}
    assert senses == set(pointer("#/components/schemas/Sense")["enum"]), senses


# ---- fuzzing the analysis endpoint ------------------------------------------------------------
def check_analyze(send, document, broken, content_type, origin, host):
    raw = encode(document, broken)
    status, response_type, body = send("/api/v1/analyze", "POST", raw, headers_for(content_type, origin, host))
    assert_documented("/api/v1/analyze", "POST", status, response_type, body)
    expected = expected_status(document, not broken, content_type, origin, host)
    assert status in expected, (f"spec says {expected} for this request, server said {status}",
                                raw[:300], body[:300])
    if status == 200:
        reply = json.loads(body)
        assert [b["id"] for b in reply["blocks"]] == [b["id"] for b in document["blocks"]]
        unknown = sorted(set(document.get("disabled_rules", [])) - KNOWN_RULES)
        assert reply.get("warnings", []) == [f"unknown rule id ignored: {r}" for r in unknown]


def flask_sender(client):
    def send(path, method, raw, headers):
        response = client.open(path, method=method, data=raw, headers=headers)
        return response.status_code, response.headers.get("Content-Type"), response.data
    return send


KNOWN_RULES: set[str] = set()


@pytest.fixture(autouse=True, scope="module")
def known_rules(engine):
    KNOWN_RULES.update(engine.rules)


@examples(1000)
@given(bodies, st.booleans(), content_types, origins, hosts)
def test_fuzzed_analyze_requests_get_documented_answers(app, document, broken, content_type, origin, host):
    check_analyze(flask_sender(app.test_client()), document, broken, content_type, origin, host)


@pytest.mark.parametrize("document", [
    {"blocks": [{"id": str(i), "text": ""} for i in range(5001)]},
    {"blocks": [{"id": "a", "text": "x"}], "disabled_rules": ["ai-alignment\n"]},
    {"blocks": [{"id": "a", "text": "x"}], "disabled_rules": ["a" * 65]},
    {"blocks": [{"id": "a" * 201, "text": "x"}]},
    {"blocks": [{"id": "\U0001F600" * 200, "text": "x"}]},
    {"blocks": [], "page": None},
    {"blocks": [], "page": {"url": None}},
    {"blocks": [], "page": {"title": 3}},
    {"blocks": [{"id": "a", "text": "AI alignment"}], "disabled_rules": ["x"] * 201},
    {"blocks": [{"id": "a", "text": "AI alignment", "extra": 1}], "unknown": True},
])
def test_edge_requests_agree_with_the_spec(app, document):
    check_analyze(flask_sender(app.test_client()), document, False, "application/json", None, None)


METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
PATHS = list(SPEC["paths"]) + ["/", "/api", "/api/v1", "/api/v1/", "/api/v2/health", "/api/v1/health/",
                               "/api/v1/rules/ai-alignment", "/api/v1/analyze/x", "/API/V1/HEALTH", "/favicon.ico"]


@examples(300)
@given(st.sampled_from(METHODS), st.sampled_from(PATHS) | st.from_regex(r"\A(/[A-Za-z0-9._~-]{1,12}){1,4}/?\Z"),
       st.dictionaries(st.sampled_from(["q", "format", "callback", "x"]), st.text(max_size=5), max_size=2),
       origins, hosts)
def test_any_method_and_path_gets_a_documented_json_answer(app, method, path, query, origin, host):
    response = app.test_client().open(path, method=method, query_string=query,
                                      headers=headers_for(None, origin, host))
    status = response.status_code
    if method == "OPTIONS" and status == 200:  # CORS preflight: no body, an Allow header
        assert response.data == b"" and "Allow" in response.headers
        return
    if status == 403:
        assert refused_origin_or_host(origin, host)
    assert_documented(response.request.path, method, status,
                      response.headers.get("Content-Type"), response.data)
    if method == "HEAD" and status == 200:
        get = app.test_client().get(path, query_string=query, headers=headers_for(None, origin, host))
        assert get.status_code == 200


# ---- the same through the real server ----------------------------------------------------------
@pytest.fixture(scope="module")
def real_server():
    server = LiveServer().start()
    yield server
    server.stop()


@examples(200)
@given(bodies, st.booleans(), content_types, origins, hosts)
def test_fuzzed_requests_through_waitress_get_documented_answers(real_server, document, broken, content_type,
                                                                 origin, host):
    session = requests.Session()

    def send(path, method, raw, headers):
        response = session.request(method, real_server.url + path, data=raw, headers=headers, timeout=30)
        return response.status_code, response.headers.get("Content-Type"), response.content
    check_analyze(send, document, broken, content_type, origin, host)
