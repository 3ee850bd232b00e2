#include "app_translations.h"
#include "library_paths.h"
#include "main_window.h"
#include "memory_tuning.h"
#include "qt_image_fallback.h"
#include "window_automation.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QSettings>

#include <cstring>

namespace {

void setApplicationNames() {
    QCoreApplication::setApplicationName(QStringLiteral("photosearch"));
    QCoreApplication::setOrganizationName(QStringLiteral("photosearch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PHOTOSEARCH_VERSION));
}

struct Options {
    QCommandLineOption library{QStringLiteral("library"),
                               QStringLiteral("The library folder (default %1).")
                                   .arg(photosearch::LibraryPaths::defaultLibraryDir()),
                               QStringLiteral("DIR")};
    QCommandLineOption model{QStringLiteral("model"), QStringLiteral("The ALIGN model folder."),
                             QStringLiteral("DIR")};
    QCommandLineOption query{QStringLiteral("query"), QStringLiteral("Search for TEXT on start."),
                             QStringLiteral("TEXT")};
    QCommandLineOption screenshot{
        QStringLiteral("screenshot"),
        QStringLiteral("Save a picture of the window once results show, then quit."), QStringLiteral("FILE")};
    QCommandLineOption typeQuery{
        QStringLiteral("type-query"),
        QStringLiteral("Measure: once the model is ready, type TEXT a character every 150 ms, print the "
                       "start-up and keystroke-to-results times, then quit."),
        QStringLiteral("TEXT")};

    QCommandLineOption measureBrowse{
        QStringLiteral("measure-browse"),
        QStringLiteral(
            "Measure: print when the grid and its first screen of thumbnails showed, scroll the whole "
            "library a screen at a time printing frame times, then quit.")};

    QCommandLineOption measureIndexing{
        QStringLiteral("measure-indexing"),
        QStringLiteral(
            "Measure: print when the window's indexing of the library's folders started, when its "
            "first photos were indexed and shown in the grid, its progress every 1,000 photos and when it "
            "finished with the peak memory, then quit.")};

    void addTo(QCommandLineParser& parser) const {
        parser.setApplicationDescription(
            QStringLiteral("Find photos in your own library by describing them."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({library, model, query, screenshot, typeQuery, measureBrowse, measureIndexing});
    }
};

// --help and --version print and exit before any window exists, so they work without a display
// (QApplication aborts when it finds no X server or Wayland compositor).
bool onlyPrints(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* o : {"-h", "--help", "-help", "--help-all", "-v", "--version", "-version"})
            if (std::strcmp(argv[i], o) == 0) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options;
    if (onlyPrints(argc, argv)) {
        QCoreApplication app(argc, argv);
        setApplicationNames();
        QCommandLineParser parser;
        options.addTo(parser);
        parser.process(app);  // prints and exits
        return 0;
    }

    photosearch::memory::tuneAllocator();
    QApplication app(argc, argv);
    setApplicationNames();
    QApplication::setApplicationDisplayName(QStringLiteral("PhotoSearch"));
    QApplication::setDesktopFileName(QStringLiteral("photosearch"));
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral("photosearch"), QIcon(QStringLiteral(":/photosearch.svg"))));

    photosearch::installQtImageFallback();  // GIF, which OpenCV 4.6 cannot read
    photosearch::installTranslations(app);
    QCommandLineParser parser;
    options.addTo(parser);
    parser.process(app);

    // An explicit option wins, then the environment, then the settings, then the default.
    QString modelDir = parser.value(options.model);
    if (modelDir.isEmpty() && qEnvironmentVariableIsEmpty("PHOTOSEARCH_MODEL"))
        modelDir = QSettings().value(QStringLiteral("model/dir")).toString();
    if (modelDir.isEmpty()) modelDir = photosearch::LibraryPaths::defaultModelDir();
    const QString libraryDir = parser.isSet(options.library) ? parser.value(options.library)
                                                             : photosearch::LibraryPaths::defaultLibraryDir();

    const QString typeQuery = parser.value(options.typeQuery), screenshot = parser.value(options.screenshot);
    photosearch::MainWindow window(
        {libraryDir, modelDir, parser.value(options.query), true, typeQuery.isEmpty()});
    const bool measureBrowse = parser.isSet(options.measureBrowse),
               measureIndexing = parser.isSet(options.measureIndexing);
    if (!typeQuery.isEmpty() || !screenshot.isEmpty() || measureBrowse || measureIndexing)
        new photosearch::WindowAutomation(&window, typeQuery, screenshot, measureBrowse, measureIndexing);
    window.show();
    return app.exec();
}
