// Labels that learn from a person's corrections (#18): the learner on synthetic libraries whose truth is
// known, and accept / reject / suggestions on a real library (real files, SQLite, the vector index, the
// tiny model), through the library and the command line.
#include "label_trial.h"
#include "library_writer.h"
#include "photo_library.h"
#include "tag_teacher.h"
#include "testutils.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <set>

using namespace photosearch;

namespace {

QString model() { return test::dataPath(QStringLiteral("align-tiny/model")); }

using Run = test::ProcessRun;

Run cli(const QStringList& args) { return test::runProgram(QStringLiteral(PHOTOSEARCH_CLI), args); }

}  // namespace

class TestTagLearning : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private slots:
    // On libraries of 20,000 photos with 1% planted for the label (SyntheticLibrary: the prompt reaches its
    // photos at cosine 0.2-0.35 only, as real text reaches images, while photos of one topic meet at ~0.7),
    // the photos a person confirms carry the label's image direction, which the prompt alone cannot: recall
    // rises well past the prompt's. bench --learning measured, over three libraries at 10,000 photos:
    // 0.59 -> 0.95 (1 confirmed) -> 0.91 (5) with precision 0.97 -> 0.84 -> 0.92 when the person goes down
    // the suggestions, and 0.59 -> 0.93 (5) with precision 0.88 when they confirm photos at random. The
    // margins asserted are a third of the gains measured, and precision stays where a person can trust it.
    void confirmationsImproveALabel_data() {
        QTest::addColumn<int>("reviewer");
        QTest::newRow("going down the suggestions") << int(Reviewer::Suggestions);
        QTest::newRow("confirming photos at random") << int(Reviewer::Random);
    }
    void confirmationsImproveALabel() {
        QFETCH(int, reviewer);
        for (uint64_t seed : {11u, 12u}) {
            const SyntheticLibrary library(20000, 0.01, seed);
            const auto points = runLabelTrial(library, {0, 1, 5, 20}, Reviewer(reviewer), {}, seed);
            QCOMPARE(points.size(), size_t(4));
            QCOMPARE(points[2].confirmed, 5);
            QVERIFY2(points[0].precision >= 0.8, qPrintable(QString::number(points[0].precision)));
            for (size_t i : {2u, 3u}) {
                QVERIFY2(points[i].recall >= points[0].recall + 0.1,
                         qPrintable(QStringLiteral("%1 confirmed: recall %2, the prompt alone %3")
                                        .arg(points[i].confirmed)
                                        .arg(points[i].recall)
                                        .arg(points[0].recall)));
                QVERIFY2(points[i].precision >= 0.7, qPrintable(QString::number(points[i].precision)));
            }
        }
    }

    // Without weight on the examples the label cannot learn: the same trial stays at the prompt's recall
    // (what the learning adds is the examples, not the re-standardising).
    void withoutExamplesNothingIsLearned() {
        const SyntheticLibrary library(20000, 0.01, 11);
        const auto points = runLabelTrial(library, {0, 5}, Reviewer::Random, {0.0, 0.0}, 11);
        QVERIFY(std::fabs(points[1].recall - points[0].recall) < 0.05);
    }

    // A person's verdicts on a real library: an accepted photo carries the tag (confirmed), is never a
    // suggestion and keeps the tag through re-scoring and another index run; a rejected photo loses the tag
    // and is never suggested it again; the label survives a restart; the search's #tag finds the confirmed.
    void acceptAndRejectOnALibrary() {
        const QString photos = tmp_.filePath(QStringLiteral("photos"));
        const QStringList files = test::makePhotos(photos);
        const QString library = tmp_.filePath(QStringLiteral("library"));
        const QStringList common{"--library", library, "--model", model()};
        QCOMPARE(cli(QStringList{"index", photos} + common).exitCode, 0);

        Run r = cli(QStringList{"tag", "accept", files[0], files[1], "--label", "rocket", "--json"} + common);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(r.json()["confirmed"].toInt(), 2);
        r = cli(QStringList{"tag", "reject", files[2], "--label", "rocket", "--json"} + common);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json()["rejected_in_all"].toInt(), 1);
        // A photo first accepted, then rejected: the last word counts.
        QCOMPARE(cli(QStringList{"tag", "accept", files[3], "--label", "rocket"} + common).exitCode, 0);
        QCOMPARE(cli(QStringList{"tag", "reject", files[3], "--label", "rocket"} + common).exitCode, 0);
        // Not a photo of the library: said, and nothing done.
        r = cli(
            QStringList{"tag", "accept", tmp_.filePath(QStringLiteral("nowhere.jpg")), "--label", "rocket"} +
            common);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("not a photo of this library")), qPrintable(r.err));

        // Another index run (a new photo) re-scores every label and changes nothing a person said.
        test::makePhotos(tmp_.filePath(QStringLiteral("photos/more")), 1);
        QCOMPARE(cli(QStringList{"index", photos} + common).exitCode, 0);

        auto lib = PhotoLibrary::open({library, model(), QStringLiteral("cpu"), 1, true, {}, false, {}});
        const PhotoCatalog& c = lib->catalog();
        const auto idOf = [&](const QString& path) {
            return c.photoByPath(QFileInfo(path).canonicalFilePath())->id;
        };
        const auto sorted = [](std::vector<int64_t> v) {
            std::sort(v.begin(), v.end());
            return v;
        };
        QCOMPARE(c.photosConfirmed(QStringLiteral("rocket")), sorted({idOf(files[0]), idOf(files[1])}));
        QCOMPARE(c.photosRejected(QStringLiteral("rocket")), sorted({idOf(files[2]), idOf(files[3])}));
        QVERIFY(c.label(QStringLiteral("rocket")));
        TagTeacher(*lib).rescore(QStringLiteral("rocket"));
        for (const auto& [id, standing] : c.photosSuggested(QStringLiteral("rocket"))) {
            QVERIFY(id != idOf(files[0]) && id != idOf(files[1]));  // confirmed: not a suggestion
            QVERIFY(id != idOf(files[2]) && id != idOf(files[3]));  // rejected: never again
        }
        SearchOptions o;
        o.tags = {QStringLiteral("rocket")};
        o.limit = 100;
        std::set<int64_t> found;
        for (const SearchResult& s : lib->search(QString(), o)) found.insert(s.id);
        QVERIFY(found.count(idOf(files[0])) && found.count(idOf(files[1])));
        QVERIFY(!found.count(idOf(files[2])) && !found.count(idOf(files[3])));
        // A photo shown for the tag only because it is suggested says so (the window marks it); the
        // confirmed ones do not. (The suggestion is put as re-scoring would: the tiny model's vectors are too
        // alike for it to suggest any.)
        lib->writer()->write([&](PhotoCatalog& w) {
            w.replaceSuggestions(QStringLiteral("rocket"), {{idOf(files[4]), 5.0f}});
        });
        int marked = 0;
        for (const SearchResult& s : lib->search(QString(), o)) {
            QCOMPARE(s.suggested, s.id == idOf(files[4]));
            marked += s.suggested;
        }
        QCOMPARE(marked, 1);

        // Renaming the tag takes its label and verdicts along; deleting it forgets them.
        lib.reset();
        lib = PhotoLibrary::open({library, model(), QStringLiteral("cpu"), 1, true, {}, false, {}});
        lib->renameTag(QStringLiteral("rocket"), QStringLiteral("space"));
        QVERIFY(lib->catalog().label(QStringLiteral("space")));
        QVERIFY(!lib->catalog().label(QStringLiteral("rocket")));
        QCOMPARE(lib->catalog().photosRejected(QStringLiteral("space")).size(), size_t(2));
        lib->deleteTag(QStringLiteral("space"));
        QVERIFY(lib->catalog().labels().empty());
        QVERIFY(lib->catalog().photosRejected(QStringLiteral("space")).empty());
    }

    // Zero-shot tags: several labels at once, each its own threshold; the probabilities over the label set
    // stay in the JSON, and every suggestion the command reports is one the library keeps.
    void zeroShotGivesSeveralOrNone() {
        const QString photos = tmp_.filePath(QStringLiteral("zs"));
        test::makePhotos(photos);
        const QString library = tmp_.filePath(QStringLiteral("zs-library"));
        const QStringList common{"--library", library, "--model", model()};
        QCOMPARE(cli(QStringList{"index", photos} + common).exitCode, 0);
        Run r = cli(QStringList{"tag", photos, "--label", "cat", "--label", "rocket", "--json"} + common);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonArray list = r.json()["photos"].toArray();
        QCOMPARE(list.size(), 12);
        int suggested = 0;
        for (const QJsonValue& v : list) {
            QCOMPARE(v.toObject()["labels"].toArray().size(), 2);
            suggested += v.toObject()["suggested"].toArray().size();
        }
        r = cli(QStringList{"tag", "suggest", "--list", "--json"} + common);
        QCOMPARE(r.exitCode, 0);
        int listed = 0;
        for (const QJsonValue& l : r.json()["labels"].toArray())
            listed += l.toObject()["photos"].toArray().size();
        QCOMPARE(listed, suggested);
        QCOMPARE(r.json()["labels"].toArray().size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestTagLearning)
#include "tst_tag_learning.moc"
