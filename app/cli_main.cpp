#include "busy_commands.h"
#include "cli_commands.h"
#include "cpu_sharing.h"
#include "memory_tuning.h"
#include "native_path.h"
#include "qt_image_fallback.h"

#include <QCoreApplication>

namespace {

using photosearch::cli::keepsTheModelBusy;

#if defined(__linux__) && !defined(PHOTOSEARCH_SANITIZER_RUNTIME)
// Run through the launcher (BINDIR/photosearch-cli, cli_launcher.cpp) the waits are set before this program
// starts and nothing here runs again. Run directly, it runs itself again before any library's initialisers
// (see cpu_sharing.h); not in a sanitized build, whose runtime sets itself up from the same array: there
// main() runs the program again.
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
