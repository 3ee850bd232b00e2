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
    // Hashing 690 MB takes 0.7 s: a checksum remembered for this exact file (`knownKey` equal to its key) is
    // reused; otherwise the weights are hashed on another core while `meanwhile` runs (the model load).
    static Result compute(const QString& modelDir, const QString& knownKey, const QString& knownSha,
                          const std::function<void()>& meanwhile = {});
};

}  // namespace photosearch
