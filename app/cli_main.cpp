#include "cli_commands.h"
#include "cpu_sharing.h"
#include "memory_tuning.h"
#include "native_path.h"
#include "qt_image_fallback.h"

#include <QCoreApplication>

#include <cstring>

int main(int argc, char** argv) {
    // Indexing and the benchmark keep the model busy for long: its threads wait passively (may run again).
    if (argc > 1 && (std::strcmp(argv[1], "index") == 0 || std::strcmp(argv[1], "bench") == 0))
        photosearch::cpu_sharing::runAgainWithPassiveWaits(argv);
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
