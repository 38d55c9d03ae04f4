#!/usr/bin/env bash
# Every benchmark, one after the other (not in CI: ~15 min on 2 cores).
# Writes benchmarks/results/*.md (+ .json) and benchmarks/results/benchmarks.png.
#   bash benchmarks/run.sh            # everything
#   QUICK=1 bash benchmarks/run.sh    # smaller sizes, a few minutes (a smoke run)
set -u
cd "$(dirname "$0")"
if [ -z "${VIRTUAL_ENV:-}" ] && [ -f ../.venv/bin/activate ]; then . ../.venv/bin/activate; fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False

if [ -n "${QUICK:-}" ]; then
  runs=(
    "embedding_backends.py --passages 64 --rounds 1"
    "indexing.py --articles 8 --rounds 1"
    "query_scale.py --passages 5000 --pool 200 --rounds 1"
    "app_start.py --rounds 2"
    "load.py --users 1,8 --questions 4"
    "retrieval_latency.py --rounds 1"
    "refresh.py --articles 20 --repeat 1"
  )
else
  runs=(
    "embedding_backends.py"
    "indexing.py"
    "query_scale.py"
    "app_start.py"
    "load.py"
    "retrieval_latency.py"
    "refresh.py"
    "ablation.py"
    "ablation.py ../eval/qa-dev.jsonl"
    "ablation.py ../eval/qa-probe.jsonl"
    "devset.py"
    "dev_ablation.py --answers"
  )
fi

failed=()
start=$SECONDS
for run in "${runs[@]}"; do
  script=${run%% *}
  [ -f "$script" ] || { echo "== $script: absent, skipped"; continue; }
  echo "== python $run"
  t=$SECONDS
  # shellcheck disable=SC2086
  python $run || failed+=("$script")
  echo "== $script: $((SECONDS - t)) s"
done
python plot.py || failed+=("plot.py")
echo "== all benchmarks: $((SECONDS - start)) s; results in benchmarks/results/"
if [ ${#failed[@]} -gt 0 ]; then
  echo "== missed a target or failed: ${failed[*]}"
  exit 1
fi
