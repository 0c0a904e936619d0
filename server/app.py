"""The HTTP layer: routes, request validation, JSON errors, Origin and Host checks.

`create_app(engine)` builds the app; the same object serves the tests and the real server.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import spacy
from flask import Flask, jsonify, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from .bounds import MAX_WORDS_PER_BLOCK, TIME_BUDGET_S, give_back_memory
from .engine import Engine
from .rules import RULE_ID, SENSES

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"
MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.json"  # its "version" is the one version
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_BLOCKS = 5000
TRIM_AFTER_BYTES = 1024 * 1024  # requests this large give their memory back when answered
MAX_ID_CHARS = 200
MAX_DISABLED_RULES = 200
EXTENSION_ORIGIN = re.compile(r"^(?:chrome|moz|safari-web)-extension://[A-Za-z0-9._-]+$")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Warnings that name blocks end with ": " and a JSON list of their ids.
UNANALYSED_WARNING = "blocks not analysed, their findings are empty; send them again later"
CAPPED_WARNING = f"only the first {MAX_WORDS_PER_BLOCK} align words of these blocks were analysed"


class BadRequest(Exception):
    """A request the API refuses, with the status and a message that says what is wrong."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def refusal(host: str | None, origin: str | None, hosts: set[str]) -> BadRequest | None:
    """Why a request is refused before its body is read (Host, then Origin), or None. The app
    asks this of every request, and the server (server/http_guard.py) as soon as headers arrive."""
    # DNS rebinding: a web page can point its own name at 127.0.0.1, but cannot forge Host.
    name = (host or "").rsplit(":", 1)[0] if not (host or "").startswith("[") else (host or "").split("]")[0] + "]"
    if name.lower() not in hosts:
        return BadRequest(f"Host {host!r} is not a loopback name", 403)
    if origin is not None and not EXTENSION_ORIGIN.match(origin):
        return BadRequest(f"Origin {origin!r} may not use this API; only the browser extension may", 403)
    return None


def extension_version() -> str:
    """manifest.json's "version": the extension's, this server's and the packages' one version."""
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))["version"]


def create_app(engine: Engine | None = None, allowed_hosts: set[str] | None = None,
               time_budget: float | None = TIME_BUDGET_S) -> Flask:
    """The API; `time_budget` (seconds, None for none) bounds the analysis of one request."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    engine = engine or Engine()
    hosts = app.config["ALLOWED_HOSTS"] = LOOPBACK_HOSTS | set(allowed_hosts or ())
    CORS(app, origins=[EXTENSION_ORIGIN], methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=600)

    @app.before_request
    def guard():
        refused = refusal(request.host, request.headers.get("Origin"), hosts)
        if refused is not None:
            raise refused

    version = extension_version()

    @app.get("/api/v1/health")
    def health():
        return jsonify(status="ok", version=version, spacy_version=spacy.__version__,
                       pipeline=f"spacy.blank('en') + {len(engine.rules)} rules")

    @app.get("/api/v1/openapi.json")
    def openapi():
        return app.response_class(OPENAPI_PATH.read_bytes(), mimetype="application/json")

    @app.get("/api/v1/rules")
    def rules():
        # Grouped as the options page shows them: the ambiguous rules first, silent ones last.
        ordered = sorted(engine.rules.values(), key=lambda r: (SENSES.index(r.sense), -r.priority, r.id))
        return jsonify(rules=[rule.public() for rule in ordered])

    @app.post("/api/v1/analyze")
    def analyze():
        began = time.perf_counter()
        blocks, disabled, page = parse_analyze_request()
        unknown = sorted(disabled - engine.rules.keys())
        # Waitress says when the client has hung up (it reads ahead on the connection), so a
        # request nobody waits for stops early instead of running to its time budget.
        gone = request.environ.get("waitress.client_disconnected")
        analysis = engine.analyze_bounded([b["text"] for b in blocks], frozenset(disabled), page.get("url"),
                                          budget=time_budget, gone=gone)
        reply = {"blocks": [{"id": b["id"], "findings": f} for b, f in zip(blocks, analysis.findings)],
                 "took_ms": round((time.perf_counter() - began) * 1000, 2)}
        warnings = [f"unknown rule id ignored: {rule_id}" for rule_id in unknown]
        if analysis.unanalysed:
            app.logger.warning("analysis stopped early: %s; %d blocks not analysed",
                               analysis.reason, len(analysis.unanalysed))
            ids = [blocks[n]["id"] for n in analysis.unanalysed]
            warnings.append(f"{UNANALYSED_WARNING} ({analysis.reason}): {json.dumps(ids)}")
        if analysis.capped:
            ids = [blocks[n]["id"] for n in analysis.capped]
            warnings.append(f"{CAPPED_WARNING}: {json.dumps(ids)}")
        if warnings:
            reply["warnings"] = warnings
        response = jsonify(reply)
        if (request.content_length or 0) > TRIM_AFTER_BYTES:
            del reply, analysis, blocks
            give_back_memory()
        return response

    @app.errorhandler(BadRequest)
    def bad_request(error: BadRequest):
        return jsonify(error=error.message), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {404: "no such endpoint; see /api/v1/health, /api/v1/rules, /api/v1/analyze",
                    405: f"method {request.method} is not allowed here",
                    413: f"request body is larger than {MAX_BODY_BYTES} bytes"}
        return jsonify(error=messages.get(error.code, error.description)), error.code

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        app.logger.exception("analysis failed")
        return jsonify(error="internal error; the server logged it and keeps serving"), 500

    return app


def parse_analyze_request() -> tuple[list[dict], set[str], dict]:
    """Validate the body of POST /api/v1/analyze; raise BadRequest naming the first problem."""
    if not request.is_json:
        raise BadRequest("send JSON with Content-Type: application/json")
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("JSON is nested too deeply") from None
    if body is None:
        raise BadRequest("body is not valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object with a \"blocks\" list")
    blocks = body.get("blocks")
    if not isinstance(blocks, list):
        raise BadRequest("\"blocks\" must be a list of {\"id\", \"text\"} objects")
    if len(blocks) > MAX_BLOCKS:
        raise BadRequest(f"too many blocks: {len(blocks)} > {MAX_BLOCKS}; split the page", 413)
    for n, block in enumerate(blocks):
        if not isinstance(block, dict):
            raise BadRequest(f"blocks[{n}] must be an object")
        if not isinstance(block.get("id"), str) or not 0 < len(block["id"]) <= MAX_ID_CHARS:
            raise BadRequest(f"blocks[{n}].id must be a string of 1 to {MAX_ID_CHARS} characters")
        if not isinstance(block.get("text"), str):
            raise BadRequest(f"blocks[{n}].text must be a string")
    disabled = body.get("disabled_rules", [])
    if not isinstance(disabled, list) or len(disabled) > MAX_DISABLED_RULES:
        raise BadRequest(f"\"disabled_rules\" must be a list of at most {MAX_DISABLED_RULES} rule ids")
    for n, rule_id in enumerate(disabled):
        if not isinstance(rule_id, str) or len(rule_id) > 64 or not RULE_ID.fullmatch(rule_id):
            raise BadRequest(f"disabled_rules[{n}] is not a rule id (lowercase words joined by '-')")
    page = body.get("page", {})
    if page is None:
        page = {}
    if not isinstance(page, dict) or not all(isinstance(page.get(k, ""), str) for k in ("url", "title")):
        raise BadRequest("\"page\" must be an object with string \"url\" and \"title\"")
    return blocks, set(disabled), page
