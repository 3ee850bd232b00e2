#include "qt_image_fallback.h"
#include "library_paths.h"
#include "main_window.h"
#include "memory_tuning.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QSettings>

int main(int argc, char** argv) {
    photosearch::memory::tuneAllocator();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("photosearch"));
    QApplication::setOrganizationName(QStringLiteral("photosearch"));
    QApplication::setApplicationVersion(QStringLiteral(PHOTOSEARCH_VERSION));
    QApplication::setApplicationDisplayName(QStringLiteral("PhotoSearch"));
    QApplication::setDesktopFileName(QStringLiteral("photosearch"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("photosearch"), QIcon(QStringLiteral(":/photosearch.svg"))));

    photosearch::installQtImageFallback();  // GIF, which OpenCV 4.6 cannot read
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Find photos in your own library by describing them."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption library(QStringLiteral("library"), QStringLiteral("The library folder (default %1).").arg(photosearch::LibraryPaths::defaultLibraryDir()),
                                     QStringLiteral("DIR"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("The ALIGN model folder."), QStringLiteral("DIR"));
    const QCommandLineOption query(QStringLiteral("query"), QStringLiteral("Search for TEXT on start."), QStringLiteral("TEXT"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                       QStringLiteral("Save a picture of the window once results show, then quit."), QStringLiteral("FILE"));
    const QCommandLineOption typeQuery(QStringLiteral("type-query"),
                                       QStringLiteral("Measure: once the model is ready, type TEXT a character every 150 ms, print the "
                                                      "start-up and keystroke-to-results times, then quit."),
                                       QStringLiteral("TEXT"));
    parser.addOptions({library, model, query, screenshot, typeQuery});
    parser.process(app);

    // An explicit option wins, then the environment, then the settings, then the default.
    QString modelDir = parser.value(model);
    if (modelDir.isEmpty() && qEnvironmentVariableIsEmpty("PHOTOSEARCH_MODEL")) modelDir = QSettings().value(QStringLiteral("model/dir")).toString();
    if (modelDir.isEmpty()) modelDir = photosearch::LibraryPaths::defaultModelDir();
    const QString libraryDir = parser.isSet(library) ? parser.value(library) : photosearch::LibraryPaths::defaultLibraryDir();

    photosearch::MainWindow window({libraryDir, modelDir, parser.value(query), parser.value(screenshot), true, parser.value(typeQuery)});
    window.show();
    return app.exec();
}
