#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest, then the sanitizer and fuzz run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/deps.sh"
"$root/scripts/format.sh" --check  # the style is checked, not argued about: scripts/format.sh fixes it
"$root/scripts/build.sh"
(cd "${BUILD_DIR:-$root/build}" && ctest --output-on-failure --timeout 900 "$@")
# Then the hardening run: the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer, and a
# short run of every fuzz target (PHOTOSEARCH_SKIP_SANITIZE=1 skips it locally).
if [ "${PHOTOSEARCH_SKIP_SANITIZE:-0}" != 1 ]; then
  FUZZ_SECONDS="${FUZZ_SECONDS:-30}" "$root/scripts/sanitize.sh"
fi
