#pragma once

#include <QString>

namespace photosearch {

// What the file system says about a file without reading it: which file it is (device and inode), its size
// and its modification and change times. Two stamps tell whether a path still names the same file, and
// whether that file was written since.
struct FileStamp {
    unsigned long long device = 0, inode = 0;
    long long size = -1;  // -1: the path could not be looked at
    long long modifiedSec = 0, modifiedNsec = 0, changedSec = 0, changedNsec = 0;
    bool regular = false;

    static FileStamp of(const QString& path);

    bool exists() const { return size >= 0; }
    bool sameFile(const FileStamp& o) const { return exists() && device == o.device && inode == o.inode; }
    // The same file, with the same size and modification time as `earlier`: not written since. (Its change
    // time also moves with a chmod or a new hard link, which leave the content alone.)
    bool unwrittenSince(const FileStamp& earlier) const {
        return sameFile(earlier) && size == earlier.size && modifiedSec == earlier.modifiedSec &&
               modifiedNsec == earlier.modifiedNsec;
    }
    // All of it as text, "size|device:inode|mtime|ctime": equal texts, the same file untouched (a change
    // time included, so that even a write that put the modification time back is told apart).
    QString key() const;
};

}  // namespace photosearch
