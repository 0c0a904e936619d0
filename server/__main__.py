"""Command line: `python -m server` serves the API; `check`, `evaluate`, `explain` and `bench` help rule authors."""
from __future__ import annotations

import argparse
import logging
import os
import sys

from .bounds import TIME_BUDGET_S
from .engine import CACHE_BYTES, CACHE_SIZE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
# Waitress's limits (README, "Reliability"): connections, idle time, body size, header size.
CONNECTION_LIMIT = 500
CHANNEL_TIMEOUT_S = 10  # an idle connection is closed after this long...
CLEANUP_INTERVAL_S = 2  # ...checked this often
MAX_HEADER_BYTES = 64 * 1024


def serve(args) -> int:
    from .app import MAX_BODY_BYTES, create_app
    from .http_guard import create_server

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"WARNING: listening on {args.host}, not loopback: other machines can reach this API.",
              file=sys.stderr)
    from .engine import Engine

    engine = Engine(cache_size=args.cache_size, cache_bytes=args.cache_bytes)
    # The rules, lexicons and spaCy's tables live as long as the process: keep them out of the
    # garbage collector's scans, which otherwise made dense requests up to a third slower (bench).
    import gc
    gc.freeze()
    app = create_app(engine, allowed_hosts={args.host} if args.host not in ("0.0.0.0", "::") else None,
                     time_budget=args.time_budget if args.time_budget > 0 else None)
    server = create_server(
        app, app.config["ALLOWED_HOSTS"], host=args.host, port=args.port, threads=args.threads,
        ident="alignment-lens", connection_limit=CONNECTION_LIMIT, channel_timeout=CHANNEL_TIMEOUT_S,
        cleanup_interval=CLEANUP_INTERVAL_S, max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses >=
        max_request_header_size=MAX_HEADER_BYTES,
        channel_request_lookahead=1,  # keep reading while a request runs, to notice a client hanging up
        asyncore_use_poll=True)  # select() stops at 1024 descriptors
    print(f"Alignment Lens API listening on http://{args.host}:{args.port}  (Ctrl+C stops it)")
    print("Load the extension: chrome://extensions > Developer mode > Load unpacked > this repo's folder.")
    sys.stdout.flush()
    logging.basicConfig()  # waitress logs refused connections and its own errors
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


def check(args) -> int:
    from .check import check_all
    from .engine import Engine

    engine = Engine()
    failures = check_all(engine)
    total = sum(len(rule.examples) for rule in engine.rules.values())
    for failure in failures:
        print("FAIL", failure)
    print(f"{total - len(failures)} of {total} rule examples hold ({len(engine.rules)} rules)")
    from .rules import dead_words, unused_lexicons
    for name in unused_lexicons():
        print(f"WARNING: lexicon {name!r} in lexicons.json is used by no rule")
    for problem in dead_words():
        print(f"WARNING: {problem}: it can never match; write the tokens it becomes, or delete it")
    return 1 if failures else 0


def evaluate(args) -> int:
    from .evaluate import main as evaluate_main
    return evaluate_main(args.labelled, show_errors=args.show_errors, with_urls=args.with_urls)


def explain(args) -> int:
    from .explain import main as explain_main
    return explain_main(sys.stdin.read() if args.text == "-" else args.text, url=args.url)


def bench(args) -> int:
    from .bench import main as bench_main
    return bench_main(words=args.words, words_per_align=args.words_per_align)


def service(args) -> int:
    from .service import main as service_main
    return service_main(args.action, port=args.port, host=args.host)


def lint(args) -> int:
    from .lint import main as lint_main
    return lint_main(args)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("ALIGNMENT_LENS_HOST", DEFAULT_HOST),
                        help="address to listen on (env ALIGNMENT_LENS_HOST; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ALIGNMENT_LENS_PORT", DEFAULT_PORT)),
                        help="port (env ALIGNMENT_LENS_PORT; default 8765)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--cache-size", type=int, default=CACHE_SIZE, help="analysed blocks kept in memory")
    parser.add_argument("--cache-bytes", type=int, default=CACHE_BYTES,
                        help="approximate bytes the block cache may hold (default 64 MB)")
    parser.add_argument("--time-budget", type=float, default=TIME_BUDGET_S,
                        help="seconds of analysis per request; blocks left are named in warnings (0: no limit)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the API (the default)")
    commands.add_parser("check", help="run every rule's example sentences")
    ev = commands.add_parser("evaluate", help="score the rules on a labelled JSONL file")
    ev.add_argument("labelled")
    ev.add_argument("--show-errors", action="store_true")
    ev.add_argument("--with-urls", action="store_true", help="send each page's \"source\" as its URL, as the extension does")
    ex = commands.add_parser("explain", help="show which rules matched each align word of a text, and why one won")
    ex.add_argument("text", help='the text ("-" reads it from stdin), analysed as one block')
    ex.add_argument("--url", help="the page's URL (an AI site makes the page about AI)")
    be = commands.add_parser("bench", help="time the engine against a plain regex scan")
    be.add_argument("--words", type=int, default=100_000)
    be.add_argument("--words-per-align", type=int, default=40,
                    help="density of align-family words (the essay behind the product: one per 41 words)")
    sv = commands.add_parser("service", help="start the server at login (systemd user unit, LaunchAgent, logon task)")
    sv.add_argument("action", choices=["install", "uninstall", "status", "run"],
                    help="install (and start), uninstall, status; run is what the Windows task runs")
    sv.add_argument("--port", type=int, default=argparse.SUPPRESS, help="port the service listens on")
    from .lint import add_arguments as lint_arguments
    lint_arguments(commands.add_parser(
        "lint", help="check Markdown, HTML or plain-text drafts for ambiguous uses (no server needed)",
        description="Exit 0: nothing ambiguous; 1: something ambiguous; 2: a usage or read error."))
    args = parser.parse_args(argv)
    handlers = {None: serve, "serve": serve, "check": check, "evaluate": evaluate, "explain": explain,
                "bench": bench, "service": service, "lint": lint}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
