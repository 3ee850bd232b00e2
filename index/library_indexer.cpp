// PhotoLibrary::index: the incremental indexing pipeline.
#include "align_embedder.h"
#include "align_error.h"
#include "file_hash.h"
#include "image_decoder.h"
#include "library_error.h"
#include "memory_tuning.h"
#include "photo_library.h"
#include "photo_scanner.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <condition_variable>
#include <deque>
#include <map>
#include <thread>

namespace photosearch {

namespace {

// Measured with photosearch-cli bench (align-base, 2 cores, LibTorch 1.13 CPU): the image model runs
// 5.35 images/s at batch 1 but 1.43 at batch 4 and 0.73 at batch 8, so the CPU embeds one photo at a
// time; a GPU wants batches.
int batchSizeFor(const torch::Device& device) { return device.is_cuda() ? 16 : 1; }

// A small bounded queue: decode workers produce, the embedding loop consumes.
template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
    void push(T item) {
        std::unique_lock lock(m_);
        notFull_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
        items_.push_back(std::move(item));
        notEmpty_.notify_one();
    }
    // False when closed and empty.
    bool pop(T& out) {
        std::unique_lock lock(m_);
        notEmpty_.wait(lock, [&] { return !items_.empty() || closed_; });
        if (items_.empty()) return false;
        out = std::move(items_.front());
        items_.pop_front();
        notFull_.notify_one();
        return true;
    }
    bool tryPop(T& out) {
        std::lock_guard lock(m_);
        if (items_.empty()) return false;
        out = std::move(items_.front());
        items_.pop_front();
        notFull_.notify_one();
        return true;
    }
    void close() {
        std::lock_guard lock(m_);
        closed_ = true;
        notEmpty_.notify_all();
        notFull_.notify_all();
    }

private:
    std::mutex m_;
    std::condition_variable notEmpty_, notFull_;
    std::deque<T> items_;
    size_t capacity_;
    bool closed_ = false;
};

// Threads joined when the scope ends, however it ends: an exception on the indexing thread (disk full in a
// commit) must not destroy joinable threads, which is std::terminate.
class ThreadPool {
public:
    explicit ThreadPool(std::function<void()> beforeJoin = {}) : beforeJoin_(std::move(beforeJoin)) {}
    ~ThreadPool() { join(); }
    template <typename F>
    void start(F&& f) { threads_.emplace_back(std::forward<F>(f)); }
    void join() {
        if (beforeJoin_) beforeJoin_();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

private:
    std::function<void()> beforeJoin_;
    std::vector<std::thread> threads_;
};

// Runs fn(i) for i in [0, n) on `threads` threads; the first exception stops the rest and is rethrown here.
void parallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex errorMutex;
    {
        ThreadPool pool;
        for (int t = 0; t < threads; ++t)
            pool.start([&] {
                try {
                    for (size_t i; (i = next++) < n;) fn(i);
                } catch (...) {
                    std::lock_guard lock(errorMutex);
                    if (!error) error = std::current_exception();
                    next = n;
                }
            });
    }
    if (error) std::rethrow_exception(error);
}

struct Candidate {
    ScannedFile file;
    QString hash;
    QString error;
};

struct Prepared {
    size_t index = 0;
    PixelValues pixels;
    PhotoRecord record;
    QString error;
    bool vanished = false;  // gone since the scan (an unplugged drive): neither indexed nor failed
};

QString hashFile(const QString& path, QString& error) { return Digest::sha256OfFile(path, &error); }

}  // namespace

IndexReport PhotoLibrary::index(const IndexCallbacks& callbacks, IndexControl* control) {
    requireWritable();
    IndexReport report;
    try {
        indexInto(report, callbacks, control);
    } catch (const LibraryError& e) {
        if (e.kind() != LibraryErrorKind::DiskFull) throw;
        // Every batch committed before the disk filled stays; say how far the run got.
        throw LibraryError(LibraryErrorKind::DiskFull, std::string(e.what()) + " (" + std::to_string(report.indexed) +
                                                           " photos were indexed in this run and are kept)");
    }
    return report;
}

void PhotoLibrary::indexInto(IndexReport& report, const IndexCallbacks& callbacks, IndexControl* control) {
    QElapsedTimer timer;
    timer.start();
    IndexControl localControl;
    IndexControl& ctl = control ? *control : localControl;
    QElapsedTimer stage;
    stage.start();
    auto lap = [&stage] { return static_cast<double>(stage.restart()) / 1e3; };  // seconds since the last lap
    const QString model = modelId();
    ensureVectors();
    AlignEmbedder& e = embedder();
    report.stages.loadModel = lap();
    const int dim = e.config().projectionDim;
    const int workers = std::max(1, QThread::idealThreadCount() - 1);
    const int batchSize = batchSizeFor(e.device());
    auto fail = [&](const QString& path, const QString& error) {
        report.failed.emplace_back(path, error);
        if (callbacks.fileFailed) callbacks.fileFailed(path, error);
    };

    // 1. What is on disk now. A folder that is not there (an unplugged drive) keeps its photos, offline.
    PhotoScanner scanner(dir_);
    std::vector<ScannedFile> files;
    std::set<int64_t> offlineFolders;
    for (const FolderRecord& f : catalog_->folders()) {
        if (!QFileInfo(f.path).isDir()) {
            offlineFolders.insert(f.id);
            continue;
        }
        scanner.scan(f.path, f.id, files, &ctl.cancel);
    }

    // 2. Compare with the catalog: same size and time means unchanged.
    std::map<QString, PhotoRecord> known;
    for (PhotoRecord& p : catalog_->photos()) known.emplace(p.path, std::move(p));
    std::vector<Candidate> candidates;
    std::set<QString> seen;
    std::vector<int64_t> backOnline;
    for (const ScannedFile& f : files) {
        if (!seen.insert(f.path).second) continue;
        const auto it = known.find(f.path);
        if (it != known.end() && it->second.size == f.size && it->second.mtimeMs == f.mtimeMs) {
            if (it->second.status == QLatin1String("offline")) backOnline.push_back(it->second.id);
            ++report.unchanged;
            continue;
        }
        candidates.push_back({f, {}, {}});
    }
    std::map<QString, std::vector<PhotoRecord>> missingByHash;
    std::vector<PhotoRecord> missing, goneOffline;
    for (const auto& [path, p] : known) {
        if (seen.count(path)) continue;
        if (offlineFolders.count(p.folderId)) {
            if (p.status != QLatin1String("offline")) goneOffline.push_back(p);
            ++report.offline;
            continue;
        }
        missing.push_back(p);
        if (!p.contentHash.isEmpty()) missingByHash[p.contentHash].push_back(p);
    }

    report.stages.scan = lap();

    // 3. Content hashes of what changed, in parallel: a moved or copied photo is not embedded again.
    parallelFor(candidates.size(), workers + 1, [&](size_t i) {
        Candidate& c = candidates[i];
        if (!c.file.problem.isEmpty()) c.error = c.file.problem;
        else if (!ctl.cancel) c.hash = hashFile(c.file.path, c.error);
    });

    std::vector<size_t> toEmbed;
    std::set<int64_t> movedIds;
    std::vector<int64_t> copyIds;
    std::vector<float> copyVectors;
    {
        WriteTransaction tx(*this);
        for (int64_t id : backOnline) catalog_->setStatus(id, QStringLiteral("indexed"));
        for (const PhotoRecord& p : goneOffline) catalog_->setStatus(p.id, QStringLiteral("offline"));
        std::map<int64_t, bool> folderKept;
        for (size_t i = 0; i < candidates.size(); ++i) {
            const Candidate& c = candidates[i];
            const ScannedFile& f = c.file;
            const auto kept = folderKept.try_emplace(f.folderId, false);
            if (kept.second) kept.first->second = catalog_->hasFolder(f.folderId);
            if (!kept.first->second) continue;  // removed from the library since the scan
            if (!c.error.isEmpty()) {
                PhotoRecord r{0, f.path, f.folderId, f.size, f.mtimeMs, {}, 0, 0, f.mtimeMs / 1000, 1, {}, c.error};
                catalog_->putFailed(r);
                fail(f.path, c.error);
                continue;
            }
            const auto same = known.find(f.path);
            if (same != known.end() && same->second.contentHash == c.hash && same->second.status == QLatin1String("indexed")) {
                catalog_->updateFile(same->second.id, f.path, f.folderId, f.size, f.mtimeMs);  // touched, not changed
                ++report.unchanged;
                continue;
            }
            auto moved = missingByHash.find(c.hash);
            if (moved != missingByHash.end() && !moved->second.empty() && same == known.end()) {
                const PhotoRecord from = moved->second.back();
                moved->second.pop_back();
                catalog_->updateFile(from.id, f.path, f.folderId, f.size, f.mtimeMs);
                movedIds.insert(from.id);
                ++report.moved;
                continue;
            }
            std::optional<std::vector<float>> reuse;
            for (const PhotoRecord& twin : catalog_->photosWithHash(c.hash))
                if (twin.status == QLatin1String("indexed") && twin.path != f.path && (reuse = catalog_->vector(twin.id))) {
                    PhotoRecord r = twin;
                    r.id = 0;
                    r.path = f.path;
                    r.folderId = f.folderId;
                    r.size = f.size;
                    r.mtimeMs = f.mtimeMs;
                    copyIds.push_back(catalog_->putIndexed(r, model, *reuse));
                    copyVectors.insert(copyVectors.end(), reuse->begin(), reuse->end());
                    ++report.copies;
                    break;
                }
            if (!reuse) toEmbed.push_back(i);
        }
        catalog_->bumpGeneration();
        tx.commit();
        if (const auto v = vectors()) v->add(copyIds, copyVectors);
    }
    report.stages.hash = lap();

    // 4. Decode and preprocess on worker threads; embed in batches; one transaction per batch.
    BoundedQueue<Prepared> queue(static_cast<size_t>(std::max(4, batchSize * 3)));
    std::atomic<size_t> next{0};
    std::atomic<int> running{workers};
    std::atomic<bool> stop{false};
    std::atomic<int64_t> decodeNs{0}, preprocessNs{0};
    ThreadPool pool([&] {
        stop = true;
        queue.close();
    });
    for (int w = 0; w < workers; ++w)
        pool.start([&] {
            for (size_t k; !stop && (k = next++) < toEmbed.size();) {
                const Candidate& c = candidates[toEmbed[k]];
                Prepared p;
                p.index = toEmbed[k];
                p.record = {0, c.file.path, c.file.folderId, c.file.size, c.file.mtimeMs, c.hash, 0, 0, c.file.mtimeMs / 1000, 1, {}, {}};
                try {
                    QElapsedTimer t;
                    t.start();
                    const DecodedImage image = ImageDecoder::decodeFile(c.file.path, true, e.processor().reducedDecodeSize());
                    decodeNs += t.nsecsElapsed();
                    t.restart();
                    p.record.width = image.width;
                    p.record.height = image.height;
                    p.record.orientation = image.orientation;
                    if (const auto taken = parseExifDateTime(image.dateTimeOriginal)) p.record.takenAt = *taken;
                    p.pixels = e.processor().preprocess(image.rgb);
                    preprocessNs += t.nsecsElapsed();
                } catch (const std::exception& ex) {
                    p.error = QString::fromUtf8(ex.what());
                    if (p.error.startsWith(c.file.path + QStringLiteral(": "))) p.error = p.error.mid(c.file.path.size() + 2);
                    p.vanished = !QFileInfo::exists(c.file.path) && !QFileInfo(c.file.path).isSymLink();
                }
                queue.push(std::move(p));
            }
            if (--running == 0) queue.close();
        });

    QElapsedTimer embedTimer;
    embedTimer.start();
    IndexProgress progress;
    progress.total = static_cast<int64_t>(toEmbed.size());
    bool more = true;
    while (more) {
        while (ctl.pause && !ctl.cancel) QThread::msleep(50);
        if (ctl.cancel) {
            report.cancelled = true;
            break;
        }
        std::vector<Prepared> batch;
        Prepared p;
        if (!(more = queue.pop(p))) break;
        batch.push_back(std::move(p));
        while (static_cast<int>(batch.size()) < batchSize && queue.tryPop(p)) batch.push_back(std::move(p));
        // Wait for a full batch unless the workers are done.
        while (static_cast<int>(batch.size()) < batchSize && (more = queue.pop(p))) batch.push_back(std::move(p));

        std::vector<PixelValues> pixels;
        for (const Prepared& b : batch)
            if (b.error.isEmpty()) pixels.push_back(b.pixels);
        QElapsedTimer t;
        t.start();
        const torch::Tensor features = e.imageFeatures(pixels);
        report.stages.embed += static_cast<double>(t.nsecsElapsed()) / 1e9;
        t.restart();
        std::vector<int64_t> ids;
        std::vector<float> data;
        WriteTransaction tx(*this);
        int64_t row = 0;
        std::map<int64_t, bool> folderKept;  // a folder removed from the library while this run embedded its photos
        for (Prepared& b : batch) {
            const auto kept = folderKept.try_emplace(b.record.folderId, false);
            if (kept.second) kept.first->second = catalog_->hasFolder(b.record.folderId);
            if (!kept.first->second) {
                if (b.error.isEmpty()) ++row;  // its features were computed; the next photo's follow
                continue;
            }
            if (b.vanished) {  // the next run finds its folder offline, or the file deleted
                ++report.offline;
                continue;
            }
            if (!b.error.isEmpty()) {
                b.record.error = b.error;
                catalog_->putFailed(b.record);
                fail(b.record.path, b.error);
                continue;
            }
            const std::vector<float> v = unitVector(features[row++].contiguous().data_ptr<float>(), dim);
            ids.push_back(catalog_->putIndexed(b.record, model, v));
            data.insert(data.end(), v.begin(), v.end());
            ++report.indexed;
        }
        catalog_->bumpGeneration();
        tx.commit();
        if (const auto v = vectors()) v->add(ids, data);
        report.stages.write += static_cast<double>(t.nsecsElapsed()) / 1e9;

        progress.done += static_cast<int64_t>(batch.size());
        const double seconds = embedTimer.elapsed() / 1000.0;
        progress.photosPerSecond = seconds > 0 ? progress.done / seconds : 0;
        progress.etaSeconds = progress.photosPerSecond > 0 ? (progress.total - progress.done) / progress.photosPerSecond : -1;
        progress.currentPath = batch.back().record.path;
        if (callbacks.progress) callbacks.progress(progress);
    }
    pool.join();
    report.stages.decode = static_cast<double>(decodeNs) / 1e9;
    report.stages.preprocess = static_cast<double>(preprocessNs) / 1e9;
    stage.restart();

    // 5. Forget what was deleted (not on a cancelled run: the scan may be incomplete).
    if (!report.cancelled) {
        std::vector<int64_t> removed;
        WriteTransaction tx(*this);
        for (const PhotoRecord& p : missing)
            if (!movedIds.count(p.id)) {
                catalog_->removePhoto(p.id);
                removed.push_back(p.id);
            }
        catalog_->bumpGeneration();
        tx.commit();
        if (const auto v = vectors()) v->remove(removed);
        report.removed = static_cast<int64_t>(removed.size());
    }
    saveVectors();
    keepBackup();
    refreshPaths();
    report.stages.write += lap();
    report.total = catalog_->db().scalar("SELECT count(*) FROM photos WHERE status = 'indexed'");
    report.elapsedSeconds = timer.elapsed() / 1000.0;
    memory::releaseFreeMemory();  // the activations' blocks, kept for reuse while indexing
}

}  // namespace photosearch
