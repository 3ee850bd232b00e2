#include "library_lock.h"

#include "library_error.h"

#include <QDateTime>
#include <QFileInfo>

namespace photosearch {

std::unique_ptr<QLockFile> acquireWriterLock(const QString& libraryDir, bool* removedStale) {
    const std::string dir = libraryDir.toStdString();
    const QString lockPath = libraryDir + QStringLiteral("/writer.lock");
    auto lock = std::make_unique<QLockFile>(lockPath);
    lock->setStaleLockTime(0);
    const bool wasThere = QFileInfo::exists(lockPath);
    if (lock->tryLock(0)) {
        if (removedStale) *removedStale = wasThere;
        return lock;
    }
    QLockFile::LockError error = lock->error();
    qint64 pid = 0;
    QString host, app;
    // A lock file that names no process (left empty or cut short when the disk filled) can never be found
    // stale by its process: once it is older than the moment a writer takes to fill it in, it is garbage.
    const QFileInfo lockInfo(lockPath);
    if (error == QLockFile::LockFailedError && !lock->getLockInfo(&pid, &host, &app) && lockInfo.exists() &&
        lockInfo.lastModified().secsTo(QDateTime::currentDateTime()) > 5 && lock->removeStaleLockFile()) {
        if (lock->tryLock(0)) {
            if (removedStale) *removedStale = true;
            return lock;
        }
        error = lock->error();
    }
    if (error == QLockFile::LockFailedError) {
        lock->getLockInfo(&pid, &host, &app);
        throw LibraryError(LibraryErrorKind::Locked,
                           dir + ": the library is being changed by another PhotoSearch (" +
                               (app.isEmpty() ? "unknown program" : app.toStdString()) + ", process " +
                               std::to_string(pid) + (host.isEmpty() ? "" : " on " + host.toStdString()) +
                               "); try again when it has finished");
    }
    if (!QFileInfo(libraryDir).isWritable() || error == QLockFile::PermissionError)
        throw LibraryError(LibraryErrorKind::ReadOnly,
                           dir + ": the library is read-only here (no permission to write " +
                               lockPath.toStdString() +
                               "); searching works, changing it needs write permission");
    throw LibraryError(LibraryErrorKind::DiskFull,
                       dir + ": cannot write the lock file " + lockPath.toStdString() +
                           " (the disk may be full); free some space and run again");
}

}  // namespace photosearch
