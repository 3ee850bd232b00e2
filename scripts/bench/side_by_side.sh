#!/usr/bin/env bash
# Indexing against the Hugging Face eager peer, side by side on this machine: `photosearch-cli index` of
# PHOTOS into a fresh library, and scripts/bench/peer.py (the reference's image pipeline in PyTorch eager
# mode) over the same photos, alternating, ROUNDS times each, whole process each time.
#
#   scripts/bench/side_by_side.sh CLI MODEL PHOTOS [ROUNDS]
#
# The peer first proves on the fixture (tests/data/align-tiny) that it computes what transformers computed.
# It needs Debian's python3-torch, python3-numpy and python3-pil (Pillow 9.4 and PyTorch 1.13, the fixture's
# versions), installed here when missing. Prints one line per run: who, seconds, peak memory.
set -euo pipefail
cli=$1 model=$2 photos=$3 rounds=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
data="$here/../../tests/data/align-tiny"

missing=()
for p in python3-torch python3-numpy python3-pil; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

/usr/bin/python3 "$here/peer.py" "$data/model" --check "$data/expected" >/dev/null
echo "peer checked against the fixture"
threads=$(nproc)
for ((r = 1; r <= rounds; r++)); do
    library=$(mktemp -d)
    /usr/bin/time -f "photosearch %e s %M KB" "$cli" index "$photos" --library "$library" --model "$model" \
        >/dev/null 2>"$library.time" || { cat "$library.time"; exit 1; }
    tail -n 1 "$library.time"
    rm -rf "$library" "$library.time"
    /usr/bin/time -f "peer %e s %M KB" /usr/bin/python3 "$here/peer.py" "$model" "$photos" --threads "$threads" \
        2>&1 >/dev/null | tail -n 1
done
