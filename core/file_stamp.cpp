#include "file_stamp.h"

#include <QFile>

#include <sys/stat.h>

namespace photosearch {

FileStamp FileStamp::of(const QString& path) {
    FileStamp s;
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) return s;
    s.device = st.st_dev;
    s.inode = st.st_ino;
    s.size = st.st_size;
    s.modifiedSec = st.st_mtim.tv_sec;
    s.modifiedNsec = st.st_mtim.tv_nsec;
    s.changedSec = st.st_ctim.tv_sec;
    s.changedNsec = st.st_ctim.tv_nsec;
    s.regular = S_ISREG(st.st_mode);
    return s;
}

QString FileStamp::key() const {
    return QStringLiteral("%1|%2:%3|%4.%5|%6.%7")
        .arg(size)
        .arg(device)
        .arg(inode)
        .arg(modifiedSec)
        .arg(modifiedNsec)
        .arg(changedSec)
        .arg(changedNsec);
}

}  // namespace photosearch
