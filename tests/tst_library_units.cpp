// The library's units on their own, with real files and a real SQLite file: the catalog (schema, records,
// counts, tags, backup), the scanner (what counts as a photo, hidden files, links, loops), the hashing
// (known SHA-256 and SHA-1 answers), the writer lock (holder named, stale lock taken over), the one writer
// (order, rollback, nesting) and the index run's pause (woken, not polled).
#include "file_hash.h"
#include "library_error.h"
#include "library_lock.h"
#include "library_writer.h"
#include "native_path.h"
#include "photo_catalog.h"
#include "photo_library.h"
#include "photo_scanner.h"
#include "search_relevance.h"
#include "testutils.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cstdio>
#include <thread>

#include <unistd.h>

using namespace photosearch;

class TestLibraryUnits : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;
    QString path(const QString& p) const { return tmp_->filePath(p); }

  private slots:
    void init() { tmp_ = std::make_unique<QTemporaryDir>(); }

    void catalogRecordsCountsAndTags() {
        PhotoCatalog c(path(QStringLiteral("catalog.sqlite")));
        QCOMPARE(c.db().scalar("PRAGMA user_version"), int64_t(PhotoCatalog::kSchemaVersion));
        const int64_t folder = c.addFolder(QStringLiteral("/photos"));
        QCOMPARE(c.addFolder(QStringLiteral("/photos")), folder);  // once
        QVERIFY(c.hasFolder(folder));
        PhotoRecord a{
            0, QStringLiteral("/photos/a.jpg"), folder, 10, 1000, QStringLiteral("h1"), 4, 3, 1, 1, {}, {}};
        PhotoRecord b{
            0, QStringLiteral("/photos/b.jpg"), folder, 20, 2000, QStringLiteral("h2"), 4, 3, 2, 1, {}, {}};
        PhotoRecord bad{0,  QStringLiteral("/photos/bad.jpg"), folder, 5, 3000, {}, 0, 0, 3, 1,
                        {}, QStringLiteral("truncated")};
        int64_t ida = 0, idb = 0;
        {
            SqliteTransaction t(c.db());
            ida = c.putIndexed(a, QStringLiteral("m"), {1, 0, 0});
            idb = c.putIndexed(b, QStringLiteral("m"), {0, 1, 0});
            c.putFailed(bad);
            t.commit();
        }
        const PhotoCatalog::Counts n = c.counts();
        QCOMPARE(n.photos, int64_t(3));
        QCOMPARE(n.indexed, int64_t(2));
        QCOMPARE(n.failed, int64_t(1));
        QCOMPARE(c.vectorCount(), int64_t(2));
        QCOMPARE(*c.vector(idb), (std::vector<float>{0, 1, 0}));
        QCOMPARE(c.photoByPath(QStringLiteral("/photos/bad.jpg"))->error, QStringLiteral("truncated"));
        QCOMPARE(c.photosWithHash(QStringLiteral("h1")).size(), size_t(1));
        QCOMPARE(c.failures(), (std::vector<std::pair<QString, QString>>{
                                   {QStringLiteral("/photos/bad.jpg"), QStringLiteral("truncated")}}));
        QCOMPARE(c.folderCounts(),
                 (std::vector<std::pair<QString, int64_t>>{{QStringLiteral("/photos"), 3}}));

        c.replaceTags(
            QStringLiteral("cat\ndog"),
            {{ida, {QStringLiteral("cat\ndog"), QStringLiteral("cat"), QStringLiteral("[]")}},
             {int64_t(999), {QStringLiteral("cat\ndog"), QStringLiteral("dog"), QStringLiteral("[]")}}});
        QCOMPARE(c.allTags(), QStringList{QStringLiteral("cat")});  // a photo that is gone gets no tag
        QCOMPARE(c.photosTagged(QStringLiteral("cat")), std::vector<int64_t>{ida});

        // Removing the folder forgets its photos, vectors and tags, and changes the generation.
        const int64_t generation = c.generation();
        QVERIFY(c.removeFolder(QStringLiteral("/photos")));
        QVERIFY(c.generation() > generation);
        QCOMPARE(c.counts().photos, int64_t(0));
        QCOMPARE(c.vectorCount(), int64_t(0));
        QVERIFY(c.allTags().isEmpty());
    }

    // Tags by hand: given to chosen photos (once each), taken off, renamed (into an existing tag: merged, a
    // photo carrying both counted once), deleted everywhere; a zero-shot run's "none of these" clears what
    // that run said of a photo and leaves the hand-given tags alone.
    void manualTags() {
        PhotoCatalog c(path(QStringLiteral("catalog.sqlite")));
        const int64_t folder = c.addFolder(QStringLiteral("/p"));
        std::vector<int64_t> ids;
        for (int i = 0; i < 4; ++i) {
            PhotoRecord r{
                0, QStringLiteral("/p/%1.jpg").arg(i), folder, 1, 1, QString::number(i), 4, 3, i, 1, {}, {}};
            ids.push_back(c.putIndexed(r, QStringLiteral("m"), {1, 0, 0}));
        }
        using Counts = std::vector<std::pair<QString, int64_t>>;
        c.addTag({ids[0], ids[1], ids[2]}, QStringLiteral("holiday"));
        c.addTag({ids[0], int64_t(999)}, QStringLiteral("holiday"));  // again, and a photo that is not there
        c.addTag({ids[2], ids[3]}, QStringLiteral("family"));
        QCOMPARE(c.tagCounts(), (Counts{{QStringLiteral("family"), 2}, {QStringLiteral("holiday"), 3}}));
        c.removeTag({ids[1]}, QStringLiteral("holiday"));
        QCOMPARE(c.photosTagged(QStringLiteral("holiday")), (std::vector<int64_t>{ids[0], ids[2]}));

        c.renameTag(QStringLiteral("family"), QStringLiteral("holiday"));  // photo 2 has both: one tag now
        QCOMPARE(c.tagCounts(), (Counts{{QStringLiteral("holiday"), 3}}));
        QCOMPARE(c.tags(ids[2]).size(), size_t(1));
        c.addTag({ids[1]}, QStringLiteral("holiday"));  // the merged tag is an ordinary one afterwards
        c.removeTag({ids[3]}, QStringLiteral("holiday"));
        QCOMPARE(c.photosTagged(QStringLiteral("holiday")), (std::vector<int64_t>{ids[0], ids[1], ids[2]}));

        c.replaceTags(QStringLiteral("cat\ndog"),
                      {{ids[0], {QStringLiteral("cat\ndog"), QStringLiteral("cat"), QStringLiteral("[]")}},
                       {ids[3], {QStringLiteral("cat\ndog"), QStringLiteral("dog"), QStringLiteral("[]")}}});
        c.replaceTags(
            QStringLiteral("cat\ndog"),
            {{ids[0], {QStringLiteral("cat\ndog"), QString(), QStringLiteral("[]")}}});  // none of these
        QCOMPARE(c.tagCounts(), (Counts{{QStringLiteral("dog"), 1}, {QStringLiteral("holiday"), 3}}));

        // Suggestions count with the tag, and a photo that carries the tag already (here from the zero-shot
        // run) is counted once, as tagged: the Tags panel shows "dog (1 + 2 suggested)".
        c.replaceSuggestions(QStringLiteral("dog"), {{ids[3], 5.0f}, {ids[1], 4.5f}, {ids[2], 4.4f}});
        QCOMPARE(c.tagCounts(), (Counts{{QStringLiteral("dog"), 3}, {QStringLiteral("holiday"), 3}}));
        QCOMPARE(c.suggestionCounts(), (std::map<QString, int64_t>{{QStringLiteral("dog"), 2}}));

        c.deleteTag(QStringLiteral("holiday"));
        c.deleteTag(QStringLiteral("dog"));
        QVERIFY(c.tagCounts().empty());
        QVERIFY(c.suggestionCounts().empty());
        QCOMPARE(c.counts().photos, int64_t(4));  // the photos stay
    }

    // A read-only catalog never writes (not even the schema) and refuses a file that is not a catalog yet.
    void readOnlyCatalogWritesNothing() {
        const QString file = path(QStringLiteral("catalog.sqlite"));
        test::writeFile(file, {});
        try {
            PhotoCatalog c(file, PhotoCatalog::Access::ReadOnly);
            QFAIL("an empty file was taken for a catalog");
        } catch (const LibraryError& e) {
            QCOMPARE(e.kind(), LibraryErrorKind::NoLibrary);
        }
        QCOMPARE(QFileInfo(file).size(), qint64(0));
        { PhotoCatalog writer(file); }
        PhotoCatalog reader(file, PhotoCatalog::Access::ReadOnly);
        QVERIFY_THROWS_EXCEPTION(LibraryError, reader.setMeta(QStringLiteral("k"), QStringLiteral("v")));
    }

    // The backup is a whole, standalone copy, readable without the original's WAL.
    void catalogBackupIsWhole() {
        PhotoCatalog c(path(QStringLiteral("catalog.sqlite")));
        const int64_t folder = c.addFolder(QStringLiteral("/p"));
        {
            SqliteTransaction t(c.db());
            for (int i = 0; i < 50; ++i)
                c.putIndexed({0,
                              QStringLiteral("/p/%1.jpg").arg(i),
                              folder,
                              i,
                              i,
                              QString::number(i),
                              1,
                              1,
                              0,
                              1,
                              {},
                              {}},
                             QStringLiteral("m"), std::vector<float>(64, float(i)));
            t.commit();
        }
        c.db().backupTo(path(QStringLiteral("copy.sqlite")));
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("copy.sqlite-wal"))));
        PhotoCatalog copy(path(QStringLiteral("copy.sqlite")), PhotoCatalog::Access::ReadOnly);
        QCOMPARE(copy.db().quickCheck(), QStringLiteral("ok"));
        QCOMPARE(copy.vectorCount(), int64_t(50));
        QCOMPARE(*copy.vector(copy.photoByPath(QStringLiteral("/p/7.jpg"))->id),
                 std::vector<float>(64, 7.0f));
    }

    void scannerFindsPhotosAndSaysWhatItCannotRead() {
        const QString root = path(QStringLiteral("root"));
        QDir().mkpath(root + QStringLiteral("/sub/deeper"));
        QDir().mkpath(root + QStringLiteral("/.hidden"));
        QDir().mkpath(root + QStringLiteral("/folder.jpg"));
        for (const char* name : {"a.JPG", "b.jpeg", "c.png", "d.webp", "e.tif", "f.bmp", "g.gif", "notes.txt",
                                 "sub/deeper/h.tiff", ".hidden/i.jpg", ".dot.jpg"})
            test::writeFile(root + QLatin1Char('/') + QLatin1String(name), "x");
        QVERIFY(QFile::link(root + QStringLiteral("/nowhere.jpg"), root + QStringLiteral("/broken.jpg")));
        QVERIFY(
            QFile::link(root, root + QStringLiteral("/sub/loop")));  // a link back up: never followed twice
        PhotoScanner scanner;
        std::vector<ScannedFile> found;
        scanner.scan(root, 7, found);
        QStringList names;
        for (const ScannedFile& f : found) {
            QCOMPARE(f.folderId, int64_t(7));
            names << QFileInfo(f.path).fileName() + (f.problem.isEmpty() ? QString() : QStringLiteral("!"));
        }
        names.sort();
        QCOMPARE(names, (QStringList{"a.JPG", "b.jpeg", "broken.jpg!", "c.png", "d.webp", "e.tif", "f.bmp",
                                     "g.gif", "h.tiff"}));
        for (const ScannedFile& f : found)
            if (!f.problem.isEmpty())
                QVERIFY2(f.problem.contains(QStringLiteral("broken symbolic link")), qPrintable(f.problem));
    }

    // Known answers (FIPS 180 examples), and a file hashes as its bytes do.
    void hashing() {
        Digest sha256;
        sha256.add(QByteArray("abc"));
        QCOMPARE(sha256.hex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        Digest sha1(Digest::Sha1);
        sha1.add(QByteArray("abc"));
        QCOMPARE(sha1.hex(), QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d"));
        QByteArray big(3 * (1 << 20) + 17, Qt::Uninitialized);  // more than one read buffer
        for (qsizetype i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
        test::writeFile(path(QStringLiteral("big.bin")), big);
        QCOMPARE(Digest::sha256OfFile(path(QStringLiteral("big.bin"))).toLatin1(),
                 QCryptographicHash::hash(big, QCryptographicHash::Sha256).toHex());
        QString error;
        QVERIFY(Digest::sha256OfFile(path(QStringLiteral("missing.bin")), &error).isEmpty());
        QVERIFY(error.startsWith(QStringLiteral("cannot read")));
    }

    // The writer lock names its holder, and a lock left by a process that died is taken over and said so.
    // Commands from many threads run one at a time on the writer's thread, each whole or not at all: a
    // command that throws leaves nothing behind and its caller gets the exception; a command that asks the
    // writer again runs inside the same transaction instead of waiting for itself.
    void writerRunsCommandsInOrderWholeOrNotAtAll() {
        const QString file = path(QStringLiteral("catalog.sqlite"));
        auto writer = std::make_unique<LibraryWriter>(std::make_unique<PhotoCatalog>(file));
        const int64_t folder =
            writer->write([](PhotoCatalog& c) { return c.addFolder(QStringLiteral("/photos")); });
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        const std::thread::id caller = std::this_thread::get_id();
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 25; ++i) {
                    const QString name = QStringLiteral("/photos/%1-%2.jpg").arg(t).arg(i);
                    try {
                        writer->write([&](PhotoCatalog& c) {
                            if (std::this_thread::get_id() == caller)
                                throw std::logic_error("ran on the caller's thread");
                            c.putIndexed({0, name, folder, 1, 1, {}, 1, 1, 1, 1, {}, {}}, QStringLiteral("m"),
                                         {1, 0});
                            // Every third command fails after writing: its row must not survive.
                            if (i % 3 == 0)
                                throw LibraryError(LibraryErrorKind::DiskFull, "no space left (a test)");
                        });
                    } catch (const LibraryError& e) {
                        if (e.kind() == LibraryErrorKind::DiskFull) ++failures;
                    }
                }
            });
        for (std::thread& t : threads) t.join();
        QCOMPARE(failures.load(), 4 * 9);  // i = 0, 3, ..., 24
        const int nested = writer->write([&](PhotoCatalog& c) {
            c.setMeta(QStringLiteral("outer"), QStringLiteral("1"));
            return writer->write(
                [](PhotoCatalog& inner) { return inner.meta(QStringLiteral("outer")).toInt(); });
        });
        QCOMPARE(nested, 1);
        writer.reset();  // drains and stops
        PhotoCatalog reader(file, PhotoCatalog::Access::ReadOnly);
        QCOMPARE(reader.counts().photos, int64_t(4 * 16));
        QVERIFY(!reader.photoByPath(QStringLiteral("/photos/2-3.jpg")));
        QVERIFY(reader.photoByPath(QStringLiteral("/photos/2-4.jpg")));
    }

    // A paused run sleeps until resumed or cancelled; it does not poll.
    void pausedRunWakesOnResumeAndOnCancel() {
        for (const bool byCancel : {false, true}) {
            IndexControl control;
            control.setPaused(true);
            std::atomic<bool> woke{false};
            std::thread run([&] {
                control.waitWhilePaused();
                woke = true;
            });
            QTest::qWait(100);
            QVERIFY(!woke);
            if (byCancel)
                control.cancel();
            else
                control.setPaused(false);
            run.join();
            QVERIFY(woke);
            QCOMPARE(control.isCancelled(), byCancel);
            control.reset();
            QVERIFY(!control.isCancelled() && !control.isPaused());
        }
    }

    // File names are bytes: any of them survives the trip through a QString and back exactly (what the
    // catalog stores and what opens the file), UTF-8 text is the QString it always was, and what is not UTF-8
    // is shown as \xNN.
    void namesAreKeptAsBytes() {
        QRandomGenerator random(7);
        for (int i = 0; i < 2000; ++i) {
            QByteArray name;
            const int length = 1 + int(random.bounded(24));
            for (int k = 0; k < length; ++k) name += char(1 + random.bounded(255));  // NUL ends a name
            QCOMPARE(native_path::encode(native_path::decode(name)), name);
        }
        // Valid UTF-8, including a character beyond U+FFFF whose second half is U+DC80 (U+1F080).
        for (const QByteArray& text : {QByteArray("plain.jpg"), QByteArray("caf\xc3\xa9 \xe2\x82\xac.jpg"),
                                       QByteArray("\xf0\x9f\x82\x80 \xf0\x9f\x98\x80.jpg")}) {
            QCOMPARE(native_path::decode(text), QString::fromUtf8(text));
            QVERIFY(!native_path::hasRawBytes(native_path::decode(text)));
            QCOMPARE(native_path::encode(QString::fromUtf8(text)), text);
            QCOMPARE(native_path::display(QString::fromUtf8(text)), QString::fromUtf8(text));
        }
        QCOMPARE(native_path::display(native_path::decode(QByteArray("caf\xe9.jpg"))),
                 QStringLiteral("caf\\xe9.jpg"));
        // Not UTF-8 byte by byte: a lone continuation, an overlong '/', an encoded surrogate, a cut sequence.
        QCOMPARE(native_path::display(native_path::decode(QByteArray("\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82"))),
                 QStringLiteral("\\x80|\\xc0\\xaf|\\xed\\xa0\\x80|\\xe2\\x82"));

        // Such a file is found, opened and hashed by its bytes; through the catalog its name comes back
        // equal.
        const QByteArray raw = QFile::encodeName(path(QStringLiteral("caf"))) + "\xe9.jpg";
        FILE* f = std::fopen(raw.constData(), "wb");
        QVERIFY(f);
        std::fputs("abc", f);
        std::fclose(f);
        const QString name = native_path::decode(raw);
        QVERIFY(native_path::status(name) && native_path::status(name)->size == 3);
        QString error;
        QCOMPARE(Digest::sha256OfFile(name, &error),
                 QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        PhotoCatalog c(path(QStringLiteral("catalog.sqlite")));
        const int64_t folder = c.addFolder(tmp_->path());
        c.putFailed({0, name, folder, 3, 1, {}, 0, 0, 0, 1, PhotoStatus::Failed, QStringLiteral("a test")});
        QCOMPARE(c.photos().front().path, name);
        QVERIFY(c.photoByPath(name));
        ::unlink(raw.constData());
    }

    // Scores 0.1 x 8, 0.5 and 0.7: mean 2.0 / 10 = 0.2; variance (8 * 0.01 + 0.09 + 0.25) / 10 = 0.042, so
    // the standard deviation is 0.205 and 0.7 stands 2.44 deviations above the mean (good), 0.5 stands 1.46
    // (possible), 0.1 stands -0.49 (weak). The bar runs from the mean (0) to the best (1): 0.5 -> 0.3 / 0.5.
    void relevanceScale() {
        std::vector<float> scores(8, 0.1f);
        scores.push_back(0.5f);
        scores.push_back(0.7f);
        const RelevanceScale scale(scores);
        QCOMPARE(scale.level(0.7f), RelevanceScale::Level::Good);
        QCOMPARE(scale.level(0.5f), RelevanceScale::Level::Possible);
        QCOMPARE(scale.level(0.1f), RelevanceScale::Level::Weak);
        QCOMPARE(scale.goodCount(), size_t(1));
        QVERIFY(std::abs(scale.bar(0.5f) - 0.6) < 1e-6);
        QCOMPARE(scale.bar(0.7f), 1.0);
        QCOMPARE(scale.bar(0.1f), 0.0);  // below the mean: empty, never negative
        // Nothing scored: nothing is good. One photo: it is the best there is. All alike: none stands out.
        QVERIFY(RelevanceScale(std::vector<float>{}).isEmpty());
        QCOMPARE(RelevanceScale(std::vector<float>{}).goodCount(), size_t(0));
        QCOMPARE(RelevanceScale({0.3f}).level(0.3f), RelevanceScale::Level::Good);
        QCOMPARE(RelevanceScale({0.3f}).bar(0.3f), 1.0);
        const RelevanceScale alike(std::vector<float>(5, 0.3f));
        QCOMPARE(alike.goodCount(), size_t(0));
        QCOMPARE(alike.bar(0.3f), 0.0);
    }

    void writerLock() {
        const QString dir = path(QStringLiteral("library"));
        QDir().mkpath(dir);
        bool stale = true;
        {
            auto held = acquireWriterLock(dir, &stale);
            QVERIFY(!stale);
            try {
                acquireWriterLock(dir);
                QFAIL("a second writer got the lock");
            } catch (const LibraryError& e) {
                QCOMPARE(e.kind(), LibraryErrorKind::Locked);
                QVERIFY2(QString(e.what()).contains(
                             QStringLiteral("process %1").arg(QCoreApplication::applicationPid())),
                         e.what());
            }
        }
        // A lock file whose process is gone: a child that exits at once leaves its PID behind.
        QProcess child;
        child.start(QStringLiteral("true"));
        QVERIFY(child.waitForStarted());
        const qint64 deadPid = child.processId();
        QVERIFY(child.waitForFinished());
        // (The layout QLockFile writes: PID, program, host name, machine id, boot id.)
        test::writeFile(dir + QStringLiteral("/writer.lock"),
                        QByteArray::number(deadPid) + "\ntrue\n" + QSysInfo::machineHostName().toUtf8() +
                            '\n' + QSysInfo::machineUniqueId() + '\n' + QSysInfo::bootUniqueId() + '\n');
        {
            auto taken = acquireWriterLock(dir, &stale);
            QVERIFY(stale);
        }
        // A lock file that says nothing (written when the disk was full): no process can be holding it once
        // it is older than a moment, and it must not lock the library out for good ("process 0").
        test::writeFile(dir + QStringLiteral("/writer.lock"), {});
        QFile old(dir + QStringLiteral("/writer.lock"));
        QVERIFY(old.open(QIODevice::ReadWrite));
        QVERIFY(
            old.setFileTime(QDateTime::currentDateTime().addSecs(-60), QFileDevice::FileModificationTime));
        old.close();
        auto taken = acquireWriterLock(dir, &stale);
        QVERIFY(stale);
    }
};

QTEST_GUILESS_MAIN(TestLibraryUnits)
#include "tst_library_units.moc"
