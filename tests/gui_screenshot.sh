#!/usr/bin/env bash
# The real window under Xvfb: index a folder with the command line, start the app with a query, and
# save a screenshot of the results to the build folder.
set -euo pipefail
gui="$1"; cli="$2"; data="$3"; out="$4"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/photos"
cp "$data"/align-tiny/expected/images/{astronaut.png,chelsea.png,coffee.png,rocket.jpg,wide.jpg,gray.png} "$work/photos/"
export XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
"$cli" index "$work/photos" --library "$work/library" --model "$data/align-tiny/model" --json > /dev/null
rm -f "$out"
xvfb-run -a -s "-screen 0 1280x860x24" "$gui" --library "$work/library" --model "$data/align-tiny/model" \
  --query "a cup of coffee" --screenshot "$out"
[ -s "$out" ] || { echo "no screenshot was written"; exit 1; }
head -c 8 "$out" | od -An -tx1 | grep -q "89 50 4e 47" || { echo "$out is not a PNG"; exit 1; }
size=$(stat -c %s "$out")
[ "$size" -gt 20000 ] || { echo "screenshot is suspiciously small ($size bytes)"; exit 1; }
echo "screenshot: $out ($size bytes)"
