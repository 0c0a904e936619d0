"""Shared fixtures: one engine, the Flask test client, and the real server as a subprocess."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
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


# The real server as a subprocess: one helper for these tests and the browser tests
# (tests/browser/lens_support.py, stdlib only, so its scripts can use it too).
from browser.lens_support import ApiServer as LiveServer, free_port  # noqa: E402,F401


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
    """The one default-configured real server, shared by every test that does not need its own
    flags or to kill it; tests must leave it answering."""
    server = LiveServer().start()
    yield server
    server.stop()
