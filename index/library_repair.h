#pragma once

#include <QString>

namespace photosearch {

// Where a damaged catalog went and what replaced it.
struct RepairReport {
    bool wasDamaged = false;
    QString problem;       // what the check found
    QString movedAside;    // the damaged catalog, kept for inspection
    QString restoredFrom;  // the copy kept after the last successful run
};

// The catalog's last good copy, kept beside it (catalog.backup.sqlite) after each successful index run
// and tag run, and the way back to it. Repair takes the writer lock, checks the catalog
// (PRAGMA quick_check); when it is damaged it moves it (with its -wal and -shm) aside, restores the backup
// and drops the vector cache. The caller then indexes, which re-checks the folders and re-uses every vector
// the backup holds. Throws LibraryError (CatalogDamaged) when there is no usable backup, saying what to do.
class LibraryRepair {
  public:
    static QString backupPath(const QString& libraryDir);
    static RepairReport repair(const QString& libraryDir);
};

}  // namespace photosearch
