#pragma once

#include <QString>

#include <functional>

namespace photosearch {

// Which model a library's vectors come from: the first 16 hex digits of SHA-256(SHA-256(config.json) +
// SHA-256(weights)). Vectors of two models never mix, so the library records this id and refuses another.
class ModelIdentity {
  public:
    struct Result {
        QString id;
        QString weightsKey;  // path|size|mtime of the weights file the checksum belongs to
        QString weightsSha;
    };
    // Hashing 690 MB takes 0.7 s of a core: a checksum remembered for this exact file is reused, the
    // library's own (`knownKey` equal to its key) or the person's (remembered(), shared by all their
    // libraries); otherwise the weights are hashed on another core while `meanwhile` runs (the model load),
    // and the checksum is remembered. `meanwhile` is told whether a hash is being taken beside it.
    static Result compute(const QString& modelDir, const QString& knownKey, const QString& knownSha,
                          const std::function<void(bool hashing)>& meanwhile = {});

    // The person's memory of weights files' SHA-256, in $XDG_CACHE_HOME/photosearch/model-checksums.json
    // (the latest 16 files). A file is known by its path, size, inode and modification and change times: any
    // write to it, or another file in its place, makes it unknown again. A memory that cannot be read or
    // written only costs the hash again.
    static QString remembered(const QString& weightsFile);
    // `fileKey` is what fileKey() said when the file's checksum was taken: a file written since is not paired
    // with the old checksum.
    static void remember(const QString& weightsFile, const QString& fileKey, const QString& sha256);
    // What the memory knows a file by; empty when it cannot be looked at.
    static QString fileKey(const QString& path);
    static QString memoryFile();
};

}  // namespace photosearch
