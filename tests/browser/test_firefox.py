"""Firefox ESR with the extension installed as a temporary add-on: tests/firefox/ under `node --test`.

The checks themselves are in tests/firefox/firefox.test.mjs (puppeteer-core over WebDriver BiDi):
marks on a LessWrong post, the card, the options page's rule list, the server off and back on."""
import os
import re
import shutil
import signal
import subprocess
import sys

from .lens_support import REPO

FIREFOX_TESTS = REPO / "tests" / "firefox"
TIMEOUT_S = 120  # the run takes about 15 s on 2 cores; every wait inside is bounded too


def test_firefox_esr_with_the_extension():
    node = shutil.which("node")
    assert node, "node is missing: Node.js runs the Firefox tests in tests/firefox"
    assert (FIREFOX_TESTS / "node_modules" / "puppeteer-core").is_dir(), \
        "puppeteer-core is missing: bash tests/run.sh installs it (or: cd tests/firefox && npm ci)"
    env = dict(os.environ, ALIGN_LENS_PYTHON=sys.executable)
    # its own process group, so a run that hangs is ended with Firefox and the server it started
    proc = subprocess.Popen([node, "--test", str(FIREFOX_TESTS)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        raise AssertionError(f"node --test tests/firefox did not finish within {TIMEOUT_S} s:\n{output[-8000:]}")
    assert proc.returncode == 0, f"node --test tests/firefox failed:\n{output[-8000:]}"
    counts = {k: int(v) for k, v in re.findall(r"^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$", output, re.M)}
    assert counts.get("tests", 0) >= 4 and counts.get("pass") == counts["tests"], output[-8000:]
    assert counts.get("skipped") == 0 and counts.get("todo") == 0, output[-8000:]
