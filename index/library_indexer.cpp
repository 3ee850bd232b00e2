#include "library_indexer.h"
#include "tag_teacher.h"

#include "align_embedder.h"
#include "align_error.h"
#include "file_hash.h"
#include "library_error.h"
#include "library_writer.h"
#include "memory_tuning.h"
#include "native_path.h"
#include "photo_library.h"
#include "photo_scanner.h"
#include "video_decoder.h"
#include "work_queue.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <map>
#include <thread>

namespace photosearch {

namespace {

using Candidate = LibraryIndexer::Candidate;
using Prepared = LibraryIndexer::Prepared;

QString hashFile(const QString& path, QString& error) { return Digest::sha256OfFile(path, &error); }

}  // namespace

void IndexControl::setPaused(bool paused) {
    {
        std::lock_guard lock(mutex_);
        paused_ = paused;
    }
    resumed_.notify_all();
}

void IndexControl::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    resumed_.notify_all();
}

void IndexControl::reset() {
    std::lock_guard lock(mutex_);
    cancelled_ = false;
    paused_ = false;
}

void IndexControl::waitWhilePaused() {
    std::unique_lock lock(mutex_);
    resumed_.wait(lock, [this] { return !paused_ || cancelled_; });
}

IndexReport PhotoLibrary::index(const IndexCallbacks& callbacks, IndexControl* control) {
    requireWritable();
    IndexReport report;
    IndexControl localControl;
    try {
        LibraryIndexer(*this, callbacks, control ? *control : localControl, report).run();
        // New photos get the labels' suggestions; photos gone take theirs with them.
        if (report.indexed + report.removed + report.copies > 0) TagTeacher(*this).rescoreAll();
    } catch (const LibraryError& e) {
        if (e.kind() != LibraryErrorKind::DiskFull) throw;
        // Every batch committed before the disk filled stays; say how far the run got.
        throw LibraryError(LibraryErrorKind::DiskFull, std::string(e.what()) + " (" +
                                                           std::to_string(report.indexed) +
                                                           " photos were indexed in this run and are kept)");
    }
    return report;
}

LibraryIndexer::LibraryIndexer(PhotoLibrary& library, const IndexCallbacks& callbacks, IndexControl& control,
                               IndexReport& report)
    : lib_(library), callbacks_(callbacks), ctl_(control), report_(report) {}

QJsonObject IndexReport::Stages::toJson() const {
    return {{QStringLiteral("load_model"), loadModel},
            {QStringLiteral("scan"), scan},
            {QStringLiteral("hash"), hash},
            {QStringLiteral("decode"), decode},
            {QStringLiteral("preprocess"), preprocess},
            {QStringLiteral("embed"), embed},
            {QStringLiteral("write"), write}};
}

double LibraryIndexer::lap() { return static_cast<double>(stage_.restart()) / 1e3; }

void LibraryIndexer::fail(const QString& path, const QString& error) {
    report_.failed.emplace_back(path, error);
    if (callbacks_.fileFailed) callbacks_.fileFailed(path, error);
}

void LibraryIndexer::run() {
    timer_.start();
    stage_.start();
    // The model's weights are read at the first photo to embed (or beside a hash of them): a run that finds
    // nothing new, moved or copied photos only, never reads them.
    model_ = lib_.modelId(false);
    lib_.ensureVectors();
    report_.stages.loadModel = lap();
    dim_ = lib_.modelDim();
    workers_ = std::max(1, QThread::idealThreadCount() - 1);
    scan();
    compare();
    report_.stages.scan = lap();
    if (!backOnline_.empty() || !goneOffline_.empty())
        lib_.writer_->write([&](PhotoCatalog& catalog) {
            for (int64_t id : backOnline_) catalog.setStatus(id, PhotoStatus::Indexed);
            for (const PhotoRecord& p : goneOffline_) catalog.setStatus(p.id, PhotoStatus::Offline);
            catalog.bumpGeneration();
        });
    progress_.total = static_cast<int64_t>(candidates_.size());
    embedTimer_.start();
    // 3 and 4 a chunk at a time, the first small: the first photos are searchable within seconds, not after
    // every changed file was hashed (9.8 GB for 10,000 phone photos).
    for (size_t from = 0, chunk = 64; from < candidates_.size();
         from += chunk, chunk = std::min<size_t>(chunk * 2, 1024)) {
        if (ctl_.isCancelled()) {
            report_.cancelled = true;
            break;
        }
        hashAndMatch(from, std::min(candidates_.size(), from + chunk));
        report_.stages.hash += lap();
        embed();
        if (report_.cancelled) break;
        stage_.restart();
    }
    stage_.restart();
    forgetDeleted();
    finish();
}

void LibraryIndexer::scan() {
    // 1. What is on disk now. A folder that is not there (an unplugged drive) keeps its photos, offline.
    PhotoScanner scanner(lib_.dir_);
    for (const FolderRecord& f : lib_.catalog().folders()) {
        if (const auto there = native_path::status(f.path); !there || !there->isDir) {
            offlineFolders_.insert(f.id);
            continue;
        }
        scanner.scan(f.path, f.id, files_, &ctl_.cancelFlag());
    }
}

void LibraryIndexer::compare() {
    // 2. Compare with the catalog: same size and time means unchanged.
    for (PhotoRecord& p : lib_.catalog().photos()) known_.emplace(p.path, std::move(p));
    std::set<QString> seen;  // a path reached twice (through a link to a folder) counts once
    for (const ScannedFile& f : files_) {
        if (!seen.insert(f.path).second) continue;
        const auto it = known_.find(f.path);
        if (it != known_.end() && it->second.size == f.size && it->second.mtimeMs == f.mtimeMs) {
            if (it->second.status == PhotoStatus::Offline) backOnline_.push_back(it->second.id);
            ++report_.unchanged;
            continue;
        }
        candidates_.push_back({f, {}, {}});
    }
    for (const auto& [path, p] : known_) {
        if (seen.count(path)) continue;
        if (offlineFolders_.count(p.folderId)) {
            if (p.status != PhotoStatus::Offline) goneOffline_.push_back(p);
            ++report_.offline;
            continue;
        }
        missing_.push_back(p);
        if (!p.contentHash.isEmpty()) missingByHash_[p.contentHash].push_back(p);
    }
}

void LibraryIndexer::hashAndMatch(size_t from, size_t to) {
    // 3. Content hashes of what changed, in parallel: a moved or copied photo is not embedded again.
    toEmbed_.clear();
    parallelFor(to - from, workers_ + 1, [&](size_t k) {
        Candidate& c = candidates_[from + k];
        ctl_.waitWhilePaused();  // a pause takes hold within a file, not at the end of the chunk
        if (!c.file.problem.isEmpty())
            c.error = c.file.problem;
        else if (!ctl_.isCancelled())
            c.hash = hashFile(c.file.path, c.error);
    });

    std::vector<int64_t> copyIds;
    std::vector<float> copyVectors;
    std::vector<std::pair<QString, QString>> failed;
    lib_.writer_->write(
        [&](PhotoCatalog& catalog) {
            std::map<int64_t, bool> folderKept;
            for (size_t i = from; i < to; ++i) {
                const Candidate& c = candidates_[i];
                const ScannedFile& f = c.file;
                const auto kept = folderKept.try_emplace(f.folderId, false);
                if (kept.second) kept.first->second = catalog.hasFolder(f.folderId);
                if (!kept.first->second) continue;  // removed from the library since the scan
                if (!c.error.isEmpty()) {
                    PhotoRecord r;
                    r.path = f.path;
                    r.folderId = f.folderId;
                    r.size = f.size;
                    r.mtimeMs = f.mtimeMs;
                    r.takenAt = f.mtimeMs / 1000;
                    r.error = c.error;
                    catalog.putFailed(r);
                    failed.emplace_back(f.path, c.error);
                    continue;
                }
                const auto same = known_.find(f.path);
                if (same != known_.end() && same->second.contentHash == c.hash &&
                    same->second.status == PhotoStatus::Indexed) {
                    catalog.updateFile(same->second.id, f.path, f.folderId, f.size,
                                       f.mtimeMs);  // touched, not changed
                    ++report_.unchanged;
                    continue;
                }
                auto moved = missingByHash_.find(c.hash);
                if (moved != missingByHash_.end() && !moved->second.empty() && same == known_.end()) {
                    const PhotoRecord from = moved->second.back();
                    moved->second.pop_back();
                    catalog.updateFile(from.id, f.path, f.folderId, f.size, f.mtimeMs);
                    movedIds_.insert(from.id);
                    ++report_.moved;
                    continue;
                }
                std::optional<std::vector<float>> reuse;
                for (const PhotoRecord& twin : catalog.photosWithHash(c.hash))
                    if (twin.status == PhotoStatus::Indexed && twin.path != f.path && !twin.isVideo() &&
                        (reuse = catalog.vector(twin.id))) {
                        PhotoRecord r = twin;
                        r.id = 0;
                        r.path = f.path;
                        r.folderId = f.folderId;
                        r.size = f.size;
                        r.mtimeMs = f.mtimeMs;
                        copyIds.push_back(catalog.putIndexed(r, model_, *reuse));
                        copyVectors.insert(copyVectors.end(), reuse->begin(), reuse->end());
                        ++report_.copies;
                        break;
                    }
                if (!reuse) toEmbed_.push_back(i);
            }
            catalog.bumpGeneration();
        },
        [&] {
            if (const auto v = lib_.vectors()) v->add(copyIds, copyVectors);
            QStringList paths;  // moved, copied, touched or failed: searchable as they now are
            for (size_t i = from; i < to; ++i) paths << candidates_[i].file.path;
            lib_.search_->refreshPaths(paths);
        });
    for (const auto& [path, error] : failed) fail(path, error);
    // What needed no embedding (unchanged, moved, copied, unreadable) is done too; the status line shows the
    // last of it.
    if (const size_t settled = to - from - toEmbed_.size(); settled > 0) {
        size_t last = to - 1;
        while (std::binary_search(toEmbed_.begin(), toEmbed_.end(), last)) --last;  // toEmbed_ is ascending
        reportProgress(settled, candidates_[last].file.path);
    }
}

void LibraryIndexer::reportProgress(size_t more, const QString& currentPath) {
    progress_.done += static_cast<int64_t>(more);
    const double seconds = embedTimer_.elapsed() / 1000.0;
    progress_.photosPerSecond = seconds > 0 ? progress_.done / seconds : 0;
    progress_.etaSeconds =
        progress_.photosPerSecond > 0 ? (progress_.total - progress_.done) / progress_.photosPerSecond : -1;
    progress_.currentPath = currentPath;
    if (callbacks_.progress) callbacks_.progress(progress_);
}

void LibraryIndexer::embed() {
    if (toEmbed_.empty()) return;
    QElapsedTimer loading;
    loading.start();
    AlignEmbedder& e = lib_.embedder();
    report_.stages.loadModel += static_cast<double>(loading.nsecsElapsed()) / 1e9;
    batchSize_ = e.preferredBatch();
    // 4. Decode and preprocess on worker threads; embed in batches; one transaction per batch.
    BoundedQueue<Prepared> queue(static_cast<size_t>(std::max(4, batchSize_ * 3)));
    std::atomic<size_t> next{0};
    std::atomic<int> running{workers_};
    std::atomic<bool> stop{false};
    std::atomic<int64_t> decodeNs{0}, preprocessNs{0};
    ThreadPool pool([&] {
        stop = true;
        queue.close();
    });
    for (int w = 0; w < workers_; ++w)
        pool.start([&] {
            for (size_t k; !stop && (k = next++) < toEmbed_.size();) {
                Prepared p;
                prepare(toEmbed_[k], p, decodeNs, preprocessNs);
                queue.push(std::move(p));
            }
            if (--running == 0) queue.close();
        });

    // The next prepared photo. When none is ready, this thread prepares the next one itself rather than wait
    // with a core idle: where decoding is slower than the model (RAW, HEIC, video, or a slow disk) every core
    // decodes; where it is faster, the workers keep ahead and this never happens. False when none is left.
    auto take = [&](Prepared& p) {
        if (queue.tryPop(p)) return true;
        if (const size_t k = next++; k < toEmbed_.size()) {
            p = Prepared();
            prepare(toEmbed_[k], p, decodeNs, preprocessNs);
            return true;
        }
        return queue.pop(p);
    };
    bool more = true;
    while (more) {
        ctl_.waitWhilePaused();
        if (ctl_.isCancelled()) {
            report_.cancelled = true;
            break;
        }
        std::vector<Prepared> batch;
        Prepared p;
        // A full batch unless every photo is taken.
        while (static_cast<int>(batch.size()) < batchSize_ && (more = take(p))) batch.push_back(std::move(p));
        if (batch.empty()) break;

        std::vector<PixelValues> pixels;  // moved out: the batch keeps its records and frame counts
        for (Prepared& b : batch)
            if (b.error.isEmpty()) {
                pixels.push_back(std::move(b.pixels));
                pixels.insert(pixels.end(), std::make_move_iterator(b.laterFrames.begin()),
                              std::make_move_iterator(b.laterFrames.end()));
            }
        const int threads = e.shareCpusWithOtherPrograms();
        report_.modelThreadsMost = std::max(report_.modelThreadsMost, threads);
        report_.modelThreadsFewest =
            report_.modelThreadsFewest ? std::min(report_.modelThreadsFewest, threads) : threads;
        QElapsedTimer t;
        t.start();
        // The photos with a video's frames, in the batches the model prefers.
        const std::vector<std::vector<float>> features = e.imageEmbeddings(pixels);
        report_.stages.embed += static_cast<double>(t.nsecsElapsed()) / 1e9;
        writeBatch(batch, features);

        reportProgress(batch.size(), batch.back().record.path);
    }
    pool.join();
    report_.stages.decode += static_cast<double>(decodeNs) / 1e9;
    report_.stages.preprocess += static_cast<double>(preprocessNs) / 1e9;
}

// One transaction for a batch: its photos indexed (a video with its frames), its failures kept, what vanished
// or lost its folder meanwhile left out; then its vectors into the cache.
void LibraryIndexer::writeBatch(std::vector<Prepared>& batch,
                                const std::vector<std::vector<float>>& features) {
    QElapsedTimer t;
    t.start();
    std::vector<int64_t> ids, stale;
    std::vector<float> data;
    std::vector<std::pair<QString, QString>> failed;
    lib_.writer_->write(
        [&](PhotoCatalog& catalog) {
            size_t row = 0;
            std::map<int64_t, bool>
                folderKept;  // a folder removed from the library while this run embedded its photos
            for (Prepared& b : batch) {
                const auto kept = folderKept.try_emplace(b.record.folderId, false);
                if (kept.second) kept.first->second = catalog.hasFolder(b.record.folderId);
                if (!kept.first->second) {
                    // its features were computed; the next photo's follow
                    if (b.error.isEmpty()) row += 1 + b.laterFrames.size();
                    continue;
                }
                if (b.vanished) {  // the next run finds its folder offline, or the file deleted
                    ++report_.offline;
                    continue;
                }
                // A video's frames from before: the new ones (or its failure) replace them all.
                if (VideoDecoder::isVideoName(b.record.path))
                    if (const auto before = catalog.photoByPath(b.record.path)) {
                        const std::vector<int64_t> old = catalog.frameVectorIds(before->id);
                        stale.insert(stale.end(), old.begin(), old.end());
                    }
                if (!b.error.isEmpty()) {
                    b.record.error = b.error;
                    catalog.putFailed(b.record);
                    failed.emplace_back(b.record.path, b.error);
                    continue;
                }
                const std::vector<float>& v = features[row++];
                const int64_t id = catalog.putIndexed(b.record, model_, v);
                // Keywords other tools gave it are a person's: confirmed (a name past the tags' limit
                // of 200 characters is not one).
                for (const QString& k : b.keywords)
                    if (k.size() <= 200) catalog.addTag({id}, k);
                ids.push_back(id);
                data.insert(data.end(), v.begin(), v.end());
                if (b.record.isVideo()) {
                    std::vector<FrameVector> frames{{b.frameTimesMs[0], v}};
                    for (size_t f = 1; f < b.frameTimesMs.size(); ++f) {
                        const std::vector<float>& later = features[row++];
                        frames.push_back({b.frameTimesMs[f], later});
                        ids.push_back(frameVectorId(id, static_cast<int>(f)));
                        data.insert(data.end(), later.begin(), later.end());
                    }
                    catalog.putFrames(id, model_, frames);
                }
                ++report_.indexed;
            }
            catalog.bumpGeneration();
        },
        [&] {
            if (const auto v = lib_.vectors()) {
                v->remove(stale);
                v->add(ids, data);
            }
            QStringList paths;  // browsing and search show the batch from now on
            for (const Prepared& b : batch) paths << b.record.path;
            lib_.search_->refreshPaths(paths);
        });
    for (const auto& [path, error] : failed) fail(path, error);
    report_.stages.write += static_cast<double>(t.nsecsElapsed()) / 1e9;
}

void LibraryIndexer::forgetDeleted() {
    // 5. Forget what was deleted (not on a cancelled run: the scan may be incomplete).
    if (!report_.cancelled) {
        std::vector<int64_t> removed;  // vector ids: the photos' and their later video frames'
        int64_t photos = 0;
        lib_.writer_->write(
            [&](PhotoCatalog& catalog) {
                for (const PhotoRecord& p : missing_)
                    if (!movedIds_.count(p.id)) {
                        const std::vector<int64_t> frames = catalog.frameVectorIds(p.id);
                        removed.insert(removed.end(), frames.begin(), frames.end());
                        catalog.removePhoto(p.id);
                        removed.push_back(p.id);
                        ++photos;
                    }
                catalog.bumpGeneration();
            },
            [&] {
                if (const auto v = lib_.vectors()) v->remove(removed);
            });
        report_.removed = photos;
    }
}

void LibraryIndexer::finish() {
    lib_.saveVectors();
    lib_.keepBackup();
    lib_.search_->refreshPaths();
    report_.stages.write += lap();
    report_.total = lib_.catalog().counts().indexed;
    report_.elapsedSeconds = timer_.elapsed() / 1000.0;
    memory::releaseFreeMemory();  // the activations' blocks, kept for reuse while indexing
}

}  // namespace photosearch
