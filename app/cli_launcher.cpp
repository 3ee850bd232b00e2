// /usr/bin/photosearch-cli: a start that costs almost nothing before the program itself. Indexing and the
// benchmark want the model's OpenMP threads to wait passively, and libgomp reads that setting once, as it is
// loaded; set here, before the program and its libraries (LibTorch, Qt, OpenCV: ~150,000 symbol relocations)
// are loaded at all, it spares the program running itself again (0.15-0.2 s measured here, see
// docs/performance.md). Everything else is the program's: this only finds it (PREFIX/bin/photosearch-cli
// runs PREFIX/libexec/photosearch/photosearch-cli, in the build tree as installed) and runs it in its place
// with the same arguments (argv[0] too, so messages still name photosearch-cli). Links the C library only.
#include "busy_commands.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace {

constexpr const char kProgram[] = "/libexec/photosearch/photosearch-cli";

}  // namespace

int main(int argc, char** argv) {
    if (photosearch::cli::keepsTheModelBusy(argc, argv) && !std::getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        // A ~30 us spin before sleeping, as core/cpu_sharing.cpp explains; a person's own value is kept.
        setenv("GOMP_SPINCOUNT", "3000", 0);
    }
    // Beside this launcher, wherever the package or build tree is; without /proc, where it was installed.
    char path[PATH_MAX + sizeof kProgram];
    const ssize_t n = readlink("/proc/self/exe", path, PATH_MAX);
    if (n > 0 && n < PATH_MAX) {
        path[n] = '\0';
        // PREFIX/bin/photosearch-cli -> PREFIX/libexec/photosearch/photosearch-cli
        for (int up = 0; up < 2; ++up)
            if (char* slash = std::strrchr(path, '/')) *slash = '\0';
        std::memcpy(path + std::strlen(path), kProgram, sizeof kProgram);
        execv(path, argv);
    } else {
        std::snprintf(path, sizeof path, "%s", PHOTOSEARCH_INSTALLED_PROGRAM);
        execv(path, argv);
    }
    std::fprintf(stderr,
                 "photosearch-cli: cannot run %s: %s.\n"
                 "The installation is incomplete: reinstall PhotoSearch (the photosearch package).\n",
                 path, std::strerror(errno));
    return 127;
}
