#pragma once

// The command-line commands that keep the model busy for long (indexing, the benchmark): their model threads
// wait for work passively (see core/cpu_sharing.h). Read before the C library and any other library are set
// up (the launcher, the executable's .preinit_array), so it compares by hand.
namespace photosearch::cli {

// `a` and `b` are the same text.
inline bool sameText(const char* a, const char* b) {
    for (; *a && *a == *b; ++a, ++b) {
    }
    return *a == *b;
}

inline bool keepsTheModelBusy(int argc, char** argv) {
    return argc > 1 && argv[1] && (sameText(argv[1], "index") || sameText(argv[1], "bench"));
}

}  // namespace photosearch::cli
