// Shared by the libFuzzer targets: the parsers read files, so each input is written to a scratch file.
// An AlignError is the expected answer to bad input; anything else (a crash, a sanitizer report, another
// exception) is a bug the fuzzer reports.
#pragma once

#include "align_error.h"

#include <QByteArray>
#include <QFile>
#include <QString>

#include <unistd.h>
#include <cstdint>
#include <cstdlib>

namespace photosearch::fuzz {

inline QString scratchFile(const char* suffix) {
    static const QString path =
        QStringLiteral("%1/photosearch-fuzz-%2%3")
            .arg(QString::fromLocal8Bit(qgetenv("TMPDIR").isEmpty() ? QByteArray("/tmp") : qgetenv("TMPDIR")))
            .arg(::getpid())
            .arg(QLatin1String(suffix));
    return path;
}

inline QString writeScratch(const uint8_t* data, size_t size, const char* suffix) {
    const QString path = scratchFile(suffix);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        f.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size)) != static_cast<qint64>(size))
        std::abort();
    return path;
}

}  // namespace photosearch::fuzz
