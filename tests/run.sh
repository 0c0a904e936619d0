#!/usr/bin/env bash
# Installs what the test suite needs (Python packages; when absent, Debian's chromium,
# firefox-esr and systemd and npm's puppeteer-core and web-ext) and runs every test. Extra
# arguments go to pytest, e.g. `bash tests/run.sh -k api`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt -r tests/requirements.txt

# Debian's browsers for the browser tests: chromium (Playwright) and firefox-esr (puppeteer-core).
debs=()
[ -x /usr/bin/chromium ] || debs+=(chromium)
[ -x /usr/bin/firefox-esr ] || debs+=(firefox-esr)
# systemctl and systemd-analyze for tests/test_service.py (the user unit, verified; no manager needed).
command -v systemd-analyze >/dev/null || debs+=(systemd)
if [ ${#debs[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${debs[@]}" >/dev/null
fi

# puppeteer-core for the Firefox tests, in tests/firefox/node_modules (never a browser download).
if [ ! -d tests/firefox/node_modules/puppeteer-core ] ||
   [ tests/firefox/package-lock.json -nt tests/firefox/node_modules/.package-lock.json ]; then
  (cd tests/firefox && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
fi

# CKEditor 5 and Lexical for the draft-checking tests (served with the fixtures), in
# tests/fixtures/editors/node_modules.
if [ ! -d tests/fixtures/editors/node_modules/ckeditor5 ] || [ ! -d tests/fixtures/editors/node_modules/lexical ] ||
   [ tests/fixtures/editors/package-lock.json -nt tests/fixtures/editors/node_modules/.package-lock.json ]; then
  (cd tests/fixtures/editors && npm ci --silent --no-audit --no-fund)
fi

# web-ext for the Firefox package's lint (tests/test_package_build.py), in tools/web-ext/node_modules.
if [ ! -d tools/web-ext/node_modules/web-ext ] ||
   [ tools/web-ext/package-lock.json -nt tools/web-ext/node_modules/.package-lock.json ]; then
  (cd tools/web-ext && npm ci --silent --no-audit --no-fund)
fi

# Bytecode outside the checkout, so the unpacked extension stays as committed. Not when nothing is
# written anyway (PYTHONDONTWRITEBYTECODE): a prefix would then hide the installed packages' own
# bytecode, and every Python process the tests start would compile spaCy afresh (about 3 s each).
if [ -z "${PYTHONDONTWRITEBYTECODE:-}" ]; then
  export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-${TMPDIR:-/tmp}/alignment-lens-pycache}"
fi
exec python3 -m pytest -p no:cacheprovider "$@" tests
