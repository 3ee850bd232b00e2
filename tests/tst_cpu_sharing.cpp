// Sharing the machine while a library indexes: passive OpenMP waits for indexing (the command line runs
// itself again with OMP_WAIT_POLICY=PASSIVE), the background priority of the indexing thread and the threads
// it starts, the count of CPUs other programs leave free, and an index run adapting its model threads to
// them.
#include "cpu_sharing.h"
#include "testutils.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>

using namespace photosearch;

namespace {

constexpr const char* kProbe = "--wait-policy-probe";

int ioClassOfThisThread() {
    constexpr int kWhoProcess = 1, kClassShift = 13;
    const long value = syscall(SYS_ioprio_get, kWhoProcess, static_cast<int>(syscall(SYS_gettid)));
    return value < 0 ? -1 : static_cast<int>(value >> kClassShift);
}

// Programs as busy as a person's compile or video export: `count` processes that never sleep.
struct BusyPrograms {
    std::vector<std::unique_ptr<QProcess>> processes;
    explicit BusyPrograms(int count) {
        for (int i = 0; i < count; ++i) {
            auto p = std::make_unique<QProcess>();
            p->start(QStringLiteral("sh"), {QStringLiteral("-c"), QStringLiteral("while :; do :; done")});
            if (p->waitForStarted()) processes.push_back(std::move(p));
        }
    }
    ~BusyPrograms() {
        for (auto& p : processes) {
            p->kill();
            p->waitForFinished();
        }
    }
};

// The GOMP_SPINCOUNT values libgomp showed as it loaded (OMP_DISPLAY_ENV=VERBOSE), one per start.
QStringList spinCounts(const QString& shown) {
    QStringList out;
    static const QRegularExpression line(QStringLiteral("GOMP_SPINCOUNT = '(\\d+)'"));
    for (auto it = line.globalMatch(shown); it.hasNext();) out << it.next().captured(1);
    return out;
}

}  // namespace

class TestCpuSharing : public QObject {
    Q_OBJECT

  private slots:
    void modelThreadsWaitBySleeping() {
        // This test's own executable in probe mode (see main below) asks for passive waits as the command
        // line's index and bench do. libgomp, asked to show its settings as it loads (OMP_DISPLAY_ENV=
        // VERBOSE), shows them at the first start (300,000 spins) and again in the re-run, which must have
        // been given PASSIVE with a short spin (GOMP_SPINCOUNT 3000, ~30 us, not 300,000). A person's own
        // choice is kept, and then nothing runs twice.
        const auto probe = [](const QString& policy) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.remove(QStringLiteral("OMP_WAIT_POLICY"));
            env.remove(QStringLiteral("GOMP_SPINCOUNT"));
            env.insert(QStringLiteral("OMP_DISPLAY_ENV"), QStringLiteral("VERBOSE"));
            if (!policy.isEmpty()) env.insert(QStringLiteral("OMP_WAIT_POLICY"), policy);
            p.setProcessEnvironment(env);
            p.start(QCoreApplication::applicationFilePath(), {QString::fromLatin1(kProbe)});
            p.waitForFinished();
            return std::make_pair(QString::fromUtf8(p.readAllStandardOutput()),
                                  spinCounts(QString::fromUtf8(p.readAllStandardError())));
        };
        const auto [out, spins] = probe(QString());
        QCOMPARE(out, QStringLiteral("OMP_WAIT_POLICY=PASSIVE\n"));
        QCOMPARE(spins, QStringList({QStringLiteral("300000"), QStringLiteral("3000")}));
        const auto [outActive, spinsActive] = probe(QStringLiteral("ACTIVE"));
        QCOMPARE(outActive, QStringLiteral("OMP_WAIT_POLICY=ACTIVE\n"));
        QCOMPARE(spinsActive.size(), 1);
        QVERIFY(spinsActive.front() != QLatin1String("0"));
    }

    // The command is read whole before the libraries start: "index" runs again, "indexes" or "ind" does not.
    void commandIsReadWhole() {
        using cpu_sharing::sameText;
        QVERIFY(sameText("index", "index"));
        QVERIFY(sameText("", ""));
        QVERIFY(!sameText("indexes", "index"));
        QVERIFY(!sameText("ind", "index"));
        QVERIFY(!sameText("", "bench"));
    }

    // photosearch-cli index runs itself again before its libraries start (from the executable's
    // .preinit_array): libgomp starts once, in the run that works, already given PASSIVE and the short spin,
    // and LibTorch's start-up is not paid twice. In a sanitized build the sanitizer's runtime starts from the
    // same array, so there the program runs again from main() and libgomp starts twice, as before.
    void commandLineRunsAgainBeforeItsLibrariesStart() {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("OMP_WAIT_POLICY"));
        env.remove(QStringLiteral("GOMP_SPINCOUNT"));
        env.insert(QStringLiteral("OMP_DISPLAY_ENV"), QStringLiteral("VERBOSE"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(PHOTOSEARCH_CLI), {QStringLiteral("index"), QStringLiteral("--help")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains(QStringLiteral("Usage:")));
        const QStringList spins = spinCounts(QString::fromUtf8(p.readAllStandardError()));
#if defined(PHOTOSEARCH_SANITIZER_RUNTIME)  // the re-run from main() only: libgomp started twice
        QCOMPARE(spins, QStringList({QStringLiteral("300000"), QStringLiteral("3000")}));
#else
        QCOMPARE(spins, QStringList({QStringLiteral("3000")}));
#endif
    }

    void backgroundThreadAndWhatItStarts() {
        // The indexing thread goes to the background; the threads it starts afterwards (the decoders, the
        // model's OpenMP pool) are born there; the rest of the program is untouched.
        bool moved = false, startedIdle = false;
        int ioClass = -1, childIoClass = -1;
        QString why;
        std::thread worker([&] {
            moved = cpu_sharing::moveThisThreadToBackground(&why);
            ioClass = ioClassOfThisThread();
            std::thread child([&] {
                startedIdle = sched_getscheduler(0) == SCHED_IDLE;
                childIoClass = ioClassOfThisThread();
            });
            child.join();
        });
        worker.join();
        QVERIFY2(moved, qPrintable(why));
        QVERIFY(startedIdle);
        QCOMPARE(ioClass, 3);  // IOPRIO_CLASS_IDLE
        QCOMPARE(childIoClass, 3);
        QCOMPARE(sched_getscheduler(0), SCHED_OTHER);
        QVERIFY(!cpu_sharing::isThisThreadInBackground());
    }

    void freeCpusCountOtherProgramsOnly() {
        const int cpus = cpu_sharing::allowedCpus();
        // Whatever else runs, the answer stays within 1..cpus.
        for (int i = 0; i < 5; ++i) {
            const int free = cpu_sharing::cpusFreeFromOtherPrograms();
            QVERIFY2(free >= 1 && free <= cpus, qPrintable(QString::number(free)));
        }
        // With as many busy programs as CPUs, none is free: the count drops to 1 (more load on the machine, a
        // parallel ctest, only lowers it further, so this cannot pass by accident in the other direction; on
        // a one-CPU machine it is 1 from the start).
        BusyPrograms busy(cpus);
        QCOMPARE(static_cast<int>(busy.processes.size()), cpus);
        int fewest = cpus;
        for (int i = 0; i < 20 && fewest == cpus; ++i) {
            QThread::msleep(50);
            fewest = std::min(fewest, cpu_sharing::cpusFreeFromOtherPrograms());
        }
        QCOMPARE(fewest, 1);
    }

    void indexingGivesWayToBusyPrograms() {
        // photosearch-cli index with automatic threads while every CPU is busy: every photo is indexed, the
        // model ran its batches on fewer threads than CPUs, and the run said so. (Not --background here: at
        // the idle priority, beside programs that never sleep, it would get almost no CPU at all.)
        QTemporaryDir tmp;
        const QStringList photos = test::makePhotos(tmp.filePath(QStringLiteral("photos")));
        BusyPrograms busy(cpu_sharing::allowedCpus());
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("OMP_WAIT_POLICY"));
        env.insert(QStringLiteral("OMP_DISPLAY_ENV"), QStringLiteral("VERBOSE"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(PHOTOSEARCH_CLI),
                {QStringLiteral("index"), tmp.filePath(QStringLiteral("photos")), QStringLiteral("--library"),
                 tmp.filePath(QStringLiteral("library")), QStringLiteral("--model"),
                 test::dataPath(QStringLiteral("align-tiny/model")), QStringLiteral("--threads"),
                 QStringLiteral("0"), QStringLiteral("--json")});
        QVERIFY(p.waitForFinished(600000));
        QCOMPARE(p.exitCode(), 0);
        const QJsonObject j = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
        QCOMPARE(j[QStringLiteral("indexed")].toInt(), photos.size());
        QCOMPARE(j[QStringLiteral("failed")].toArray().size(), 0);
        QCOMPARE(j[QStringLiteral("model_threads_fewest")].toInt(), 1);
        // And its model threads barely spun: the run that indexed was given PASSIVE and a 3,000-round spin.
        const QStringList spins = spinCounts(QString::fromUtf8(p.readAllStandardError()));
        QVERIFY(!spins.isEmpty());
        QCOMPARE(spins.back(), QStringLiteral("3000"));
    }
};

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], kProbe) == 0) {
        cpu_sharing::runAgainWithPassiveWaits(argv);
        std::printf("OMP_WAIT_POLICY=%s\n", std::getenv("OMP_WAIT_POLICY"));
        return 0;
    }
    QCoreApplication app(argc, argv);
    TestCpuSharing test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_cpu_sharing.moc"
