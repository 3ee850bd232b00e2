#!/usr/bin/env bash
# The library's thread-safety check: builds with clang and ThreadSanitizer (build-tsan/) and runs the tests
# that drive one library from several threads (tst_library_concurrency). Not part of scripts/test.sh: a
# ThreadSanitizer build of LibTorch's users takes long, and LibTorch, OpenMP and FAISS themselves are not
# instrumented, so races inside them are suppressed (tests/sanitizers/tsan.supp) and only ours are reported.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/deps.sh"
build="${TSAN_BUILD_DIR:-$root/build-tsan}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DPHOTOSEARCH_SANITIZE=thread
cmake --build "$build" --target tst_library_concurrency
export TSAN_OPTIONS="suppressions=$root/tests/sanitizers/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
QT_QPA_PLATFORM=offscreen QTEST_DISABLE_STACK_DUMP=1 "$build/tests/tst_library_concurrency" "$@"
