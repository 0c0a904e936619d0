"""The repo root is a loadable unpacked extension, and the pure JS logic passes `node --test`."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import pytest

from .lens_support import CHROMIUM, REPO, free_port, wait_ready

# Chrome (156) reports this for the Firefox half of the cross-browser `background` key and
# ignores the key; nothing else may show up.
KNOWN_CHROME_MESSAGES = {"'background.scripts' requires manifest version of 2 or lower."}


def manifest():
    return json.loads((REPO / "manifest.json").read_text())


def referenced_files(m):
    files = set(m["icons"].values()) | set(m["action"]["default_icon"].values())
    files |= {m["background"]["service_worker"], *m["background"]["scripts"]}
    files |= {m["action"]["default_popup"], m["options_ui"]["page"]}
    for cs in m["content_scripts"]:
        files |= set(cs.get("js", [])) | set(cs.get("css", []))
    return files


def test_node_unit_tests():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    result = subprocess.run([node, "--test", str(REPO / "tests" / "browser" / "js")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_repo_root_passes_load_unpacked_checks():
    # "Load unpacked" refuses names starting with "_" at the top level (e.g. __pycache__)
    assert [p.name for p in REPO.iterdir() if p.name.startswith("_")] == []
    m = manifest()
    assert m["manifest_version"] == 3
    missing = [f for f in referenced_files(m) if not (REPO / f).is_file()]
    assert missing == []
    # files the extension pages load
    for page in (m["action"]["default_popup"], m["options_ui"]["page"]):
        html = (REPO / page).read_text()
        for ref in re.findall(r'(?:src|href)="([^"#:]+)"', html):
            assert (REPO / page).parent.joinpath(ref).resolve().is_file(), f"{page} -> {ref}"
    # icons are real PNGs of the declared sizes
    for size, path in m["icons"].items():
        data = (REPO / path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == int(size) == int.from_bytes(data[20:24], "big")
    # Firefox 140+ (the first with the CSS Custom Highlight API) loads the same manifest
    assert m["browser_specific_settings"]["gecko"]["strict_min_version"] == "140.0"
    assert m["background"]["scripts"][-1] == m["background"]["service_worker"]


def test_added_site_runs_the_manifests_content_scripts(browser, page):
    """A site added in the options gets the manifest's own content scripts (the worker reads the
    list from chrome.runtime.getManifest(); there is no second list to drift)."""
    m = manifest()
    registered = browser.sw.evaluate("() => chrome.scripting.getRegisteredContentScripts()")
    site = [s for s in registered if s["id"] == "site:127.0.0.1"]
    assert len(site) == 1
    assert site[0]["js"] == m["content_scripts"][0]["js"]
    assert site[0]["css"] == m["content_scripts"][0]["css"]
    # and every one of them loaded and ran there: the page reaches "ready" with its marks
    page.goto(browser.fixtures.url())
    wait_ready(page, min_count=1)
    assert page.console_errors == []


def load_unpacked_in_chrome(pw, path):
    """Load `path` the way "Load unpacked" does (CDP Extensions.loadUnpacked runs the same
    installer checks) and return Chrome's own account of it (developer mode)."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="align-lens-load-")
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--remote-debugging-port={port}", "--enable-unsafe-extension-debugging",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        browser = None
        deadline = time.time() + 20
        while browser is None:
            try:
                browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        cdp = browser.new_browser_cdp_session()
        ext_id = cdp.send("Extensions.loadUnpacked", {"path": str(path)})["id"]
        page = browser.contexts[0].new_page()
        page.goto("chrome://extensions")
        page.evaluate("() => new Promise(r => chrome.developerPrivate.updateProfileConfiguration({inDeveloperMode: true}, r))")
        info = page.evaluate("id => new Promise(r => chrome.developerPrivate.getExtensionInfo(id, r))", ext_id)
        browser.close()
        return info
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


def test_chrome_load_unpacked_accepts_repo_root(pw):
    info = load_unpacked_in_chrome(pw, REPO)
    assert info["name"] == "Alignment Lens"
    assert info["installWarnings"] == []
    messages = {e["message"] for e in info["manifestErrors"]}
    assert messages <= KNOWN_CHROME_MESSAGES, messages
    assert info["runtimeErrors"] == []


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """`python -m tools.package` into a temporary dist/, each package unpacked beside it."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "tools.package", "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    unpacked = {}
    for browser, pattern in (("chrome", "*.zip"), ("firefox", "*.xpi")):
        target = out / f"{browser}-unpacked"
        with zipfile.ZipFile(next(out.glob(pattern))) as archive:
            archive.extractall(target)
        unpacked[browser] = target
    return unpacked


def test_chrome_loads_the_chrome_package_without_any_warning(pw, packages):
    """The zip, unpacked, loads enabled with no manifest message at all (its manifest has no
    background.scripts) and no runtime error."""
    info = load_unpacked_in_chrome(pw, packages["chrome"])
    assert info["name"] == "Alignment Lens" and info["version"] == manifest()["version"]
    assert info["state"] == "ENABLED"
    assert info["installWarnings"] == [] and info["manifestErrors"] == [] and info["runtimeErrors"] == []
    assert referenced_files(manifest()) - {*manifest()["background"]["scripts"]} <= \
        {p.relative_to(packages["chrome"]).as_posix() for p in packages["chrome"].rglob("*") if p.is_file()}


def test_firefox_runs_the_firefox_package(packages):
    """The .xpi's contents as Firefox ESR's temporary add-on, through the whole Firefox run of
    tests/firefox (marks on a LessWrong post, the card, the options, server off and on)."""
    node = shutil.which("node")
    assert node and (REPO / "tests" / "firefox" / "node_modules" / "puppeteer-core").is_dir(), \
        "node and puppeteer-core are needed: bash tests/run.sh installs them"
    env = dict(os.environ, ALIGN_LENS_PYTHON=sys.executable, ALIGN_LENS_EXTENSION_DIR=str(packages["firefox"]))
    proc = subprocess.Popen([node, "--test", str(REPO / "tests" / "firefox")], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        raise AssertionError(f"the Firefox run did not finish within 180 s:\n{output[-8000:]}")
    counts = {k: int(v) for k, v in re.findall(r"^# (tests|pass|fail|skipped|todo) (\d+)$", output, re.M)}
    assert proc.returncode == 0 and counts.get("tests", 0) >= 4 and counts.get("pass") == counts["tests"], output[-8000:]
    assert counts.get("skipped") == 0 and counts.get("todo") == 0, output[-8000:]
