#include "cli_commands.h"
#include "memory_tuning.h"
#include "qt_image_fallback.h"

#include <QCoreApplication>

int main(int argc, char** argv) {
    photosearch::memory::tuneAllocator();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("photosearch-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("photosearch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PHOTOSEARCH_VERSION));
    photosearch::installQtImageFallback();  // GIF, which OpenCV 4.6 cannot read
    return photosearch::cli::run(QCoreApplication::arguments());
}
