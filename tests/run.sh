#!/usr/bin/env bash
# Installs what the test suite needs (Python packages, Debian's chromium when absent) and runs
# every test. Extra arguments go to pytest, e.g. `bash tests/run.sh -k api`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt -r tests/requirements.txt

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
fi

# Bytecode outside the tree: Chrome's "Load unpacked" refuses a folder holding __pycache__.
export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-${TMPDIR:-/tmp}/alignment-lens-pycache}"
exec python3 -m pytest -p no:cacheprovider "$@" tests
