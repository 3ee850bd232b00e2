// Searching with what the search box reads (#17): folder and file names fused with the semantic ranking,
// quoted names, dates, #tags and negatives on a real library (real files, SQLite, the vector index, the tiny
// model), and the command line's "understood" report.
#include "align_embedder.h"
#include "library_error.h"
#include "photo_library.h"
#include "query_parser.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace photosearch;

namespace {

QString model() { return test::dataPath(QStringLiteral("align-tiny/model")); }

// The library: where each fixture image goes and when it was taken (its file time: these have no EXIF).
struct Placed {
    const char* source;
    const char* path;
    QDate taken;
};
const Placed kPhotos[] = {
    {"rocket.jpg", "Trips/Germany 2019/IMG_2019_0001.jpg", QDate(2019, 7, 10)},
    {"coffee.png", "Trips/Germany 2019/IMG_2019_0002.png", QDate(2019, 7, 11)},
    {"chelsea.png", "Lisbon/cat.png", QDate(2023, 3, 14)},
    {"astronaut.png", "Home/astronaut.png", QDate(2023, 3, 14)},
    {"wide.jpg", "Home/IMG_20230314.jpg", QDate(2023, 3, 15)},
    {"gray.png", "Home/gray.png", QDate(2024, 5, 1)},
};

std::set<QString> namesOf(const std::vector<SearchResult>& results) {
    std::set<QString> out;
    for (const SearchResult& r : results) out.insert(QFileInfo(r.path).fileName());
    return out;
}

std::set<QString> names(std::initializer_list<const char*> list) {
    std::set<QString> out;
    for (const char* n : list) out.insert(QString::fromUtf8(n));
    return out;
}

}  // namespace

class TestQuerySearch : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::unique_ptr<PhotoLibrary> lib_;

    QString photos() const { return tmp_.filePath(QStringLiteral("photos")); }
    QString library() const { return tmp_.filePath(QStringLiteral("library")); }

    // The typed query, read against the library, searched (or browsed when nothing is left to describe).
    std::vector<SearchResult> find(const QString& typed,
                                   const QDateTime& now = QDateTime::currentDateTime()) {
        QueryContext context = lib_->queryContext();
        context.now = now;
        const ParsedQuery q = parseQuery(typed, context);
        SearchOptions o;
        o.limit = 100;
        addParsedQuery(q, o);
        return lib_->search(q.text, o);
    }

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        for (const Placed& p : kPhotos) {
            const QString to = photos() + QLatin1Char('/') + QString::fromUtf8(p.path);
            QDir().mkpath(QFileInfo(to).path());
            QVERIFY(
                QFile::copy(test::dataPath(QStringLiteral("align-tiny/expected/images/")) + p.source, to));
            QFile f(to);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.setFileTime(QDateTime(p.taken, QTime(12, 0)), QFileDevice::FileModificationTime));
        }
        lib_ = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 2, true, {}, false, {}});
        lib_->addFolder(photos());
        const IndexReport r = lib_->index();
        QCOMPARE(r.indexed, int64_t(std::size(kPhotos)));
    }

    // "germany" names a folder: its photos come first, the semantically best of them first, then the rest
    // in semantic order. A photo whose names hold two of the words ranks above those holding one.
    void folderAndFileNamesRankTheirPhotosFirst() {
        QVERIFY(parseQuery(QStringLiteral("germany"), lib_->queryContext()).folderWords ==
                QStringList{QStringLiteral("germany")});
        for (const char* typed : {"germany", "cat lisbon germany", "a rocket at home"}) {
            const auto results = find(QString::fromUtf8(typed));
            QCOMPARE(results.size(), std::size(kPhotos));
            // Reciprocal rank fusion over six photos: a name match's share, at least 1/(60 + 6), is more than
            // the whole semantic share can differ (1/61 - 1/66), so every photo whose names hold a query
            // word comes before every photo whose names hold none; photos holding as many are in score order.
            for (size_t i = 1; i < results.size(); ++i) {
                const SearchResult &a = results[i - 1], &b = results[i];
                const bool inOrder =
                    b.nameMatches == 0
                        ? a.nameMatches > 0 || a.score >= b.score
                        : a.nameMatches > 0 && (a.nameMatches != b.nameMatches || a.score >= b.score);
                QVERIFY2(inOrder, qPrintable(QStringLiteral("%1: %2 before %3").arg(typed, a.path, b.path)));
            }
        }
        // "cat" names a file and "lisbon" its folder: two words; the Germany photos hold one.
        const auto two = find(QStringLiteral("cat lisbon germany"));
        std::map<QString, int> held;
        for (const SearchResult& r : two) held[QFileInfo(r.path).fileName()] = r.nameMatches;
        QCOMPARE(held[QStringLiteral("cat.png")], 2);
        QCOMPARE(held[QStringLiteral("IMG_2019_0001.jpg")], 1);
        QCOMPARE(held[QStringLiteral("IMG_2019_0002.png")], 1);
        QCOMPARE(held[QStringLiteral("gray.png")], 0);
        QCOMPARE(namesOf({two.begin(), two.begin() + 3}),
                 names({"cat.png", "IMG_2019_0001.jpg", "IMG_2019_0002.png"}));
        // "home" names the Home folder; "rocket" and "at" name nothing.
        const auto home = find(QStringLiteral("a rocket at home"));
        QCOMPARE(namesOf({home.begin(), home.begin() + 3}),
                 names({"astronaut.png", "IMG_20230314.jpg", "gray.png"}));
    }

    // A quoted name filters by the file and folder names below the library's folder (its own name counts;
    // the folders above it do not), in any case; with nothing to describe, newest first.
    void quotedNamesFilterBelowTheLibraryFolder() {
        auto r = find(QStringLiteral("\"img_20"));
        QCOMPARE(namesOf(r), names({"IMG_2019_0001.jpg", "IMG_2019_0002.png", "IMG_20230314.jpg"}));
        QCOMPARE(QFileInfo(r[0].path).fileName(), QStringLiteral("IMG_20230314.jpg"));  // the newest
        QCOMPARE(namesOf(find(QStringLiteral("\"Trips\""))),
                 names({"IMG_2019_0001.jpg", "IMG_2019_0002.png"}));
        QCOMPARE(find(QStringLiteral("\"photos\"")).size(), std::size(kPhotos));
        const QString above = QFileInfo(tmp_.path()).fileName();
        QVERIFY(find(QLatin1Char('"') + above + QLatin1Char('"')).empty());
        // With a description, only the named photos are ranked.
        r = find(QStringLiteral("a cup of coffee \"germany\""));
        QCOMPARE(namesOf(r), names({"IMG_2019_0001.jpg", "IMG_2019_0002.png"}));
        QVERIFY(r[0].score >= r[1].score);
    }

    // Dates typed in the box filter by when each photo was taken, relative ones by the clock given.
    void datesFilterByWhenTaken() {
        QCOMPARE(namesOf(find(QStringLiteral("2019"))), names({"IMG_2019_0001.jpg", "IMG_2019_0002.png"}));
        QCOMPARE(namesOf(find(QStringLiteral("before 2020"))),
                 names({"IMG_2019_0001.jpg", "IMG_2019_0002.png"}));
        QCOMPARE(namesOf(find(QStringLiteral("March 2023"))),
                 names({"cat.png", "astronaut.png", "IMG_20230314.jpg"}));
        QCOMPARE(namesOf(find(QStringLiteral("14 March 2023"))), names({"cat.png", "astronaut.png"}));
        const QDateTime january2020(QDate(2020, 1, 15), QTime(9, 0));
        QCOMPARE(namesOf(find(QStringLiteral("last summer"), january2020)),
                 names({"IMG_2019_0001.jpg", "IMG_2019_0002.png"}));
        const auto r = find(QStringLiteral("a cat since 2020"));
        QCOMPARE(namesOf(r), names({"cat.png", "astronaut.png", "IMG_20230314.jpg", "gray.png"}));
        QCOMPARE(QFileInfo(r[0].path).fileName(), QStringLiteral("cat.png"));  // "cat" names its file
    }

    // Every #tag must be on the photo; a tag the library does not have is an error that lists the tags.
    void everyTagCounts() {
        const QString home = photos() + QStringLiteral("/Home/");
        lib_->setTag({home + QStringLiteral("astronaut.png"), home + QStringLiteral("gray.png")},
                     QStringLiteral("x"), true);
        lib_->setTag({home + QStringLiteral("gray.png"), home + QStringLiteral("IMG_20230314.jpg")},
                     QStringLiteral("y"), true);
        QCOMPARE(namesOf(find(QStringLiteral("#x"))), names({"astronaut.png", "gray.png"}));
        QCOMPARE(namesOf(find(QStringLiteral("#x #y"))), names({"gray.png"}));
        QCOMPARE(namesOf(find(QStringLiteral("something grey #x #y"))), names({"gray.png"}));
        try {
            find(QStringLiteral("#nosuchtag"));
            QFAIL("an unknown tag searched");
        } catch (const LibraryError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("tags in the library: x, y")),
                     e.what());
        }
    }

    // Only negatives: the photos, newest first, without those the negative describes at least possibly well
    // (one standard deviation or more above the library's average score for it).
    void negativesAloneLeaveOutWhatTheyDescribe() {
        auto embedder = AlignEmbedder::load({model(), QStringLiteral("cpu"), 2});
        const std::vector<float> t = embedder->textEmbeddings({QStringLiteral("a rocket")})[0];
        std::map<QString, double> score;
        double mean = 0;
        for (const Placed& p : kPhotos) {
            const QString path = photos() + QLatin1Char('/') + QString::fromUtf8(p.path);
            const std::vector<float> v =
                embedder->imageEmbeddings({embedder->processor().preprocessFile(path)})[0];
            double s = 0;
            for (size_t i = 0; i < v.size(); ++i) s += double(v[i]) * t[i];
            score[QFileInfo(path).fileName()] = s;
            mean += s / double(std::size(kPhotos));
        }
        double var = 0;
        for (const auto& [name, s] : score) var += (s - mean) * (s - mean) / double(std::size(kPhotos));
        const auto kept = namesOf(find(QStringLiteral("-\"a rocket\"")));
        QVERIFY(kept.size() < std::size(kPhotos));  // at least the best-scoring photo stands a deviation out
        for (const auto& [name, s] : score) {
            const double z = (s - mean) / std::sqrt(var);
            if (std::fabs(z - 1.0) < 0.01) continue;  // too close to the line to say which side it falls
            QVERIFY2(kept.count(name) == (z < 1.0), qPrintable(QStringLiteral("%1 z=%2").arg(name).arg(z)));
        }
    }

    // Saved searches live in the catalog: they survive a restart, the command line runs them by name and
    // lists them, and a relative date in one is read again at each run.
    void savedSearchesSurviveARestart() {
        lib_->saveSearch({QStringLiteral("Trip"), QStringLiteral("germany -coffee"), {}, {}, {}, {}, {}, {}});
        lib_->saveSearch({QStringLiteral("Home"),
                          QStringLiteral("\"home\""),
                          {},
                          {},
                          {},
                          QStringLiteral("2023-03-15"),
                          {},
                          {}});
        try {
            lib_->saveSearch({QStringLiteral("   "), QStringLiteral("x"), {}, {}, {}, {}, {}, {}});
            QFAIL("a blank name was saved");
        } catch (const LibraryError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("needs a name")), e.what());
        }
        lib_.reset();
        lib_ = PhotoLibrary::open({library(), model(), QStringLiteral("cpu"), 2, true, {}, false, {}});
        const auto saved = lib_->savedSearches();
        QCOMPARE(saved.size(), size_t(2));
        QCOMPARE(saved[0].name, QStringLiteral("Home"));  // by name
        QCOMPARE(saved[1].query, QStringLiteral("germany -coffee"));

        QProcess p;
        p.start(QStringLiteral(PHOTOSEARCH_CLI),
                {QStringLiteral("search"), QStringLiteral("--json"), QStringLiteral("--library"), library(),
                 QStringLiteral("--model"), model(), QStringLiteral("--saved"), QStringLiteral("Home")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QJsonArray results = QJsonDocument::fromJson(p.readAllStandardOutput())
                                 .object()
                                 .value(QStringLiteral("results"))
                                 .toArray();
        std::set<QString> found;
        for (const auto& r : results)
            found.insert(QFileInfo(r.toObject().value(QStringLiteral("path")).toString()).fileName());
        QCOMPARE(found, names({"IMG_20230314.jpg", "gray.png"}));  // under Home, taken from 2023-03-15

        p.start(QStringLiteral(PHOTOSEARCH_CLI),
                {QStringLiteral("saved"), QStringLiteral("--library"), library()});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()),
                 QStringLiteral("Home\t\"home\", from 2023-03-15\nTrip\tgermany -coffee\n"));
        p.start(QStringLiteral(PHOTOSEARCH_CLI),
                {QStringLiteral("search"), QStringLiteral("--library"), library(), QStringLiteral("--model"),
                 model(), QStringLiteral("--saved"), QStringLiteral("Nope")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("(saved: Home, Trip)")));
        QVERIFY(lib_->deleteSavedSearch(QStringLiteral("Home")));
        QVERIFY(!lib_->deleteSavedSearch(QStringLiteral("Home")));
        QCOMPARE(lib_->savedSearches().size(), size_t(1));
    }

    // The command line reads the same syntax, says what it understood (JSON too), and a "-word" is a
    // negative there, not an unknown option.
    void commandLineSaysWhatItUnderstood() {
        QProcess p;
        p.start(QStringLiteral(PHOTOSEARCH_CLI),
                {QStringLiteral("search"), QStringLiteral("--json"), QStringLiteral("--library"), library(),
                 QStringLiteral("--model"), model(), QStringLiteral("germany -coffee \"IMG\" in 2019")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject json = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        const QJsonObject u = json.value(QStringLiteral("understood")).toObject();
        QCOMPARE(u.value(QStringLiteral("text")).toString(), QStringLiteral("germany"));
        QCOMPARE(u.value(QStringLiteral("not")).toArray(), QJsonArray{QStringLiteral("coffee")});
        QCOMPARE(u.value(QStringLiteral("names")).toArray(), QJsonArray{QStringLiteral("IMG")});
        QCOMPARE(u.value(QStringLiteral("folder_words")).toArray(), QJsonArray{QStringLiteral("germany")});
        const QJsonObject dates = u.value(QStringLiteral("dates")).toObject();
        QCOMPARE(dates.value(QStringLiteral("from")).toString(), QStringLiteral("2019-01-01"));
        QCOMPARE(dates.value(QStringLiteral("to")).toString(), QStringLiteral("2019-12-31"));
        QCOMPARE(dates.value(QStringLiteral("typed")).toArray(), QJsonArray{QStringLiteral("in 2019")});
        const QJsonArray results = json.value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 2);
        for (const auto& r : results) {
            // Why: its names hold "germany", so it is a good match whatever its score.
            QCOMPARE(r.toObject().value(QStringLiteral("name_matches")).toInt(), 1);
            QCOMPARE(r.toObject().value(QStringLiteral("good")).toBool(), true);
            QVERIFY(r.toObject().value(QStringLiteral("standing")).isDouble());
            QVERIFY(r.toObject()
                        .value(QStringLiteral("taken"))
                        .toString()
                        .startsWith(QStringLiteral("2019-07-1")));
        }

        // The good matches in date order, and only they.
        for (const char* order : {"oldest", "newest"}) {
            p.start(QStringLiteral(PHOTOSEARCH_CLI),
                    {QStringLiteral("search"), QStringLiteral("--json"), QStringLiteral("--library"),
                     library(), QStringLiteral("--model"), model(), QStringLiteral("--good-only"),
                     QStringLiteral("--sort"), QString::fromLatin1(order), QStringLiteral("germany")});
            QVERIFY(p.waitForFinished(120000));
            QCOMPARE(p.exitCode(), 0);
            const QJsonArray sorted = QJsonDocument::fromJson(p.readAllStandardOutput())
                                          .object()
                                          .value(QStringLiteral("results"))
                                          .toArray();
            QCOMPARE(sorted.size(), 2);
            const QString first =
                QFileInfo(sorted[0].toObject().value(QStringLiteral("path")).toString()).fileName();
            QCOMPARE(first, QString::fromLatin1(order[0] == 'o' ? "IMG_2019_0001.jpg" : "IMG_2019_0002.png"));
        }

        p.start(QStringLiteral(PHOTOSEARCH_CLI),
                {QStringLiteral("search"), QStringLiteral("--library"), library(), QStringLiteral("--model"),
                 model(), QStringLiteral("-snow"), QStringLiteral("\"IMG_2019"), QStringLiteral("--limit"),
                 QStringLiteral("5")});
        QVERIFY(p.waitForFinished(120000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(p.exitCode() == 0, qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("not: snow")), qPrintable(err));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(out.startsWith(QStringLiteral("2019-07-11  ")), qPrintable(out));  // newest first, by date
    }
};

QTEST_GUILESS_MAIN(TestQuerySearch)
#include "tst_query_search.moc"
