#!/usr/bin/env bash
# Installs what the test suite needs (Python packages; when absent, Debian's chromium and
# firefox-esr and npm's puppeteer-core) and runs every test. Extra arguments go to pytest, e.g.
# `bash tests/run.sh -k api`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt -r tests/requirements.txt

# Debian's browsers for the browser tests: chromium (Playwright) and firefox-esr (puppeteer-core).
debs=()
[ -x /usr/bin/chromium ] || debs+=(chromium)
[ -x /usr/bin/firefox-esr ] || debs+=(firefox-esr)
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

# Bytecode outside the tree: Chrome's "Load unpacked" refuses a folder holding __pycache__.
export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-${TMPDIR:-/tmp}/alignment-lens-pycache}"
exec python3 -m pytest -p no:cacheprovider "$@" tests
