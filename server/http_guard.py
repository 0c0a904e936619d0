"""Waitress, told to refuse a request as soon as its headers say it will be refused.

Waitress reads a whole request body (spooling big ones to disk) before the app sees the request,
so the app's own checks come too late for a 1 GB body from a web page. This channel checks Host,
Origin and Content-Length when the headers are in, answers the app's JSON error at once and
closes the connection without reading the body. It also answers waitress's own "body too large"
(a chunked body that grows past the limit) in the app's JSON; waitress's other low-level errors
(bad start line, bad chunking, headers too large) stay waitress's text/plain.

Clients that send headers a little at a time keep a connection alive for as long as they like
(waitress's idle timeout counts from the last byte), so a request's headers must be complete
within HEADER_TIMEOUT_S of its first byte.
"""
from __future__ import annotations

import json
import time

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer
from waitress.server import create_server as create_waitress_server
from waitress.utilities import Error, RequestEntityTooLarge

from .app import EXTENSION_ORIGIN, MAX_BODY_BYTES, BadRequest, refusal

HEADER_TIMEOUT_S = 10.0


class JsonError(Error):
    """An error answered by the server itself, in the app's format."""

    def __init__(self, status: int, message: str, origin: str | None):
        super().__init__(message)
        self.code, self.reason, self.origin = status, {403: "Forbidden", 413: "Payload Too Large"}[status], origin

    def to_response(self, ident=None):
        headers = [("Content-Type", "application/json")]
        if self.origin and EXTENSION_ORIGIN.match(self.origin):
            # The extension must be able to read why its request was refused, as the app's answers allow.
            headers += [("Access-Control-Allow-Origin", self.origin), ("Vary", "Origin")]
        return f"{self.code} {self.reason}", headers, json.dumps({"error": self.body}).encode()


def guarded_channel(hosts: set[str]) -> type[HTTPChannel]:
    """A waitress channel class whose requests are refused early by the app's rules for `hosts`."""

    class GuardedParser(HTTPRequestParser):
        checked = False

        def __init__(self, adj):
            super().__init__(adj)
            self.began = time.monotonic()  # a parser is made when a request's first bytes arrive

        def received(self, data):
            consumed = super().received(data)
            if self.headers_finished and not self.checked:
                self.checked = True
                if self.error is not None and not isinstance(self.error, RequestEntityTooLarge):
                    return consumed  # waitress could not parse the request: its own answer stands
                origin = self.headers.get("ORIGIN")
                refused: BadRequest | None = refusal(self.headers.get("HOST"), origin, hosts)
                if refused is None and self.content_length > MAX_BODY_BYTES:
                    refused = BadRequest(f"request body is larger than {MAX_BODY_BYTES} bytes", 413)
                if refused is None and isinstance(self.error, RequestEntityTooLarge):
                    refused = BadRequest(f"request body is larger than {MAX_BODY_BYTES} bytes", 413)
                if refused is not None:
                    self.error = JsonError(refused.status, refused.message, origin)
                    self.completed = True
                    self.expect_continue = False  # no "100 Continue": the body is not wanted
            elif isinstance(self.error, RequestEntityTooLarge):  # a chunked body past the limit
                self.error = JsonError(413, f"request body is larger than {MAX_BODY_BYTES} bytes",
                                       self.headers.get("ORIGIN"))
            return consumed

    class GuardedChannel(HTTPChannel):
        parser_class = GuardedParser

        def received(self, data):
            pending = self.request
            if (pending is not None and not pending.headers_finished
                    and time.monotonic() - pending.began > HEADER_TIMEOUT_S):
                self.will_close = True  # its headers have been dripping in for too long
                return False
            return super().received(data)

    return GuardedChannel


def create_server(app, hosts: set[str], **settings):
    """waitress.create_server(app, **settings), with guarded channels on every listening socket."""
    server = create_waitress_server(app, **settings)
    sockets = getattr(server, "map", None) or server._map  # several addresses, or one
    for dispatcher in list(sockets.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = guarded_channel(hosts)
    return server
