"""The repo root is a loadable unpacked extension, and the pure JS logic passes `node --test`."""
import json
import re
import shutil
import subprocess
import tempfile
import time

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
    # Firefox 121+ can load the same manifest
    assert m["browser_specific_settings"]["gecko"]["strict_min_version"] == "121.0"
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


def test_chrome_load_unpacked_accepts_repo_root(pw):
    """Load the root the way "Load unpacked" does (CDP Extensions.loadUnpacked runs the same
    installer checks) and read Chrome's own list of manifest warnings (developer mode)."""
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
        ext_id = cdp.send("Extensions.loadUnpacked", {"path": str(REPO)})["id"]
        page = browser.contexts[0].new_page()
        page.goto("chrome://extensions")
        page.evaluate("() => new Promise(r => chrome.developerPrivate.updateProfileConfiguration({inDeveloperMode: true}, r))")
        info = page.evaluate("id => new Promise(r => chrome.developerPrivate.getExtensionInfo(id, r))", ext_id)
        assert info["name"] == "Alignment Lens"
        assert info["installWarnings"] == []
        messages = {e["message"] for e in info["manifestErrors"]}
        assert messages <= KNOWN_CHROME_MESSAGES, messages
        assert info["runtimeErrors"] == []
        browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(profile, ignore_errors=True)
