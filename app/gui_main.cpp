#include "library_paths.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("photosearch"));
    QApplication::setOrganizationName(QStringLiteral("photosearch"));
    QApplication::setApplicationVersion(QStringLiteral(PHOTOSEARCH_VERSION));
    QApplication::setApplicationDisplayName(QStringLiteral("PhotoSearch"));
    QApplication::setDesktopFileName(QStringLiteral("photosearch"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Find photos in your own library by describing them."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption library(QStringLiteral("library"), QStringLiteral("The library folder."),
                                     QStringLiteral("DIR"), photosearch::LibraryPaths::defaultLibraryDir());
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("The ALIGN model folder."),
                                   QStringLiteral("DIR"), photosearch::LibraryPaths::defaultModelDir());
    const QCommandLineOption query(QStringLiteral("query"), QStringLiteral("Search for TEXT on start."),
                                   QStringLiteral("TEXT"));
    parser.addOptions({library, model, query});
    parser.process(app);

    photosearch::MainWindow window({parser.value(library), parser.value(model), parser.value(query)});
    window.show();
    return app.exec();
}
