#include "library_paths.h"

#include <QDir>

namespace photosearch {

QString LibraryPaths::dataHome() {
    const QString xdg = qEnvironmentVariable("XDG_DATA_HOME");
    // The XDG spec says a relative value is invalid and must be ignored.
    if (!xdg.isEmpty() && QDir::isAbsolutePath(xdg)) return QDir::cleanPath(xdg);
    return QDir::homePath() + QStringLiteral("/.local/share");
}

QString LibraryPaths::cacheHome() {
    const QString xdg = qEnvironmentVariable("XDG_CACHE_HOME");
    if (!xdg.isEmpty() && QDir::isAbsolutePath(xdg)) return QDir::cleanPath(xdg);
    return QDir::homePath() + QStringLiteral("/.cache");
}

QString LibraryPaths::defaultLibraryDir() {
    const QString env = qEnvironmentVariable("PHOTOSEARCH_LIBRARY");
    if (!env.isEmpty()) return QDir::cleanPath(env);
    return dataHome() + QStringLiteral("/photosearch");
}

QString LibraryPaths::defaultModelDir() {
    const QString env = qEnvironmentVariable("PHOTOSEARCH_MODEL");
    if (!env.isEmpty()) return QDir::cleanPath(env);
    return dataHome() + QStringLiteral("/photosearch/models/kakaobrain--align-base");
}

}  // namespace photosearch
