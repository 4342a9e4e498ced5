#!/usr/bin/env bash
# Compiles and runs every example workflow under workflows/ and prints each result.
set -euo pipefail
wt="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
results="$root/results"
run() {
  local name="$1"; shift
  echo "== $name"
  "$wt" run "workflows/$name/spec.yaml" --results "$results/$name" "$@"
}
# The same workflow in another execution mode (local worker processes, or Lithops).
run_in() {
  local mode="$1" name="$2"; shift 2
  echo "== $name ($mode)"
  "$wt" run "workflows/$name/spec.yaml" --results "$results/$name-$mode" --execution-mode "$mode" "$@"
}
echo "== wt build --explain //workflows/..."
"$wt" build --explain //workflows/...
echo "== workflows/add_then_double/wt-add-then-double-workflow/pixi.lock (first lines)"
head -n 14 workflows/add_then_double/wt-add-then-double-workflow/pixi.lock
run add_then_double --config-json '{"total": {"a": 3, "b": 3}}'
run fan_out --config-json '{"pairs": {"bases": [1, 2, 3]}, "scores": {"names": ["ab", "c"]}, "summary": {"count": 2}}'
run safe_sqrt --config-json '{"difference": {"a": 3, "b": 6}}'
run safe_sqrt --config-json '{"difference": {"a": 3, "b": -7}}'
REPORT_OWNER=ops run station_report --mock-io --config-json '{"config": {"station": {"name": "North ridge", "elevation_m": 1200}, "tags": ["alpine"]}, "readings": {"count": 3}}'
run animal_tracks --config-json '{"fixes": {"animals": ["ada", "bo"]}, "lengths": {"unit_scale": 2}}'
run_in parallel fan_out --config-json '{"pairs": {"bases": [1, 2, 3]}, "scores": {"names": ["ab", "c"]}, "summary": {"count": 2}}'
run_in async fan_out --config-json '{"pairs": {"bases": [1, 2, 3]}, "scores": {"names": ["ab", "c"]}, "summary": {"count": 2}}'
echo "results written under $results"
