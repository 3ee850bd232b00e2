// Searching a library as the command line and the window do (text, similar, filters, "not", tags,
// duplicates, while indexing): real photo files, a real SQLite catalog, a real FAISS index, the tiny model.
#include "align_embedder.h"
#include "align_error.h"
#include "image_decoder.h"
#include "library_error.h"
#include "library_writer.h"
#include "photo_library.h"
#include "qt_image_fallback.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

using namespace photosearch;

namespace {

QString model() { return test::dataPath("align-tiny/model"); }

using test::makePhotos;

std::vector<float> unit(const torch::Tensor& row) {
    const auto r = (row / row.norm()).contiguous();
    return std::vector<float>(r.data_ptr<float>(), r.data_ptr<float>() + r.numel());
}

// How far a score computed on two paths (FAISS in float, a double dot product here) may differ.
constexpr float kScoreTolerance = 1e-5f;

float dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
    return static_cast<float>(s);
}

}  // namespace

class TestLibrarySearch : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;

    QString path(const QString& relative) const { return tmp_->filePath(relative); }
    std::unique_ptr<PhotoLibrary> open(bool writable = true, const QString& modelDir = model()) {
        return PhotoLibrary::open(
            {path(QStringLiteral("library")), modelDir, QStringLiteral("cpu"), 2, writable, {}});
    }

  private slots:
    // As both programs' main() does, once per process: GIF through Qt's plug-in (OpenCV 4.6 reads none).
    void initTestCase() { installQtImageFallback(); }
    void init() { tmp_ = std::make_unique<QTemporaryDir>(); }

    void textSearchRankingEqualsCosineOfEmbeddings() {
        const QStringList photos = makePhotos(path(QStringLiteral("photos")));
        auto lib = open();
        lib->addFolder(path(QStringLiteral("photos")));
        const IndexReport r = lib->index();
        QCOMPARE(r.indexed, int64_t(photos.size()));
        QVERIFY(r.failed.empty());
        QCOMPARE(r.total, int64_t(photos.size()));

        auto embedder = AlignEmbedder::load({model(), QStringLiteral("cpu"), 2});
        const QString query = QStringLiteral("a cup of coffee on a table");
        const std::vector<float> q = unit(embedder->textFeatures({query})[0]);
        std::vector<std::pair<float, QString>> expected;
        for (const QString& p : photos)
            expected.emplace_back(
                dot(unit(embedder->imageFeatures({embedder->processor().preprocessFile(p)})[0]), q), p);
        std::sort(expected.begin(), expected.end(), std::greater<>());

        SearchOptions o;
        o.limit = 100;
        const auto results = lib->search(query, o);
        QCOMPARE(results.size(), expected.size());
        // The library's scores come from FAISS in float, ours from a double dot product; the text features
        // may also come from different kernels (bfloat16 on one CPU, float32 on another). Each score must
        // agree within kScoreTolerance, and two photos whose scores lie that close may trade places.
        std::map<QString, float> expectedScore;
        for (const auto& [score, p] : expected) expectedScore[p] = score;
        for (size_t i = 0; i < results.size(); ++i) {
            QVERIFY2(expectedScore.count(results[i].path), qPrintable(results[i].path));
            const float own = expectedScore[results[i].path];
            QVERIFY2(std::fabs(results[i].score - own) < kScoreTolerance, qPrintable(results[i].path));
            QVERIFY2(std::fabs(own - expected[i].first) < kScoreTolerance,
                     qPrintable(QStringLiteral("rank %1: %2 (%3), expected %4 (%5)")
                                    .arg(i)
                                    .arg(results[i].path)
                                    .arg(own)
                                    .arg(expected[i].second)
                                    .arg(expected[i].first)));
        }
        o.limit = 3;
        QCOMPARE(lib->search(query, o).size(), size_t(3));
        // A cut-off between two scores, never on one: halfway across the widest gap between ranks 3 and n-2.
        size_t cut = 3;
        for (size_t i = 3; i + 2 < expected.size(); ++i)
            if (expected[i].first - expected[i + 1].first > expected[cut].first - expected[cut + 1].first)
                cut = i;
        const float gap = expected[cut].first - expected[cut + 1].first;
        QVERIFY2(gap > 2 * kScoreTolerance, qPrintable(QStringLiteral("widest gap %1").arg(gap)));
        o.limit = 100;
        o.minScore = (expected[cut].first + expected[cut + 1].first) / 2;
        QCOMPARE(lib->search(query, o).size(), cut + 1);
    }

    void similarLeavesOutThePhotoItself() {
        const QStringList photos = makePhotos(path(QStringLiteral("photos")));
        auto lib = open();
        lib->addFolder(path(QStringLiteral("photos")));
        lib->index();
        SearchOptions o;
        o.limit = 100;
        const auto results = lib->similar(photos[0], o);
        QCOMPARE(results.size(), size_t(photos.size() - 1));
        for (const auto& r : results) QVERIFY(r.path != photos[0]);
        QVERIFY(std::is_sorted(results.begin(), results.end(),
                               [](auto& a, auto& b) { return a.score > b.score; }));

        // A photo from outside the library is embedded on the fly and ranks its own copy first.
        const QString outside = path(QStringLiteral("outside.png"));
        QVERIFY(QFile::copy(photos[3], outside));
        const auto fromOutside = lib->similar(outside, o);
        QCOMPARE(fromOutside.size(), size_t(photos.size()));
        QCOMPARE(fromOutside.front().path, photos[3]);
        QVERIFY(fromOutside.front().score > 0.9999f);
    }

    void approximateIndexOnRequest() {
        // A person's setting (or PHOTOSEARCH_INDEX) makes even a small library use the approximate index:
        // built when the library opens, kept across a restart, and giving the exact index's results with the
        // exact index's scores (its candidates are re-ranked with the catalog's vectors): the same float32
        // inner products summed in another order, within 80 x 2^-24 (the fixture's 80 values) of each other.
        // (The fixture model's photos lie within cosine 0.99999 of each other: their order may change in the
        // last bits, their set and scores may not.)
        const QStringList photos = makePhotos(path(QStringLiteral("photos")));
        const QString outside = path(QStringLiteral("outside.png"));
        QVERIFY(QFile::copy(photos[5], outside));
        LibraryOptions options{path(QStringLiteral("library")), model(), QStringLiteral("cpu"), 2, true, {}};
        options.indexKind = QStringLiteral("exact");
        SearchOptions o;
        o.limit = 100;
        std::map<QString, float> exact;
        std::map<QString, std::map<QString, float>> exactGroups;  // first photo -> members' scores
        {
            auto lib = PhotoLibrary::open(options);
            lib->addFolder(path(QStringLiteral("photos")));
            QCOMPARE(lib->index().indexed, int64_t(photos.size()));
            for (const auto& r : lib->similar(outside, o)) exact[r.path] = r.score;
            QCOMPARE(lib->vectors()->kind(), VectorIndex::Kind::Exact);
            for (const auto& group : lib->duplicates(0.9f))
                for (const auto& r : group) exactGroups[group.front().path][r.path] = r.score;
        }
        QCOMPARE(exact.size(), size_t(photos.size()));
        options.indexKind = QStringLiteral("approximate");
        for (int run = 0; run < 2; ++run) {  // the first opening builds it, the second loads it
            auto lib = PhotoLibrary::open(options);
            QVERIFY(lib->status().approximateIndex);  // before the index is loaded: by the setting
            const auto results = lib->similar(outside, o);
            QCOMPARE(lib->vectors()->kind(), VectorIndex::Kind::Approximate);
            QVERIFY(lib->status().approximateIndex);
            QCOMPARE(results.size(), exact.size());
            for (const auto& r : results) {
                QVERIFY2(exact.count(r.path), qPrintable(r.path));
                QVERIFY2(std::fabs(r.score - exact[r.path]) <= kScoreTolerance,
                         qPrintable(
                             QStringLiteral("%1: %2, exact %3").arg(r.path).arg(r.score).arg(exact[r.path])));
            }
            // Near-duplicates compare the catalog's exact vectors, not the codes: the same groups, the same
            // scores.
            std::map<QString, std::map<QString, float>> groups;
            for (const auto& group : lib->duplicates(0.9f))
                for (const auto& r : group) groups[group.front().path][r.path] = r.score;
            QVERIFY(!exactGroups.empty());
            QCOMPARE(groups.size(), exactGroups.size());
            for (const auto& [first, members] : exactGroups) {
                QVERIFY2(groups.count(first), qPrintable(first));
                QCOMPARE(groups[first].size(), members.size());
                for (const auto& [member, score] : members)
                    QVERIFY2(std::fabs(groups[first][member] - score) <= kScoreTolerance, qPrintable(member));
            }
        }
        // Back to automatic: a library this small gets the exact index again.
        options.indexKind = QStringLiteral("auto");
        auto lib = PhotoLibrary::open(options);
        QVERIFY(!lib->status().approximateIndex);
        QCOMPARE(lib->similar(outside, o).size(), exact.size());
        QCOMPARE(lib->vectors()->kind(), VectorIndex::Kind::Exact);
    }

    void tagsAreZeroShotAndFilterSearches() {
        const QString dir = path(QStringLiteral("photos"));
        const QStringList photos = makePhotos(dir);
        auto lib = open();
        lib->addFolder(dir);
        lib->index();
        const QStringList labels{QStringLiteral("cat"), QStringLiteral("coffee"), QStringLiteral("rocket")};
        const QString templ = QStringLiteral("a photo of a {}");
        const auto tagged = lib->tag(dir, labels, templ);
        QCOMPARE(tagged.size(), size_t(photos.size()));

        // Each tag is the argmax of softmax(cos / temperature), as classify computes it.
        auto embedder = AlignEmbedder::load({model(), QStringLiteral("cpu"), 2});
        const auto text =
            embedder->textFeatures({QStringLiteral("a photo of a cat"), QStringLiteral("a photo of a coffee"),
                                    QStringLiteral("a photo of a rocket")});
        std::map<QString, int> counts;
        for (const TaggedPhoto& t : tagged) {
            const auto image = embedder->imageFeatures({embedder->processor().preprocessFile(t.path)});
            const auto probs = torch::softmax(embedder->logitsPerImage(image, text)[0], 0);
            for (int i = 0; i < 3; ++i)
                QVERIFY(std::fabs(t.probabilities[i].second - probs[i].item<float>()) < 1e-5);
            // The tag is the most probable label; two labels within the tolerance of each other are a tie.
            const int best = static_cast<int>(probs.argmax().item<int64_t>());
            const int chosen = static_cast<int>(labels.indexOf(t.tag));
            QVERIFY2(chosen >= 0, qPrintable(t.tag));
            QVERIFY2(t.tag == labels[best] || probs[best].item<float>() - probs[chosen].item<float>() < 2e-5,
                     qPrintable(QStringLiteral("%1 tagged %2, the most probable label is %3")
                                    .arg(t.path, t.tag, labels[best])));
            ++counts[t.tag];
            QCOMPARE(lib->catalog().tags(t.id).front().tag, t.tag);
        }
        // Searching with --tag returns exactly the photos with that tag.
        for (const auto& [tag, n] : counts) {
            SearchOptions o;
            o.limit = 100;
            o.tags = QStringList{tag};
            QCOMPARE(lib->search(QStringLiteral("anything"), o).size(), size_t(n));
        }
        // Re-tagging with the same labels replaces, never adds.
        lib->tag(dir, {QStringLiteral("rocket"), QStringLiteral("cat"), QStringLiteral("coffee")});
        QCOMPARE(lib->catalog().db().scalar("SELECT count(*) FROM tags"), int64_t(photos.size()));
    }

    void folderAndDateFilters() {
        const QString dir = path(QStringLiteral("photos"));
        const QStringList a = makePhotos(dir + QStringLiteral("/2019"));
        const QStringList b = makePhotos(dir + QStringLiteral("/2023"));
        for (const QString& p : a) {  // no EXIF dates: the file time counts
            QFile f(p);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(
                f.setFileTime(QDateTime(QDate(2019, 6, 1), QTime(12, 0)), QFileDevice::FileModificationTime));
        }
        auto lib = open();
        lib->addFolder(dir);
        lib->index();
        SearchOptions o;
        o.limit = 100;
        o.folder = dir + QStringLiteral("/2023");
        auto results = lib->search(QStringLiteral("a dog"), o);
        QCOMPARE(results.size(), size_t(b.size()));
        for (const auto& r : results) QVERIFY(r.path.startsWith(dir + QStringLiteral("/2023/")));
        o.folder.clear();
        o.before = QDateTime(QDate(2020, 1, 1), QTime(0, 0)).toSecsSinceEpoch();
        results = lib->search(QStringLiteral("a dog"), o);
        QCOMPARE(results.size(), size_t(a.size()));
        o.before.reset();
        o.after = QDateTime(QDate(2020, 1, 1), QTime(0, 0)).toSecsSinceEpoch();
        QCOMPARE(lib->search(QStringLiteral("a dog"), o).size(), size_t(b.size()));
    }

    // No query: the library as a timeline. Each photo gets its own file time (no EXIF dates), so the order is
    // known; a broken file is not a photo to show; filters and the limit apply as they do to searches.
    void browseListsPhotosNewestFirst() {
        const QString dir = path(QStringLiteral("photos"));
        const QStringList photos = makePhotos(dir);
        QDateTime when(QDate(2021, 3, 1), QTime(9, 0));
        QStringList newestFirst;
        for (const QString& p : photos) {
            QFile f(p);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.setFileTime(when, QFileDevice::FileModificationTime));
            newestFirst.prepend(p);
            when = when.addDays(3);
        }
        test::writeFile(dir + QStringLiteral("/broken.jpg"), QByteArray("not a photo"));
        auto lib = open();
        lib->addFolder(dir);
        QCOMPARE(lib->index().failed.size(), size_t(1));
        SearchOptions o;
        o.limit = 1000;
        std::vector<SearchResult> all = lib->browse(o);
        QCOMPARE(int(all.size()), photos.size());
        for (int i = 0; i < photos.size(); ++i) {
            QCOMPARE(all[i].path, newestFirst[i]);
            QCOMPARE(all[i].takenAt, QFileInfo(newestFirst[i]).lastModified().toSecsSinceEpoch());
        }
        o.limit = 5;
        const std::vector<SearchResult> first = lib->browse(o);
        QCOMPARE(first.size(), size_t(5));
        for (int i = 0; i < 5; ++i) QCOMPARE(first[i].path, newestFirst[i]);
        // A date range keeps what was taken inside it: photos 2..4 of the twelve (from the oldest).
        o.limit = 1000;
        o.after = QDateTime(QDate(2021, 3, 7), QTime(0, 0)).toSecsSinceEpoch();
        o.before = QDateTime(QDate(2021, 3, 14), QTime(0, 0)).toSecsSinceEpoch();
        const std::vector<SearchResult> range = lib->browse(o);
        QCOMPARE(range.size(), size_t(3));
        QCOMPARE(range.front().path, photos[4]);
        QCOMPARE(range.back().path, photos[2]);
        // A folder the library does not have is a mistake, as for a search.
        SearchOptions elsewhere;
        elsewhere.folder = path(QStringLiteral("elsewhere"));
        QVERIFY_THROWS_EXCEPTION(LibraryError, lib->browse(elsewhere));
    }

    void notTermLowersMatchingPhotos() {
        makePhotos(path(QStringLiteral("photos")));
        auto lib = open();
        lib->addFolder(path(QStringLiteral("photos")));
        lib->index();
        SearchOptions plain;
        plain.limit = 100;
        SearchOptions pushed = plain;
        pushed.notTexts = QStringList{QStringLiteral("a rocket")};
        const auto a = lib->search(QStringLiteral("a photo"), plain);
        const auto b = lib->search(QStringLiteral("a photo"), pushed);
        auto embedder = AlignEmbedder::load({model(), QStringLiteral("cpu"), 2});
        const auto n = unit(embedder->textFeatures({QStringLiteral("a rocket")})[0]);
        for (const auto& r : b) {
            const auto original = std::find_if(a.begin(), a.end(), [&](auto& x) { return x.path == r.path; });
            const auto v = *lib->catalog().vector(r.id);
            QVERIFY(std::fabs(r.score - (original->score - 0.5f * dot(v, n))) < 1e-5);
        }
    }

    void duplicatesGroupCloseVectors() {
        auto lib = open();
        const QString id = lib->modelId();
        QDir().mkpath(path(QStringLiteral("photos")));
        lib->addFolder(path(QStringLiteral("photos")));
        const int64_t folder = lib->folders().front().id;
        auto put = [&](PhotoCatalog& catalog, const char* name, std::vector<float> v) {
            double n = 0;
            for (float x : v) n += double(x) * x;
            for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
            v.resize(80, 0.0f);
            PhotoRecord r;
            r.path = path(QString::fromLatin1(name));
            r.folderId = folder;
            catalog.putIndexed(r, id, v);
        };
        lib->writer()->write([&](PhotoCatalog& catalog) {
            put(catalog, "a.jpg", {1, 0, 0, 0});
            put(catalog, "a2.jpg", {1, 0.1f, 0, 0});
            put(catalog, "b.jpg", {0, 0, 1, 0});
            put(catalog, "b2.jpg", {0, 0, 1, 0.5f});
            catalog.bumpGeneration();
        });
        auto reopened = open(false);
        auto groups = reopened->duplicates(0.95f);
        QCOMPARE(groups.size(), size_t(1));
        QStringList names;
        for (const auto& r : groups[0]) names << QFileInfo(r.path).fileName();
        names.sort();
        QCOMPARE(names, (QStringList{QStringLiteral("a.jpg"), QStringLiteral("a2.jpg")}));
        QCOMPARE(reopened->duplicates(0.85f).size(), size_t(2));
        QCOMPARE(reopened->duplicates(0.999f).size(), size_t(0));
    }

    void searchWorksWhileIndexing() {
        const QString dir = path(QStringLiteral("photos"));
        makePhotos(dir + QStringLiteral("/first"));
        auto lib = open();
        lib->addFolder(dir);
        lib->index();
        for (int i = 0; i < 3; ++i) makePhotos(dir + QStringLiteral("/more%1").arg(i), i + 1);
        std::atomic<bool> finished{false};
        std::thread indexer([&] {
            lib->index();
            finished = true;
        });
        int searches = 0;
        SearchOptions o;
        o.limit = 100;
        while (!finished) {
            const auto results = lib->search(QStringLiteral("a rocket"), o);
            QVERIFY(results.size() >= 12);
            ++searches;
        }
        indexer.join();
        QVERIFY(searches > 0);
        QCOMPARE(lib->search(QStringLiteral("a rocket"), o).size(), size_t(48));
    }
};

QTEST_GUILESS_MAIN(TestLibrarySearch)
#include "tst_library_search.moc"
