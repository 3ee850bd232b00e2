// Searching a library in the process that indexes it (the window's) while an index run adds to it: what each
// committed batch holds is browsed, found and judged as the catalog holds it, not when the run ends. Real
// photo files, a real SQLite catalog, a real FAISS index, the tiny fixture model.
#include "align_embedder.h"
#include "photo_library.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>

using namespace photosearch;

namespace {

using test::makePhotos;

SearchOptions everything() {
    SearchOptions o;
    o.limit = 1000;
    return o;
}

QStringList pathsOf(const std::vector<SearchResult>& results) {
    QStringList paths;
    for (const SearchResult& r : results) paths << r.path;
    paths.sort();
    return paths;
}

}  // namespace

class TestIndexWhileSearching : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;

    QString path(const QString& relative) const { return tmp_->filePath(relative); }
    std::unique_ptr<PhotoLibrary> open(bool writable = true) {
        return PhotoLibrary::open({path(QStringLiteral("library")),
                                   test::dataPath("align-tiny/model"),
                                   QStringLiteral("cpu"),
                                   2,
                                   writable,
                                   {}});
    }

  private slots:
    void init() { tmp_ = std::make_unique<QTemporaryDir>(); }

    // A large folder is indexed a chunk at a time: the first photos are searchable before every changed file
    // has been looked at (hashed), not after (9.8 GB to hash for 10,000 phone photos). The broken link sorts
    // after the 72 photos, beyond the first chunk of 64, so its failure is found after the first batch is in.
    // And searchable in the process that runs the index (the window's), not only in the catalog: the first
    // batch is browsed, found by text, by its folder and by its folder's name while the run goes on.
    void firstPhotosAreSearchableBeforeEveryFileIsLookedAt() {
        const QString dir = path(QStringLiteral("many"));
        for (int i = 0; i < 6; ++i) makePhotos(dir + QStringLiteral("/set%1").arg(i), i + 1);  // 72 photos
        QVERIFY(QFile::link(path(QStringLiteral("nowhere.jpg")), dir + QStringLiteral("/zz-broken.jpg")));
        auto lib = open();
        lib->addFolder(dir);
        int progressCalls = 0;
        int64_t searchableAtFirst = -1;
        int failuresAtFirst = -1, failures = 0;
        QStringList committedAtFirst, browsedAtFirst, foundAtFirst, namedAtFirst, folderAtFirst;
        IndexCallbacks callbacks;
        callbacks.fileFailed = [&](const QString&, const QString&) { ++failures; };
        callbacks.progress = [&](const IndexProgress& p) {
            if (progressCalls++ > 0) return;
            QCOMPARE(p.total, int64_t(73));
            failuresAtFirst = failures;
            const PhotoCatalog committed(path(QStringLiteral("library/catalog.sqlite")));
            searchableAtFirst = committed.vectorCount();
            for (const PhotoRecord& r : committed.photos())
                if (r.status == PhotoStatus::Indexed) committedAtFirst << r.path;
            committedAtFirst.sort();
            browsedAtFirst = pathsOf(lib->browse(everything()));
            foundAtFirst = pathsOf(lib->search(QStringLiteral("a photo"), everything()));
            // The run reads in path order, so its first batch is of set0 (12 photos).
            SearchOptions named = everything();
            named.folderWords << QStringLiteral("set0");
            for (const SearchResult& r : lib->search(QStringLiteral("a photo"), named))
                if (r.nameMatches > 0) namedAtFirst << r.path;
            namedAtFirst.sort();
            SearchOptions folder = everything();
            folder.folder = dir + QStringLiteral("/set0");
            folderAtFirst = pathsOf(lib->browse(folder));
        };
        const IndexReport r = lib->index(callbacks);
        QVERIFY(searchableAtFirst > 0);
        QVERIFY(searchableAtFirst < 12);
        QCOMPARE(committedAtFirst.size(), qsizetype(searchableAtFirst));
        QCOMPARE(browsedAtFirst, committedAtFirst);
        QCOMPARE(foundAtFirst, committedAtFirst);
        QCOMPARE(namedAtFirst, committedAtFirst);
        QCOMPARE(folderAtFirst, committedAtFirst);
        QCOMPARE(failuresAtFirst, 0);
        QCOMPARE(failures, 1);
        QCOMPARE(r.indexed, int64_t(72));
        QCOMPARE(r.failed.size(), size_t(1));
        QVERIFY(r.failed.front().first.endsWith(QStringLiteral("zz-broken.jpg")));
        QCOMPARE(lib->catalog().vectorCount(), int64_t(72));
        // The folder tree's counts are what choosing a folder shows: the broken file, alone in the top
        // folder, is not counted, so that folder has no count of its own.
        std::map<QString, int64_t> counts;
        for (const auto& [directory, n] : lib->directoryCounts()) counts[directory] = n;
        QCOMPARE(counts.size(), size_t(6));
        for (int i = 0; i < 6; ++i) QCOMPARE(counts[dir + QStringLiteral("/set%1").arg(i)], int64_t(12));
        SearchOptions top = everything();
        top.folder = dir;
        QCOMPARE(lib->browse(top).size(), size_t(72));
    }

    // An index run embeds images only: the model's text half (440 MB of the full-size model's 690) is not
    // read until the first search needs it.
    void aRunLeavesTheTextHalfUnread() {
        const QString dir = path(QStringLiteral("photos"));
        makePhotos(dir);
        auto lib = open();
        lib->addFolder(dir);
        const IndexReport r = lib->index({});
        QVERIFY(r.indexed > 0);
        QVERIFY(!lib->embedder().textLoaded());
        QCOMPARE(lib->search(QStringLiteral("a photo"), everything()).size(), size_t(r.indexed));
        QVERIFY(lib->embedder().textLoaded());
    }

    // A run that finds nothing to embed (nothing new, a photo moved) never reads the model's weights; the
    // first photo to embed does, and so does a search.
    void aRunWithNothingToEmbedLeavesTheModelUnread() {
        const QString dir = path(QStringLiteral("photos"));
        const QStringList photos = makePhotos(dir);
        open()->addFolder(dir);
        QCOMPARE(open()->index().indexed, int64_t(photos.size()));
        QVERIFY(QDir().mkpath(dir + QStringLiteral("/moved")));
        QVERIFY(QFile::rename(photos.front(),
                              dir + QStringLiteral("/moved/") + QFileInfo(photos.front()).fileName()));
        auto lib = open();
        const IndexReport r = lib->index();
        QCOMPARE(r.moved, int64_t(1));
        QCOMPARE(r.unchanged, int64_t(photos.size() - 1));
        QCOMPARE(r.indexed, int64_t(0));
        QVERIFY(!lib->modelLoaded());
        QCOMPARE(lib->browse(everything()).size(), size_t(photos.size()));
        // A new photo (another photo's file with bytes after its end: other content, the same picture).
        test::writeFile(dir + QStringLiteral("/new.") + QFileInfo(photos.back()).suffix(),
                        test::readFile(photos.back()) + QByteArray("\xff\xd9"));
        QCOMPARE(lib->index().indexed, int64_t(1));
        QVERIFY(lib->modelLoaded());
        lib.reset();
        auto again = open(false);
        QCOMPARE(again->search(QStringLiteral("a photo"), everything()).size(), size_t(photos.size() + 1));
        QVERIFY(again->modelLoaded());
    }

    // A photo moved to a new folder is at its new place as soon as the next run has matched it by content,
    // while that run goes on (its end re-reads every photo's path anyway).
    void aMovedPhotoIsAtItsNewPlaceWhileTheRunGoes() {
        const QString dir = path(QStringLiteral("photos"));
        makePhotos(dir);
        auto lib = open();
        lib->addFolder(dir);
        QCOMPARE(lib->index().indexed, int64_t(12));
        const QString from = pathsOf(lib->browse(everything())).constFirst();
        QVERIFY(QDir().mkpath(dir + QStringLiteral("/moved")));
        const QString to = dir + QStringLiteral("/moved/") + QFileInfo(from).fileName();
        QVERIFY(QFile::rename(from, to));
        QStringList browsedWhileRunning;
        int progressCalls = 0;
        IndexCallbacks callbacks;
        callbacks.progress = [&](const IndexProgress&) {
            if (progressCalls++ == 0) browsedWhileRunning = pathsOf(lib->browse(everything()));
        };
        QCOMPARE(lib->index(callbacks).moved, int64_t(1));
        QVERIFY(progressCalls > 0);  // before the run's end, where it reads every photo's path again
        QCOMPARE(browsedWhileRunning.size(), qsizetype(12));
        QVERIFY(browsedWhileRunning.contains(to));
        QVERIFY(!browsedWhileRunning.contains(from));
    }

    // The good-match cut-off compares a query with a sample of the library. While a first run fills the
    // library, a search judges by the library so far, not by the first batch it happened to see: once the
    // library has grown by more than a quarter, the standing of every result is what a process opening the
    // library then computes.
    void goodMatchesAreJudgedByTheLibrarySoFar() {
        const QString dir = path(QStringLiteral("many"));
        for (int i = 0; i < 4; ++i) makePhotos(dir + QStringLiteral("/set%1").arg(i), i + 1);  // 48 photos
        auto lib = open();
        lib->addFolder(dir);
        int64_t first = 0, later = 0;
        std::map<int64_t, double> inRun, anew;
        IndexCallbacks callbacks;
        callbacks.progress = [&](const IndexProgress&) {
            const int64_t committed = lib->catalog().vectorCount();
            if (first == 0) {
                first = committed;
                lib->search(QStringLiteral("a photo"), everything());  // judged by the first batch
            } else if (later == 0 && committed >= 2 * first && committed < 48) {
                later = committed;
                for (const SearchResult& r : lib->search(QStringLiteral("a photo"), everything()))
                    inRun[r.id] = r.standing;
                auto reader = open(false);
                for (const SearchResult& r : reader->search(QStringLiteral("a photo"), everything()))
                    anew[r.id] = r.standing;
            }
        };
        QCOMPARE(lib->index(callbacks).indexed, int64_t(48));
        QVERIFY2(later > 0, qPrintable(QStringLiteral("first batch %1").arg(first)));
        QCOMPARE(int64_t(inRun.size()), later);
        QCOMPARE(int64_t(anew.size()), later);
        for (const auto& [id, standing] : anew) {
            QVERIFY(inRun.count(id));
            QVERIFY2(
                std::fabs(inRun[id] - standing) <= 1e-9 * (1 + std::fabs(standing)),
                qPrintable(
                    QStringLiteral("photo %1: %2 in the run, %3 anew").arg(id).arg(inRun[id]).arg(standing)));
        }
    }
};

QTEST_MAIN(TestIndexWhileSearching)
#include "tst_index_while_searching.moc"
