#pragma once

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

class QNetworkAccessManager;

namespace photosearch {

struct ModelFetchOptions {
    QString repo = QStringLiteral("kakaobrain/align-base");
    QString revision = QStringLiteral("main");
    QString endpoint;     // empty: $HF_ENDPOINT, else https://huggingface.co
    QString destination;  // empty: <data dir>/photosearch/models/<owner>--<name>
    QString token;        // empty: $HF_TOKEN
    bool useHfCache = true;
};

struct FetchProgress {
    QString file;
    int64_t fileDone = 0, fileTotal = -1;
    int64_t done = 0, total = -1;  // over all files of this fetch
    double bytesPerSecond = 0;
    double etaSeconds = -1;
};

struct FetchResult {
    QString modelDir;  // where the model is now
    QString commit;    // the Hub commit, when known
    bool fromHfCache = false;
    bool alreadyPresent = false;
    int64_t downloadedBytes = 0;
};

// Gets an ALIGN model the way the Hugging Face Hub serves it: the file list and commit from
// GET {endpoint}/api/models/{repo}[/revision/{rev}], each file from {endpoint}/{repo}/resolve/{commit}/{file}
// following the redirect large files get, checked against the SHA-256 in X-Linked-Etag (or the git
// blob SHA-1 in ETag for small files). Files download into <dest>.partial/ and resume with a Range
// request; the folder is renamed into place only when every file is complete and verified, so a
// model folder is complete or absent. Runs its own event loop: call it from any thread that has none
// running (the command line, or a worker thread of the window).
class ModelDownloader {
  public:
    using ProgressFn = std::function<void(const FetchProgress&)>;

    explicit ModelDownloader(ModelFetchOptions options);
    ~ModelDownloader();

    FetchResult fetch(const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr);

    // A complete snapshot of `repo` in the Hugging Face cache ($HF_HUB_CACHE, $HF_HOME/hub or
    // ~/.cache/huggingface/hub), or empty.
    static QString findInHfCache(const QString& repo, const QString& revision);
    static QString defaultDestination(const QString& repo);
    // The files a model folder needs; the weights are model.safetensors or pytorch_model.bin.
    static bool isCompleteModelDir(const QString& dir);

    const ModelFetchOptions& options() const { return options_; }

  private:
    ModelFetchOptions options_;
    std::unique_ptr<QNetworkAccessManager> network_;
};

}  // namespace photosearch
