#include "library_repair.h"

#include "library_error.h"
#include "library_lock.h"
#include "sqlite_database.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace photosearch {

namespace {

// "ok", or what is wrong: a file SQLite cannot open or read counts as damaged too.
QString check(const QString& path) {
    if (!QFileInfo(path).isFile()) return QStringLiteral("missing");
    if (QFileInfo(path).size() == 0) return QStringLiteral("empty (0 bytes)");
    try {
        SqliteDatabase db(path, SqliteDatabase::Mode::ReadOnly);
        const QString result = db.quickCheck();
        if (result != QLatin1String("ok")) return result;
        if (db.scalar("PRAGMA user_version") == 0) return QStringLiteral("no PhotoSearch schema");
        return result;
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
}

}  // namespace

QString LibraryRepair::backupPath(const QString& libraryDir) {
    return libraryDir + QStringLiteral("/catalog.backup.sqlite");
}

RepairReport LibraryRepair::repair(const QString& libraryDirectory) {
    const QString dir = QDir::cleanPath(QFileInfo(libraryDirectory).absoluteFilePath());
    const QString catalog = dir + QStringLiteral("/catalog.sqlite");
    if (!QFileInfo(catalog).exists() && !QFileInfo::exists(backupPath(dir)))
        throw LibraryError(LibraryErrorKind::NoLibrary, dir.toStdString() + ": no PhotoSearch library here");
    const auto lock = acquireWriterLock(dir);
    RepairReport report;
    report.problem = check(catalog);
    if (report.problem == QLatin1String("ok")) return report;
    report.wasDamaged = true;
    const QString backup = backupPath(dir);
    if (check(backup) != QLatin1String("ok"))
        throw LibraryError(
            LibraryErrorKind::CatalogDamaged,
            catalog.toStdString() + ": damaged (" + report.problem.toStdString() +
                ") and there is no usable backup beside it. Move the library folder aside and index your "
                "folders "
                "again (photosearch-cli index FOLDER...); the photos themselves are untouched");
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    report.movedAside = dir + QStringLiteral("/catalog.damaged-%1.sqlite").arg(stamp);
    if (QFileInfo::exists(catalog) && !QFile::rename(catalog, report.movedAside))
        throw AlignError(catalog.toStdString() + ": cannot move the damaged catalog aside");
    for (const char* suffix : {"-wal", "-shm"})
        if (QFileInfo::exists(catalog + QLatin1String(suffix)))
            QFile::rename(catalog + QLatin1String(suffix), report.movedAside + QLatin1String(suffix));
    if (!QFile::copy(backup, catalog))
        throw AlignError(catalog.toStdString() + ": cannot restore the backup (disk full?)");
    QFile(catalog).setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    QFile::remove(dir + QStringLiteral("/vectors.faiss"));  // rebuilt from the restored catalog
    report.restoredFrom = backup;
    return report;
}

}  // namespace photosearch
