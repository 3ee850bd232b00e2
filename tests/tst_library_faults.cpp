// Faults a person's machine meets, through the real photosearch-cli process: a full disk, a read-only
// library, a damaged or emptied catalog, several processes creating one library, Ctrl-C, hostile file names.
// Each ends in a clear error with its own exit code, or a recovery; never an abort, never silence.
#include "photo_catalog.h"
#include "sqlite_database.h"
#include "testutils.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>

using namespace photosearch;

namespace {

using Run = test::ProcessRun;

// How a child process meets the file system: as it is; with a file size limit (RLIMIT_FSIZE, SIGXFSZ
// ignored, so a write past it fails with EFBIG as a full disk fails with ENOSPC: "disk full" without root);
// or, when the tests run as root, without root's power over permissions (CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH and CAP_FOWNER dropped by setpriv), so a read-only file is read-only to it.
enum class Child { Plain, FileSizeLimit, Owner };
constexpr rlim_t kFileSizeLimit = 600 * 1024;

Run cli(const QStringList& args, Child child = Child::Plain) {
    test::ProcessOptions options;
    if (child == Child::FileSizeLimit)
        options.childModifier = [] {
            ::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{kFileSizeLimit, kFileSizeLimit};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        };
    options.withoutRootPowers = child == Child::Owner;
    return test::runProgram(QStringLiteral(PHOTOSEARCH_CLI), args, options);
}

QString model() { return test::dataPath("align-tiny/model"); }

// A small file system of its own (tmpfs), so "disk full" and "read-only" are real. Needs root (CI and
// these machines run as root); elsewhere the tests that need one say why they cannot run.
class Mount {
  public:
    Mount(const QString& dir, const QString& options) : dir_(dir) {
        QDir().mkpath(dir);
        ok_ = ::mount("tmpfs", QFile::encodeName(dir).constData(), "tmpfs", 0,
                      options.toLatin1().constData()) == 0;
    }
    ~Mount() {
        if (ok_) ::umount2(QFile::encodeName(dir_).constData(), MNT_DETACH);
    }
    bool ok() const { return ok_; }
    bool remountReadOnly() {
        return ::mount("tmpfs", QFile::encodeName(dir_).constData(), "tmpfs", MS_REMOUNT | MS_RDONLY,
                       nullptr) == 0;
    }

  private:
    QString dir_;
    bool ok_ = false;
};

}  // namespace

class TestLibraryFaults : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> tmp_;
    QString path(const QString& p) const { return tmp_->filePath(p); }
    QStringList lib(const QString& library) const {
        return {"--library", library, "--model", model(), "--threads", "1"};
    }

  private slots:
    void init() { tmp_ = std::make_unique<QTemporaryDir>(); }

    // The disk fills mid-run: exit 6 with what happened and what to do; what was committed stays, the lock
    // is released (the next run says "disk full" again, not "another PhotoSearch"); never std::terminate.
    // A full tmpfs needs root to mount; a file size limit fails writes the same way for anyone.
    void diskFullWhileIndexing_data() {
        QTest::addColumn<bool>("tmpfs");
        QTest::addColumn<QString>("says");
        if (geteuid() == 0)
            QTest::newRow("full tmpfs")
                << true << QStringLiteral("error: no space left on the disk holding ");
        QTest::newRow("file size limit")
            << false << QStringLiteral("error: cannot write to the disk holding ");
    }
    void diskFullWhileIndexing() {
        QFETCH(bool, tmpfs);
        QFETCH(QString, says);
        std::unique_ptr<Mount> disk;
        if (tmpfs) {
            disk = std::make_unique<Mount>(path(QStringLiteral("small")), QStringLiteral("size=600k"));
            QVERIFY(disk->ok());
        }
        const Child child = tmpfs ? Child::Plain : Child::FileSizeLimit;
        const QString photos = path(QStringLiteral("photos"));
        // 192 photos: the first run fills the disk part way (the catalog's write-ahead log grows with each
        // commit of a batch of 4 photos; 48 photos no longer filled 600 KB, 96 did but left the second run
        // too few to fill it again), and the second run, with over a hundred photos still to index, fills it
        // again.
        for (int v = 0; v < 16; ++v) test::makePhotos(photos + QStringLiteral("/%1").arg(v), v);
        const QString library = path(QStringLiteral("small/library"));
        const Run r = cli(QStringList{"index", photos} + lib(library), child);
        QVERIFY2(!r.crashed, qPrintable(r.err));
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.startsWith(says + library), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("free some space and run again")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("photos were indexed in this run and are kept")),
                 qPrintable(r.err));
        QVERIFY(!r.err.contains(QStringLiteral("terminate")));

        const Run again = cli(QStringList{"index", "--json"} + lib(library), child);
        QVERIFY2(!again.crashed, qPrintable(again.err));
        QVERIFY2(!again.err.contains(QStringLiteral("another PhotoSearch")), qPrintable(again.err));
        QCOMPARE(again.json()["error"].toObject()["kind"].toString(), QStringLiteral("disk_full"));

        // Reading still works, and the catalog is whole.
        const Run status = cli(QStringList{"status", "--json"} + lib(library));
        QCOMPARE(status.exitCode, 0);
        PhotoCatalog catalog(library + QStringLiteral("/catalog.sqlite"), PhotoCatalog::Access::ReadOnly);
        SqliteStatement check(catalog.db(), "PRAGMA integrity_check");
        QVERIFY(check.step());
        QCOMPARE(check.text(0), QStringLiteral("ok"));
        QCOMPARE(int64_t(status.json()["indexed"].toInt()), catalog.vectorCount());
    }

    // A read-only library (a read-only mount, or a folder and files without write permission): searching
    // and status work and write nothing; changing it says why not. Mounting needs root; permissions stop
    // anyone but root, so root's children run without its power over them.
    void readOnlyLibrarySearches_data() {
        QTest::addColumn<bool>("mount");
        if (geteuid() == 0) QTest::newRow("read-only mount") << true;
        QTest::newRow("read-only folder") << false;
    }
    void readOnlyLibrarySearches() {
        QFETCH(bool, mount);
        std::unique_ptr<Mount> disk;
        if (mount) {
            disk = std::make_unique<Mount>(path(QStringLiteral("ro")), QStringLiteral("size=64m"));
            QVERIFY(disk->ok());
        }
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos);
        const QString library = path(QStringLiteral("ro/library"));
        QCOMPARE(cli(QStringList{"index", photos} + lib(library)).exitCode, 0);
        if (mount) {
            QVERIFY(disk->remountReadOnly());
        } else {
            for (const QString& f : QDir(library).entryList(QDir::Files))
                QVERIFY(QFile::setPermissions(library + QLatin1Char('/') + f,
                                              QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
            QVERIFY(QFile::setPermissions(
                library, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup));
        }
        const QStringList before = QDir(library).entryList(QDir::Files, QDir::Name);

        const Run search = cli(QStringList{"search", "a cat", "--json"} + lib(library), Child::Owner);
        QCOMPARE(search.exitCode, 0);
        QCOMPARE(search.json()["results"].toArray().size(), 12);
        QCOMPARE(cli(QStringList{"status"} + lib(library), Child::Owner).exitCode, 0);
        QCOMPARE(
            cli(QStringList{"similar", photos + QStringLiteral("/chelsea.jpg")} + lib(library), Child::Owner)
                .exitCode,
            0);

        const Run index = cli(QStringList{"index"} + lib(library), Child::Owner);
        QCOMPARE(index.exitCode, 7);
        QVERIFY2(index.err.contains(QStringLiteral("read-only")), qPrintable(index.err));
        QCOMPARE(QDir(library).entryList(QDir::Files, QDir::Name), before);
        if (!mount)
            QVERIFY(QFile::setPermissions(
                library, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));  // for cleanup
    }

    // A search while the catalog file was read-only (its folder writable) leaves SQLite's -wal and -shm
    // read-only too; once the catalog is writable again, indexing works again (it failed "read-only" before).
    void readOnlyMomentLeavesNoReadOnlySidecars() {
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos);
        const QString library = path(QStringLiteral("library"));
        QCOMPARE(cli(QStringList{"index", photos} + lib(library)).exitCode, 0);
        const QString catalog = library + QStringLiteral("/catalog.sqlite");
        const QFile::Permissions writable = QFile(catalog).permissions();
        QVERIFY(QFile::setPermissions(catalog, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
        QCOMPARE(cli(QStringList{"search", "a cat"} + lib(library), Child::Owner).exitCode, 0);
        QVERIFY(QFile::exists(catalog + QStringLiteral("-shm")));
        QVERIFY(!(QFile(catalog + QStringLiteral("-shm")).permissions() &
                  QFile::WriteOwner));  // what SQLite left

        QVERIFY(QFile::setPermissions(catalog, writable));
        test::makePhotos(photos + QStringLiteral("/more"), 1);
        const Run index = cli(QStringList{"index", "--json"} + lib(library), Child::Owner);
        QVERIFY2(index.exitCode == 0, qPrintable(index.out + index.err));
        QCOMPARE(index.json()["total"].toInt(), 24);
    }

    // A damaged page: every command says so with exit 5 and what to do; an emptied catalog beside its
    // vector cache is damage too, never a new empty library that forgot the folders.
    void damagedCatalogIsReported_data() {
        QTest::addColumn<QString>("how");
        QTest::newRow("header overwritten") << "header";
        QTest::newRow("truncated to 0 bytes") << "empty";
        QTest::newRow("a page in the middle overwritten") << "page";
    }
    void damagedCatalogIsReported() {
        QFETCH(QString, how);
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos);
        const QString library = path(QStringLiteral("library"));
        QCOMPARE(cli(QStringList{"index", photos} + lib(library)).exitCode, 0);
        const QString db = library + QStringLiteral("/catalog.sqlite");
        QByteArray bytes = test::readFile(db);
        QStringList commands{"status", "search", "index"};
        if (how == QLatin1String("header")) {
            bytes.replace(0, 100, QByteArray(100, 'x'));
        } else if (how == QLatin1String("page")) {
            // Found by the index run's quick_check before it builds on it; a search may not read that page.
            QVERIFY(bytes.size() >= 4 * 4096);
            bytes.replace(bytes.size() / 4096 / 2 * 4096, 4096, QByteArray(4096, '\x5a'));
            commands = QStringList{"index"};
        } else {
            bytes.clear();
        }
        test::writeFile(db, bytes);
        for (const QString& command : commands) {
            const QStringList args =
                command == QLatin1String("search") ? QStringList{"search", "a cat"} : QStringList{command};
            const Run r = cli(args + lib(library));
            QVERIFY2(!r.crashed, qPrintable(r.err));
            QCOMPARE(r.exitCode, 5);
            QVERIFY2(r.err.contains(QStringLiteral("catalog")) &&
                         r.err.contains(QStringLiteral("run 'photosearch-cli repair'")),
                     qPrintable(r.err));
        }
        QCOMPARE(test::readFile(db), bytes);  // reported, not overwritten

        // repair restores the copy kept after the last successful run and indexes again, re-using its
        // vectors.
        const Run repair = cli(QStringList{"repair", "--json"} + lib(library));
        QCOMPARE(repair.exitCode, 0);
        QCOMPARE(repair.json()["damaged"].toBool(), true);
        QCOMPARE(repair.json()["total"].toInt(), 12);
        QCOMPARE(repair.json()["unchanged"].toInt(), 12);
        QCOMPARE(repair.json()["indexed"].toInt(), 0);
        QCOMPARE(test::readFile(repair.json()["moved_aside"].toString()), bytes);  // kept for inspection
        const Run search = cli(QStringList{"search", "a cat", "--json"} + lib(library));
        QCOMPARE(search.exitCode, 0);
        QCOMPARE(search.json()["results"].toArray().size(), 12);
        // A sound catalog is left alone.
        const Run again = cli(QStringList{"repair", "--json"} + lib(library));
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.json()["damaged"].toBool(), false);
    }

    // Damaged with no copy to restore: repair says what else to do, and changes nothing.
    void repairWithoutABackupSaysWhatToDo() {
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos);
        const QString library = path(QStringLiteral("library"));
        QCOMPARE(cli(QStringList{"index", photos} + lib(library)).exitCode, 0);
        QVERIFY(QFile::remove(library + QStringLiteral("/catalog.backup.sqlite")));
        test::writeFile(library + QStringLiteral("/catalog.sqlite"), QByteArray(8192, 'x'));
        const Run r = cli(QStringList{"repair"} + lib(library));
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains(QStringLiteral("no usable backup")) &&
                     r.err.contains(QStringLiteral("index your folders again")),
                 qPrintable(r.err));
        QCOMPARE(test::readFile(library + QStringLiteral("/catalog.sqlite")), QByteArray(8192, 'x'));
    }

    // Several processes create one new library at once: each succeeds or is told another one writes (3);
    // none fails on the schema ("table meta already exists") or an instant "database is locked".
    void severalProcessesCreateOneLibrary() {
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos, 0);
        for (int round = 0; round < 5; ++round) {
            const QString library = path(QStringLiteral("new%1").arg(round));
            std::vector<std::unique_ptr<QProcess>> procs;
            for (int i = 0; i < 4; ++i) {
                procs.push_back(std::make_unique<QProcess>());
                procs.back()->start(QStringLiteral(PHOTOSEARCH_CLI),
                                    QStringList{"folders", "add", photos} + lib(library));
            }
            int succeeded = 0;
            for (auto& p : procs) {
                QVERIFY(p->waitForFinished(120000));
                const QString err = QString::fromUtf8(p->readAllStandardError());
                QVERIFY2(p->exitStatus() == QProcess::NormalExit, qPrintable(err));
                QVERIFY2(p->exitCode() == 0 || p->exitCode() == 3,
                         qPrintable(QStringLiteral("exit %1: %2").arg(p->exitCode()).arg(err)));
                succeeded += p->exitCode() == 0;
            }
            QVERIFY(succeeded >= 1);
            const Run folders = cli(QStringList{"folders", "list", "--json"} + lib(library));
            QCOMPARE(folders.json()["folders"].toArray().size(), 1);
        }
    }

    // Ctrl-C: the run stops within a batch, keeps what it committed, prints its summary and exits 130.
    void interruptExits130() {
        const QString photos = path(QStringLiteral("photos"));
        for (int v = 0; v < 6; ++v) test::makePhotos(photos + QStringLiteral("/%1").arg(v), v);
        const QString library = path(QStringLiteral("library"));
        QProcess p;
        p.start(QStringLiteral(PHOTOSEARCH_CLI), QStringList{"index", photos, "--json"} + lib(library));
        QVERIFY(p.waitForStarted());
        // Interrupt once the first photos are committed.
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(library + QStringLiteral("/catalog.sqlite")), 60000);
        bool some = false;
        for (int i = 0; i < 600 && !some; ++i) {
            QTest::qWait(50);
            try {
                PhotoCatalog catalog(library + QStringLiteral("/catalog.sqlite"),
                                     PhotoCatalog::Access::ReadOnly);
                some = catalog.vectorCount() > 0;
            } catch (const std::exception&) {
            }
        }
        QVERIFY(some);
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        const QJsonObject summary = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QCOMPARE(summary["cancelled"].toBool(), true);
        QVERIFY(summary["indexed"].toInt() > 0);
        QVERIFY(summary["indexed"].toInt() < 72);
    }

    // A file name carrying a terminal escape is printed escaped in plain text (kept as it is in JSON).
    void controlCharactersInNamesAreEscaped() {
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos);
        const QString evil = photos + QStringLiteral("/red\x1b[31mcat.jpg");
        QVERIFY(QFile::copy(photos + QStringLiteral("/chelsea.jpg"), evil));
        const QString library = path(QStringLiteral("library"));
        QCOMPARE(cli(QStringList{"index", photos} + lib(library)).exitCode, 0);
        const Run plain = cli(QStringList{"search", "a cat", "--limit", "100"} + lib(library));
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(!plain.out.contains(QChar(0x1b)));
        QVERIFY2(plain.out.contains(QStringLiteral("/red\\x1b[31mcat.jpg")), qPrintable(plain.out));
        const Run json = cli(QStringList{"search", "a cat", "--limit", "100", "--json"} + lib(library));
        bool found = false;
        for (const QJsonValue& v : json.json()["results"].toArray())
            found |= v.toObject()["path"].toString() == evil;
        QVERIFY(found);
    }

    // Names Linux allows but that are not UTF-8 (a file "caf\xe9.jpg" from an old Latin-1 system, a folder
    // "dir\xc3("): indexed like any other (their bytes kept exactly), found by search, shown escaped, and
    // usable as the photo of a "similar" search given by those bytes on the command line.
    void namesThatAreNotUtf8AreIndexedAndFound() {
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos);
        test::makePhotos(path(QStringLiteral("tinted")), 1);
        const QByteArray rawPhotos = QFile::encodeName(photos);
        // Other photos than the 12 (tinted): decoded and embedded, not matched as copies by their hash.
        const QByteArray cafe = test::readFile(path(QStringLiteral("tinted/chelsea.jpg")));
        const QByteArray inside = test::readFile(path(QStringLiteral("tinted/astronaut-mirror.png")));
        auto writeRaw = [](const QByteArray& name, const QByteArray& bytes) {
            FILE* f = std::fopen(name.constData(), "wb");
            QVERIFY(f);
            QCOMPARE(std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), f),
                     static_cast<size_t>(bytes.size()));
            std::fclose(f);
        };
        // QTemporaryDir cannot name these to delete them: they go by their bytes, however the test ends.
        struct RemoveRaw {
            QByteArray dir;
            ~RemoveRaw() {
                ::unlink((dir + "/caf\xe9.jpg").constData());
                ::unlink((dir + "/dir\xc3(/inside.png").constData());
                ::rmdir((dir + "/dir\xc3(").constData());
            }
        } removeRaw{rawPhotos};
        writeRaw(rawPhotos + "/caf\xe9.jpg", cafe);
        QCOMPARE(::mkdir((rawPhotos + "/dir\xc3(").constData(), 0755), 0);
        writeRaw(rawPhotos + "/dir\xc3(/inside.png", inside);
        const QString library = path(QStringLiteral("library"));
        const Run r = cli(QStringList{"index", photos, "--json"} + lib(library));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json()["failed"].toArray().size(), 0);
        QCOMPARE(r.json()["indexed"].toInt(), 14);
        // Unchanged on the next run: the stored names are the names on disk.
        const Run again = cli(QStringList{"index", "--json"} + lib(library));
        QCOMPARE(again.json()["unchanged"].toInt(), 14);
        QCOMPARE(again.json()["indexed"].toInt(), 0);

        const Run search = cli(QStringList{"search", "a cat", "--limit", "50", "--json"} + lib(library));
        QStringList found;
        for (const QJsonValue& v : search.json()["results"].toArray())
            found << v.toObject()["path"].toString();
        QVERIFY2(found.contains(photos + QStringLiteral("/caf\\xe9.jpg")), qPrintable(found.join('\n')));
        QVERIFY2(found.contains(photos + QStringLiteral("/dir\\xc3(/inside.png")),
                 qPrintable(found.join('\n')));
        QCOMPARE(found.size(), 14);
        const Run plain = cli(QStringList{"search", "a cat", "--limit", "50"} + lib(library));
        QVERIFY2(plain.out.contains(photos + QStringLiteral("/caf\\xe9.jpg\n")), qPrintable(plain.out));

        // The photo given by its bytes (QProcess would re-encode a QString argument, so a shell passes them).
        QProcess similar;
        similar.start(
            QStringLiteral("sh"),
            QStringList{
                "-c",
                "dir=\"$1\"; shift; exec \"$0\" similar \"$dir$(printf '/caf\\351.jpg')\" --json \"$@\"",
                QStringLiteral(PHOTOSEARCH_CLI), photos} +
                lib(library));
        QVERIFY(similar.waitForFinished(120000));
        QCOMPARE(similar.exitCode(), 0);
        const QJsonObject answer = QJsonDocument::fromJson(similar.readAllStandardOutput()).object();
        QCOMPARE(answer["results"].toArray().size(), 13);  // every other photo; the photo itself is left out
        for (const QJsonValue& v : answer["results"].toArray())
            QVERIFY(v.toObject()["path"].toString() != photos + QStringLiteral("/caf\\xe9.jpg"));

        // The folder given by its bytes as a filter: its one photo.
        QProcess inFolder;
        inFolder.start(QStringLiteral("sh"),
                       QStringList{"-c",
                                   "dir=\"$1\"; shift; exec \"$0\" search photo --folder \"$dir$(printf "
                                   "'/dir\\303(')\" --json \"$@\"",
                                   QStringLiteral(PHOTOSEARCH_CLI), photos} +
                           lib(library));
        QVERIFY(inFolder.waitForFinished(120000));
        QCOMPARE(inFolder.exitCode(), 0);
        const QJsonArray underIt =
            QJsonDocument::fromJson(inFolder.readAllStandardOutput()).object()["results"].toArray();
        QCOMPARE(underIt.size(), 1);
        QCOMPARE(underIt[0].toObject()["path"].toString(), photos + QStringLiteral("/dir\\xc3(/inside.png"));
    }

    // Read-only commands never create a library; filters naming what the library lacks are errors.
    void mistakesAreErrorsNotEmptyResults() {
        const QString photos = path(QStringLiteral("photos"));
        test::makePhotos(photos);
        const QString library = path(QStringLiteral("library"));
        QCOMPARE(cli(QStringList{"index", photos} + lib(library)).exitCode, 0);

        const Run typo = cli(QStringList{"search", "a cat"} + lib(path(QStringLiteral("typo"))));
        QCOMPARE(typo.exitCode, 8);
        QVERIFY2(typo.err.contains(QStringLiteral("no PhotoSearch library here")), qPrintable(typo.err));
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("typo"))));

        struct Case {
            QStringList args;
            const char* mentions;
        };
        const Case cases[] = {
            {{"search", "a cat", "--folder", "/nonexistent"}, "/nonexistent: not in the library"},
            {{"search", "a cat", "--tag", "nosuch"}, "no photo has the tag 'nosuch'"},
            {{"search", "a cat", "--min-score", "nan"}, "--min-score takes a number"},
            {{"search", "a cat", "--not", "snow", "--not-weight", "nan"}, "--not-weight takes a number"},
            {{"search", "a cat", "--threads", "100000"}, "more than this machine can use"},
        };
        for (const Case& c : cases) {
            QStringList args = c.args + QStringList{"--library", library, "--model", model()};
            const Run r = cli(args);
            QVERIFY2(r.exitCode == 2,
                     qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(" -> %1").arg(r.exitCode)));
            QVERIFY2(r.err.contains(QLatin1String(c.mentions)), qPrintable(r.err));
        }
    }
};

QTEST_GUILESS_MAIN(TestLibraryFaults)
#include "tst_library_faults.moc"
