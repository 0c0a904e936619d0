"""`python -m tools.package`: the Chrome zip and the Firefox add-on (.xpi) in dist/.

Both are made from manifest.json and extension/ only, and named with manifest.json's "version"
(the one version: the server's /api/v1/health reads it too). The repo's manifest serves both
browsers when loaded unpacked; each package gets its own browser's manifest from it:
- Chrome: no `background.scripts` (Chrome warns about it in MV3) and no
  `browser_specific_settings` (Firefox's);
- Firefox: no `background.service_worker` (Firefox runs the `scripts` as its event page).

The archives are reproducible: entries sorted, manifest.json first, fixed timestamps and modes.
`--lint` then runs Mozilla's `web-ext lint` on the Firefox build (tools/web-ext, from npm).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE_DIR = "extension"
NAME = "alignment-lens"
WEB_EXT = REPO / "tools" / "web-ext" / "node_modules" / "web-ext" / "bin" / "web-ext.js"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time zip can hold: the same bytes on every build
VERSION = re.compile(r"^(0|[1-9]\d{0,8})(\.(0|[1-9]\d{0,8})){0,3}$")  # Chrome's and Firefox's rule
JUNK = re.compile(r"(^|/)(\.[^/]*|__pycache__|[^/]*\.pyc|Thumbs\.db|[^/]*~)(/|$)")


def read_manifest(repo: Path = REPO) -> dict:
    return json.loads((repo / "manifest.json").read_text(encoding="utf-8"))


def version(repo: Path = REPO) -> str:
    """manifest.json's "version", the one version of the extension, the server and the packages."""
    found = read_manifest(repo)["version"]
    if not VERSION.match(found):
        raise ValueError(f"manifest.json version {found!r} is not 1 to 4 dot-separated integers")
    return found


def source_files(repo: Path = REPO) -> list[str]:
    """Every file under extension/ (paths relative to the repo), without dotfiles, bytecode and
    editor backups. A name starting with "_" is refused: Chrome reserves those."""
    files = []
    for path in sorted((repo / SOURCE_DIR).rglob("*")):
        rel = path.relative_to(repo).as_posix()
        if JUNK.search(rel) or not path.is_file():
            continue
        if any(part.startswith("_") for part in path.relative_to(repo).parts):
            raise ValueError(f"{rel}: Chrome refuses file names starting with '_'")
        files.append(rel)
    return files


def chrome_manifest(manifest: dict) -> dict:
    m = json.loads(json.dumps(manifest))
    m["background"] = {k: v for k, v in m["background"].items() if k != "scripts"}
    m.pop("browser_specific_settings", None)
    return m


def firefox_manifest(manifest: dict) -> dict:
    m = json.loads(json.dumps(manifest))
    m["background"] = {k: v for k, v in m["background"].items() if k != "service_worker"}
    return m


def referenced(manifest: dict) -> set[str]:
    """Files the manifest names (icons, background, pages, content scripts)."""
    files = set(manifest.get("icons", {}).values())
    files |= set(manifest.get("action", {}).get("default_icon", {}).values())
    background = manifest.get("background", {})
    files |= set(background.get("scripts", [])) | ({background["service_worker"]} if "service_worker" in background else set())
    files |= {p for p in (manifest.get("action", {}).get("default_popup"), manifest.get("options_ui", {}).get("page")) if p}
    for cs in manifest.get("content_scripts", []):
        files |= set(cs.get("js", [])) | set(cs.get("css", []))
    return files


def write_archive(target: Path, manifest: dict, files: list[str], repo: Path = REPO) -> Path:
    missing = sorted(referenced(manifest) - set(files))
    if missing:
        raise ValueError(f"manifest.json names files that are not in {SOURCE_DIR}/: {missing}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
        add("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
        for rel in files:
            add(rel, (repo / rel).read_bytes())
    partial.replace(target)
    return target


def build(out: Path, repo: Path = REPO) -> dict[str, Path]:
    """Write both packages into `out`; returns {"chrome": zip, "firefox": xpi}."""
    manifest, files, v = read_manifest(repo), source_files(repo), version(repo)
    return {"chrome": write_archive(out / f"{NAME}-chrome-{v}.zip", chrome_manifest(manifest), files, repo),
            "firefox": write_archive(out / f"{NAME}-firefox-{v}.xpi", firefox_manifest(manifest), files, repo)}


def lint(xpi: Path) -> dict:
    """`web-ext lint` on the Firefox build, unpacked; its JSON report (errors, warnings, notices)."""
    if not WEB_EXT.is_file():
        raise FileNotFoundError(f"web-ext is not installed: cd {WEB_EXT.parents[3].relative_to(REPO)} && npm ci")
    with tempfile.TemporaryDirectory(prefix="alignment-lens-xpi-") as unpacked:
        with zipfile.ZipFile(xpi) as archive:
            archive.extractall(unpacked)
        result = subprocess.run(["node", str(WEB_EXT), "lint", "--source-dir", unpacked, "--output", "json",
                                 "--no-input", "--no-config-discovery"],
                                capture_output=True, text=True, timeout=300,
                                env=dict(os.environ, NO_UPDATE_NOTIFIER="1"))  # no look-up of newer versions
    try:
        report = json.loads(result.stdout)
    except ValueError:
        raise RuntimeError(f"web-ext lint gave no report (exit {result.returncode}): "
                           f"{result.stdout[-2000:]}{result.stderr[-2000:]}") from None
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.package", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="folder for the packages (default dist/)")
    parser.add_argument("--lint", action="store_true", help="run web-ext lint on the Firefox build")
    args = parser.parse_args(argv)
    built = build(args.out)
    for browser, path in built.items():
        print(f"{browser}: {path}  ({path.stat().st_size:,} bytes)")
    if not args.lint:
        return 0
    report = lint(built["firefox"])
    for kind in ("errors", "warnings", "notices"):
        for message in report.get(kind, []):
            print(f"web-ext {kind[:-1]}: {message.get('code')}: {message.get('message')} ({message.get('file', '')})")
    summary = report.get("summary", {})
    print(f"web-ext lint: {summary.get('errors', 0)} errors, {summary.get('warnings', 0)} warnings, "
          f"{summary.get('notices', 0)} notices")
    return 1 if report.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
