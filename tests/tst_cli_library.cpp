// The library through photosearch-cli, as separate processes: JSON shapes, a second writer, and
// kill -9 at random moments followed by a resume.
#include "photo_catalog.h"
#include "photo_library.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <csignal>

using namespace photosearch;

namespace {

using Run = test::ProcessRun;

Run cli(QStringList args) { return test::runProgram(QStringLiteral(PHOTOSEARCH_CLI), args); }

// `count` distinct small photos: the fixture images, shifted and tinted.
void makePhotos(const QString& dir, int count) {
    QDir().mkpath(dir);
    std::vector<cv::Mat> sources;
    for (const char* name : {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"})
        sources.push_back(
            cv::imread(test::dataPath(QStringLiteral("align-tiny/expected/images/") + name).toStdString()));
    for (int i = 0; i < count; ++i) {
        const cv::Mat& s = sources[i % sources.size()];
        cv::Mat crop = s(cv::Rect(i % 37, (i * 7) % 41, s.cols - 60, s.rows - 60)).clone();
        crop += cv::Scalar(i % 50, (i * 3) % 50, (i * 5) % 50);
        cv::imwrite(QStringLiteral("%1/photo%2.jpg").arg(dir).arg(i, 4, 10, QLatin1Char('0')).toStdString(),
                    crop);
    }
}

}  // namespace

class TestCliLibrary : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QStringList common_;

  private slots:
    void initTestCase() {
        common_ = QStringList{"--library", tmp_.filePath(QStringLiteral("library")),
                              "--model",   test::dataPath("align-tiny/model"),
                              "--threads", "1"};
        makePhotos(tmp_.filePath(QStringLiteral("photos")), 12);
        const Run r = cli(QStringList{"index", tmp_.filePath(QStringLiteral("photos")), "--json"} + common_);
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json();
        QCOMPARE(j["indexed"].toInt(), 12);
        QCOMPARE(j["total"].toInt(), 12);
        QCOMPARE(j["failed"].toArray().size(), 0);
        QVERIFY(j.contains("unchanged") && j.contains("removed") && j.contains("elapsed_s"));
    }

    void searchJson() {
        const Run r = cli(QStringList{"search", "a", "cat", "--limit", "5", "--json"} + common_);
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = r.json();
        QCOMPARE(j["query"].toString(), QStringLiteral("a cat"));
        QVERIFY(j["elapsed_ms"].toDouble() > 0);
        const QJsonArray results = j["results"].toArray();
        QCOMPARE(results.size(), 5);
        for (int i = 1; i < results.size(); ++i)
            QVERIFY(results[i - 1].toObject()["score"].toDouble() >=
                    results[i].toObject()["score"].toDouble());
        QVERIFY(QFile::exists(results[0].toObject()["path"].toString()));
    }

    // `photosearch-cli --library L --model M index DIR` works exactly like `index DIR --library L --model M`.
    void libraryOptionsBeforeTheCommand() {
        const QString photos = tmp_.filePath(QStringLiteral("order/photos"));
        makePhotos(photos, 3);
        const QString before = tmp_.filePath(QStringLiteral("order/before")),
                      after = tmp_.filePath(QStringLiteral("order/after"));
        const QString model = test::dataPath("align-tiny/model");
        const Run a =
            cli({"--library", before, "--model", model, "--threads", "1", "--json", "index", photos});
        const Run b =
            cli({"index", photos, "--library", after, "--model", model, "--threads", "1", "--json"});
        QCOMPARE(a.exitCode, 0);
        QCOMPARE(b.exitCode, 0);
        QCOMPARE(a.json()["indexed"].toInt(), 3);
        QCOMPARE(b.json()["indexed"].toInt(), 3);
        const Run sa = cli({"--library", before, "--model", model, "search", "a", "cat", "--json"});
        const Run sb = cli({"search", "a", "cat", "--json", "--library", after, "--model", model});
        QCOMPARE(sa.exitCode, 0);
        QCOMPARE(sa.json()["results"], sb.json()["results"]);
        QCOMPARE(sa.json()["results"].toArray().size(), 3);
    }

    // A library command with no model says what to do.
    void noModelSaysWhatToDo() {
        const Run r = cli({"search", "a cat", "--library", tmp_.filePath(QStringLiteral("library")),
                           "--model", tmp_.filePath(QStringLiteral("no-model-here"))});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err,
                 QStringLiteral(
                     "error: no ALIGN model at %1; run 'photosearch-cli model fetch' or pass --model DIR\n")
                     .arg(tmp_.filePath(QStringLiteral("no-model-here"))));
        QVERIFY(r.out.isEmpty());
    }

    void similarJson() {
        const QString query = tmp_.filePath(QStringLiteral("photos/photo0003.jpg"));
        const Run r = cli(QStringList{"similar", query, "--json"} + common_);
        QCOMPARE(r.exitCode, 0);
        const QJsonArray results = r.json()["results"].toArray();
        QCOMPARE(results.size(), 11);
        for (const QJsonValue& v : results) QVERIFY(v.toObject()["path"].toString() != query);
    }

    void tagStatusFoldersDuplicatesJson() {
        Run r = cli(QStringList{"tag", tmp_.filePath(QStringLiteral("photos")), "--label", "cat", "--label",
                                "rocket", "--template", "a photo of a {}", "--json"} +
                    common_);
        QCOMPARE(r.exitCode, 0);
        const QJsonArray photos = r.json()["photos"].toArray();
        QCOMPARE(photos.size(), 12);
        const QJsonObject first = photos[0].toObject();
        QVERIFY(first["tag"].toString() == QStringLiteral("cat") ||
                first["tag"].toString() == QStringLiteral("rocket"));
        QCOMPARE(first["labels"].toArray().size(), 2);
        QVERIFY(first["suggested"].isArray());  // the labels that clear their thresholds: several, or none

        r = cli(QStringList{"status", "--json"} + common_);
        QCOMPARE(r.exitCode, 0);
        QJsonObject s = r.json();
        QCOMPARE(s["photos"].toInt(), 12);
        QCOMPARE(s["indexed"].toInt(), 12);
        QCOMPARE(s["failed"].toInt(), 0);
        QCOMPARE(s["folders"].toArray().size(), 1);
        QCOMPARE(s["model"].toObject()["dim"].toInt(), 80);
        QCOMPARE(s["search_index"].toObject()["kind"].toString(), QStringLiteral("exact"));  // 12 photos
        QCOMPARE(s["search_index"].toObject()["vectors"].toInt(), 12);

        r = cli(QStringList{"search", "x", "--tag", "cat", "--json", "--limit", "100"} + common_);
        int cats = 0;
        // A tag search finds the photos suggested the label (none is confirmed yet).
        for (const QJsonValue& p : photos)
            cats += p.toObject()["suggested"].toArray().contains(QStringLiteral("cat"));
        QCOMPARE(r.json()["results"].toArray().size(), cats);

        r = cli(QStringList{"folders", "list", "--json"} + common_);
        QCOMPARE(r.json()["folders"].toArray().size(), 1);
        r = cli(QStringList{"duplicates", "--json"} + common_);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.json().contains("groups"));
    }

    void secondWriterIsRefused() {
        // This process holds the writer lock, as a running indexer or an open window would.
        auto holder = PhotoLibrary::open({tmp_.filePath(QStringLiteral("library")),
                                          test::dataPath("align-tiny/model"),
                                          QStringLiteral("cpu"),
                                          1,
                                          true,
                                          {}});
        const Run second = cli(QStringList{"index"} + common_);
        QCOMPARE(second.exitCode, 3);  // locked
        QVERIFY2(second.err.contains(QStringLiteral("being changed by another PhotoSearch")),
                 qPrintable(second.err));
        // The message names the real holder: this test process.
        QVERIFY2(
            second.err.contains(QStringLiteral("process %1 on ").arg(QCoreApplication::applicationPid())),
            qPrintable(second.err));
        // Searching needs no lock.
        QCOMPARE(cli(QStringList{"search", "a cat", "--json"} + common_).exitCode, 0);
        holder.reset();
        QCOMPARE(cli(QStringList{"index"} + common_).exitCode, 0);
    }

    // kill -9 at random moments: after each, the catalog is intact, holds no duplicates and keeps
    // every vector it had committed; a final run completes the library.
    void killedIndexerResumesWithoutLossOrDuplicates() {
        QTemporaryDir dir;
        const QString photos = dir.filePath(QStringLiteral("photos"));
        const int count = 120;
        makePhotos(photos, count);
        const QStringList args{"--library", dir.filePath(QStringLiteral("library")),
                               "--model",   test::dataPath("align-tiny/model"),
                               "--threads", "1"};
        QVERIFY(cli(QStringList{"folders", "add", photos} + args).exitCode == 0);
        const QString db = dir.filePath(QStringLiteral("library/catalog.sqlite"));
        auto* rng = QRandomGenerator::global();
        int killed = 0;
        int64_t committed = 0;
        for (int trial = 0; trial < 20; ++trial) {
            QProcess p;
            p.start(QStringLiteral(PHOTOSEARCH_CLI), QStringList{"index"} + args);
            QVERIFY(p.waitForStarted());
            QThread::msleep(150 + rng->bounded(900));
            // What was committed just before the kill must survive it.
            int64_t before = 0;
            {
                PhotoCatalog catalog(db);
                before = catalog.vectorCount();
            }
            ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
            p.waitForFinished(10000);
            killed += p.exitStatus() == QProcess::CrashExit;

            PhotoCatalog catalog(db);
            SqliteDatabase& sql = catalog.db();
            SqliteStatement check(sql, "PRAGMA integrity_check");
            QVERIFY(check.step());
            QCOMPARE(check.text(0), QStringLiteral("ok"));
            QCOMPARE(sql.scalar("SELECT count(*) - count(DISTINCT path) FROM photos"), int64_t(0));
            QCOMPARE(sql.scalar("SELECT count(*) FROM vectors WHERE photo_id NOT IN (SELECT id FROM photos)"),
                     int64_t(0));
            QCOMPARE(sql.scalar("SELECT count(*) FROM photos WHERE status = 'indexed' AND id NOT IN (SELECT "
                                "photo_id FROM vectors)"),
                     int64_t(0));
            const int64_t now = catalog.vectorCount();
            QVERIFY2(
                now >= before && now >= committed,
                qPrintable(QStringLiteral("trial %1: %2 vectors, had %3").arg(trial).arg(now).arg(before)));
            committed = now;
        }
        QVERIFY2(killed > 0, "no run was killed mid-way: the photos were indexed too fast for this test");
        const Run last = cli(QStringList{"index", "--json"} + args);
        QCOMPARE(last.exitCode, 0);
        QCOMPARE(last.json()["total"].toInt(), count);
        const Run status = cli(QStringList{"status", "--json"} + args);
        QCOMPARE(status.json()["photos"].toInt(), count);
        QCOMPARE(status.json()["indexed"].toInt(), count);
        // The FAISS cache agrees with SQLite: every photo is found, none twice.
        const Run all = cli(QStringList{"search", "anything", "--limit", "1000", "--json"} + args);
        const QJsonArray results = all.json()["results"].toArray();
        QCOMPARE(results.size(), count);
        QSet<QString> paths;
        for (const QJsonValue& v : results) paths.insert(v.toObject()["path"].toString());
        QCOMPARE(paths.size(), count);
    }

    void usageErrors_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("search without text") << QStringList{"search"} << "search needs a TEXT";
        QTest::newRow("bad limit") << QStringList{"search", "x", "--limit", "zero"} << "--limit";
        QTest::newRow("bad date") << QStringList{"search", "x", "--after", "yesterday"} << "YYYY-MM-DD";
        QTest::newRow("tag without labels") << QStringList{"tag", "/tmp"} << "at least one --label";
        QTest::newRow("folders verb") << QStringList{"folders", "rename"} << "list, add or remove";
        QTest::newRow("threshold") << QStringList{"duplicates", "--threshold", "2"} << "--threshold";
    }
    void usageErrors() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const Run r = cli(args + common_);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
    }

    void missingFolderIsAnError() {
        const Run r = cli(QStringList{"index", "/nonexistent/photos"} + common_);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("error: /nonexistent/photos: folder not found")),
                 qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliLibrary)
#include "tst_cli_library.moc"
