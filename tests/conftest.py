"""Shared fixtures: one engine, the Flask test client, and the real server as a subprocess."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
EXTENSION_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
ARTIFACTS = Path(__file__).resolve().parent / ".artifacts"  # measured figures; ignored by git

settings.register_profile(
    "alignment-lens", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture])
HYPOTHESIS_PROFILE = settings.get_profile("alignment-lens")
EXAMPLES_SCALE = float(os.environ.get("ALIGNMENT_LENS_EXAMPLES", "1"))  # >1 for a longer soak


def examples(n: int) -> settings:
    """Hypothesis settings for about n examples (scaled by ALIGNMENT_LENS_EXAMPLES)."""
    return settings(HYPOTHESIS_PROFILE, max_examples=max(1, int(n * EXAMPLES_SCALE)))


def write_artifact(filename: str, key: str, figures: dict) -> None:
    """Merge measured figures into tests/.artifacts/<filename> for the README and later runs."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / filename
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data[key] = figures
    path.write_text(json.dumps(data, indent=2) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`python -m server` on a free loopback port; start() and stop() may be called again."""

    def __init__(self, port: int | None = None, extra_args: tuple = ()):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.process = None

    def start(self, timeout: float = 30) -> "LiveServer":
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        # A file, not a pipe: a pipe nobody reads would block a server that logs a lot.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(self.port), *self.extra_args],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read()}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("server did not come up in time")

    def output(self) -> str:
        """What the server has printed so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="session")
def engine():
    from server.engine import Engine
    return Engine()


@pytest.fixture(scope="session")
def app(engine):
    from server.app import create_app
    return create_app(engine)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server():
    server = LiveServer().start()
    yield server
    server.stop()
