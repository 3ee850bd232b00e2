#!/usr/bin/env bash
# A real-size library end to end (docs/performance.md, issue #16 part 4): index a folder of photos into a
# fresh library with `photosearch-cli index`, watching when the first photos become searchable; then the
# library's size on disk, a second run with nothing changed, and the window opened on the result (when it
# showed, when a search could run, how long typed queries took).
#
#   scripts/bench/end_to_end.sh CLI GUI MODEL PHOTOS [INDEX-OPTIONS...]
#
# Make PHOTOS with `photosearch-cli bench --config tests/data/align-base-config --vocab
# tests/data/align-tiny/model --images tests/data/align-tiny/expected/images --photos 10000 --mixed
# --write-model DIR` (the full-size architecture with random weights in DIR, the photos in DIR/photos).
# The window part needs xvfb-run (scripts/deps.sh installs it).
set -euo pipefail
cli=$1 gui=$2 model=$3 photos=$4
shift 4
library=$(mktemp -d)
trap 'rm -rf "$library" "$library".*' EXIT
count=$(find "$photos" -type f | wc -l)
echo "photos: $count files, $(du -sh "$photos" | cut -f1)"

indexed() {  # photos searchable now (the catalog's count; no model loaded); 0 before the library exists
    local status
    status=$("$cli" status --library "$library" --json 2>/dev/null) || { echo 0; return; }
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("indexed", 0))' <<<"$status" 2>/dev/null || echo 0
}

start=$(date +%s.%N)
/usr/bin/time -f '%e %M' -o "$library.time" "$cli" index "$photos" --library "$library" --model "$model" \
    --json "$@" >"$library.json" &
pid=$!
first=""
while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$first" ] && [ "$(indexed)" -gt 0 ]; then
        first=$(echo "$(date +%s.%N) - $start" | bc -l)
    fi
    sleep 0.5
done
wait "$pid"
read -r wall rss <"$library.time"
done_count=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["indexed"], len(j["failed"]))' "$library.json")
printf 'index: %s s, %.2f photos/s, peak RSS %d MB, indexed/failed %s, first photos searchable after %.1f s\n' \
    "$wall" "$(echo "$count / $wall" | bc -l)" $((rss / 1024)) "$done_count" "${first:-0}"
echo "library on disk: $(du -sh "$library" | cut -f1) ($(du -sh "$library"/catalog.sqlite | cut -f1) catalog)"

/usr/bin/time -f '%e %M' -o "$library.time" "$cli" index "$photos" --library "$library" --model "$model" \
    --json "$@" >"$library.json"
read -r wall rss <"$library.time"
printf 'no-change re-run: %s s, peak RSS %d MB\n' "$wall" $((rss / 1024))

xvfb-run -a -s "-screen 0 1280x860x24" "$gui" --library "$library" --model "$model" \
    --type-query "a beach at sunset" 2>&1 | grep '^timing:' || true
