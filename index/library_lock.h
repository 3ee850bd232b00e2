#pragma once

#include <QLockFile>
#include <QString>

#include <memory>

namespace photosearch {

// The one-writer lock of a library folder (writer.lock). A lock whose process died (kill -9, a crash) is
// stale at once and taken over; `removedStale` says so. Throws LibraryError: Locked (naming the holder's
// program, process and host), ReadOnly, or DiskFull when the lock file cannot be written.
std::unique_ptr<QLockFile> acquireWriterLock(const QString& libraryDir, bool* removedStale = nullptr);

}  // namespace photosearch
