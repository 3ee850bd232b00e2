#!/usr/bin/env bash
# Installs what is missing, builds, and starts the PhotoSearch window. Extra arguments go to photosearch.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/deps.sh"
"$root/scripts/build.sh" >&2
exec "${BUILD_DIR:-$root/build}/app/photosearch" "$@"
