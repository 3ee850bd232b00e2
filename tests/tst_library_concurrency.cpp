// One PhotoLibrary driven from several threads at once, as the window drives it: an index thread, a search
// thread, and the GUI thread adding and removing folders and saving tags. After every round the catalog is
// intact, each photo is indexed once, the vector index agrees with the catalog, and every tag whose save
// returned is there. (Before the write lock and the vector snapshot, saving tags during a run failed with
// "cannot start a transaction within a transaction" or aborted the process, and removing a folder during a
// search crashed in FAISS.)
#include "photo_library.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace photosearch;

class TestLibraryConcurrency : public QObject {
    Q_OBJECT

  private slots:
    void threadsIndexTagFoldersAndSearchTogether() {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("photos"));
        const QString extra = tmp.filePath(QStringLiteral("extra"));
        test::makePhotos(root + QStringLiteral("/0"), 0);
        test::makePhotos(extra, 9);
        auto lib = PhotoLibrary::open({tmp.filePath(QStringLiteral("library")),
                                       test::dataPath("align-tiny/model"),
                                       QStringLiteral("cpu"),
                                       1,
                                       true,
                                       {}});
        lib->addFolder(root);
        lib->index();
        const QStringList labels{QStringLiteral("cat"), QStringLiteral("rocket")};

        const int rounds = 4;
        for (int round = 1; round <= rounds; ++round) {
            test::makePhotos(root + QStringLiteral("/%1").arg(round), round);
            std::atomic<bool> done{false};
            std::atomic<int> searches{0}, tagSaves{0};
            QStringList errors;
            std::mutex errorsMutex;
            auto record = [&](const char* who, const std::exception& e) {
                std::lock_guard lock(errorsMutex);
                errors << QStringLiteral("%1: %2").arg(QLatin1String(who), QString::fromUtf8(e.what()));
            };
            std::vector<std::pair<QString, QStringList>> savedTags;  // folder photos tagged, acknowledged
            std::thread indexer([&] {
                try {
                    lib->index();
                } catch (const std::exception& e) {
                    record("index", e);
                }
                done = true;
            });
            std::thread searcher([&] {
                SearchOptions o;
                o.limit = 50;
                while (!done) {
                    try {
                        lib->search(QStringLiteral("a cat on a sofa"), o);
                        lib->similar(root + QStringLiteral("/0/chelsea.jpg"), o);
                        ++searches;
                    } catch (const std::exception& e) {
                        record("search", e);
                    }
                }
            });
            // The GUI thread: folders come and go, tags are saved, status is read.
            int churn = 0;
            while (!done || churn < 2) {
                try {
                    if (churn % 2 == 0)
                        lib->addFolder(extra);
                    else
                        lib->removeFolder(extra);
                    ++churn;
                    const auto tagged = lib->computeTags(root + QStringLiteral("/0"), labels);
                    lib->saveTags(labels, tagged);
                    ++tagSaves;
                    const LibraryStatus s = lib->status();
                    QVERIFY(s.indexed + s.failed + s.offline == s.photos);
                } catch (const std::exception& e) {
                    record("gui", e);
                }
            }
            indexer.join();
            searcher.join();
            QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
            QVERIFY(searches > 0);
            QVERIFY(tagSaves > 0);

            lib->index();  // settle what the last folder change left
            SqliteDatabase& db = lib->catalog().db();
            SqliteStatement check(db, "PRAGMA integrity_check");
            QVERIFY(check.step());
            QCOMPARE(check.text(0), QStringLiteral("ok"));
            QCOMPARE(db.scalar("SELECT count(*) - count(DISTINCT path) FROM photos"), int64_t(0));
            QCOMPARE(db.scalar("SELECT count(*) FROM photos WHERE status = 'indexed' AND id NOT IN (SELECT "
                               "photo_id FROM vectors)"),
                     int64_t(0));
            // Every photo under the root is indexed once; the extra folder's only if it is in the library
            // now.
            const bool extraIn = churn % 2 == 1;
            const int64_t expected = 12 * (round + 1) + (extraIn ? 12 : 0);
            QCOMPARE(db.scalar("SELECT count(*) FROM photos WHERE status = 'indexed'"), expected);
            SearchOptions all;
            all.limit = 1000;
            const auto results = lib->search(QStringLiteral("anything"), all);
            QCOMPARE(int64_t(results.size()), expected);
            QCOMPARE(lib->vectors()->size(), expected);
            // The last acknowledged save of the tags is there for every photo of the folder.
            QCOMPARE(db.scalar("SELECT count(*) FROM tags t JOIN photos p ON p.id = t.photo_id"),
                     int64_t(12));
        }
    }
};

QTEST_GUILESS_MAIN(TestLibraryConcurrency)
#include "tst_library_concurrency.moc"
