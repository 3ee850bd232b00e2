#include "cli_commands.h"
#include "cpu_sharing.h"
#include "memory_tuning.h"
#include "native_path.h"
#include "qt_image_fallback.h"

#include <QCoreApplication>

namespace {

// Indexing and the benchmark keep the model busy for long: its threads wait passively.
bool keepsTheModelBusy(int argc, char** argv) {
    using photosearch::cpu_sharing::sameText;
    return argc > 1 && (sameText(argv[1], "index") || sameText(argv[1], "bench"));
}

#if defined(__linux__) && !defined(PHOTOSEARCH_SANITIZER_RUNTIME)
// Before any library's initialisers (see cpu_sharing.h). Not in a sanitized build, whose runtime sets itself
// up from the same array; there main() runs the program again as before.
void runAgainBeforeLibraries(int argc, char** argv, char** envp) {
    if (keepsTheModelBusy(argc, argv))
        photosearch::cpu_sharing::runAgainWithPassiveWaitsBeforeLibraries(argv, envp);
}
__attribute__((section(".preinit_array"),
               used)) void (*const kRunAgainBeforeLibraries)(int, char**, char**) = runAgainBeforeLibraries;
#endif

}  // namespace

int main(int argc, char** argv) {
    if (keepsTheModelBusy(argc, argv)) photosearch::cpu_sharing::runAgainWithPassiveWaits(argv);
    photosearch::memory::tuneAllocator();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("photosearch-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("photosearch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PHOTOSEARCH_VERSION));
    photosearch::installQtImageFallback();  // GIF, which OpenCV 4.6 cannot read
    // The arguments as the bytes they are: a photo's path that is not UTF-8 still names that photo
    // (QCoreApplication::arguments() would have replaced those bytes).
    QStringList arguments;
    for (int i = 0; i < argc; ++i) arguments << photosearch::native_path::decode(QByteArray(argv[i]));
    return photosearch::cli::run(arguments);
}
