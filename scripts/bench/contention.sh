#!/usr/bin/env bash
# Indexing beside other busy programs: how long `photosearch-cli index` takes with 0, 1 and 2 competing
# CPU-bound programs, and how much CPU each competitor still gets (a person's compile or export).
#
#   scripts/bench/contention.sh CLI MODEL PHOTOS [INDEX-OPTIONS...]
#
# CLI: the photosearch-cli to run; MODEL: a model folder; PHOTOS: a folder of photos. Each run indexes into
# a fresh library. Prints one line per case: competitors, seconds, photos indexed, and the competitors'
# share of a CPU each (1.00 = all of one CPU, as when alone).
set -euo pipefail
cli=$1 model=$2 photos=$3
shift 3
ticks=$(getconf CLK_TCK)

cpu_seconds() {  # utime + stime of a process, in seconds
    awk -v t="$ticks" '{ sub(/.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"
}

for competitors in 0 1 2; do
    pids=()
    for ((i = 0; i < competitors; i++)); do
        sh -c 'while :; do :; done' &
        pids+=($!)
    done
    library=$(mktemp -d)
    start=$(date +%s.%N)
    out=$("$cli" index "$photos" --library "$library" --model "$model" --json "$@")
    end=$(date +%s.%N)
    wall=$(echo "$end - $start" | bc -l)
    share=""
    for pid in "${pids[@]}"; do
        share+=" $(echo "$(cpu_seconds "$pid") / $wall" | bc -l | xargs printf '%.2f')"
        kill "$pid"
    done
    wait 2>/dev/null || true
    indexed=$(echo "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["indexed"], j.get("model_threads"), j.get("model_threads_fewest"))')
    printf 'competitors %d: %.2f s, indexed/threads most/fewest: %s, competitor CPU share:%s\n' \
        "$competitors" "$wall" "$indexed" "${share:- -}"
    rm -rf "$library"
done
