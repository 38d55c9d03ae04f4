#!/usr/bin/env bash
# Set up everything the tests need (venv, packages, Chromium), lint, type-check, test.
# Usage: bash scripts/test.sh [pytest args…]
#   no args: the fast unit tier (tests/unit, no models), then the integration tier
#   (everything else, real parts), then the server-mode pass.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi

[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
. .venv/bin/activate
pip install -q --disable-pip-version-check -r requirements-dev.txt
pip check

ruff check .
mypy
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
if [ $# -gt 0 ]; then
  python -m pytest -q -p no:cacheprovider --durations=12 "$@"
  exit
fi
echo "== unit tier: tests/unit (no models)"
python -m pytest -q -p no:cacheprovider --durations=5 tests/unit
echo "== integration tier"
python -m pytest -q -p no:cacheprovider --durations=12 tests --ignore=tests/unit

# The retrieval and refresh tests once more, against a `chroma run` server that the
# test fixtures start (server mode, ASSISTANT_CHROMA_URL).
server_tests=(tests/test_api.py tests/test_indexing.py)
[ -f tests/test_retrieval.py ] && server_tests+=(tests/test_retrieval.py)
echo "== again against a Chroma server: ${server_tests[*]}"
ASSISTANT_TEST_CHROMA=server python -m pytest -q -p no:cacheprovider "${server_tests[@]}"
