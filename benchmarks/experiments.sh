#!/usr/bin/env bash
# The experiments of docs/experiments.md on the shared data: JSON in benchmarks/results, figures in docs/figures.
# Tasks are cached (offramp's cache/experiments), so a rerun computes only new points.
#   bash benchmarks/experiments.sh [../shared/data]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
R=benchmarks/results
F=docs/figures
mkdir -p "$F"
common=(--data "$DATA" --dim 100 --quiet)
offramp experiment diversity --tgt lv --random-states 0,1,2 "${common[@]}" \
  --json $R/experiment-diversity-lv.json --plot $F/diversity-lv.png
for spec in et:en,fi lv:en,lt sl:en,sk it:en,es,fr; do
  offramp experiment pivot --tgt "${spec%%:*}" --hubs "${spec#*:}" --random-states 0,1,2 "${common[@]}" \
    --json $R/experiment-pivot-${spec%%:*}.json --plot $F/pivot-${spec%%:*}.png
done
offramp experiment data-size --tgt fi --measure transfer --random-states 0,1,2 "${common[@]}" \
  --json $R/experiment-data-size-fi.json --plot $F/data-size-fi.png
