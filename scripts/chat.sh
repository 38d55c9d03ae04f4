#!/usr/bin/env bash
# Set up the assistant (venv + packages) and start the web chat on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
. .venv/bin/activate
pip install -q --disable-pip-version-check -r requirements.txt
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
exec python app.py
