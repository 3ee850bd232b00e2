// Sharing the machine while a library indexes: passive OpenMP waits for indexing (set by the command line's
// launcher before the program starts, or by the program running itself again when run directly), the
// background priority of the indexing thread and the threads it starts, the count of CPUs other programs
// leave free, and an index run adapting its model threads to them.
#include "busy_commands.h"
#include "cpu_sharing.h"
#include "testutils.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
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

// `index --help` run by `program` with libgomp showing its settings as it loads: the exit code and the spin
// counts shown, one per start of libgomp.
std::pair<int, QStringList> indexHelp(const QString& program) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("OMP_WAIT_POLICY"));
    env.remove(QStringLiteral("GOMP_SPINCOUNT"));
    env.insert(QStringLiteral("OMP_DISPLAY_ENV"), QStringLiteral("VERBOSE"));
    p.setProcessEnvironment(env);
    p.start(program, {QStringLiteral("index"), QStringLiteral("--help")});
    if (!p.waitForFinished(60000)) return {-1, {}};
    if (!QString::fromUtf8(p.readAllStandardOutput()).contains(QStringLiteral("Usage:"))) return {-2, {}};
    return {p.exitCode(), spinCounts(QString::fromUtf8(p.readAllStandardError()))};
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

    // The command is read whole before the libraries start: "index" waits passively, "indexes", "ind" or a
    // search do not, nor a command line without a command.
    void commandIsReadWhole() {
        using cli::sameText;
        QVERIFY(sameText("index", "index"));
        QVERIFY(sameText("", ""));
        QVERIFY(!sameText("indexes", "index"));
        QVERIFY(!sameText("ind", "index"));
        QVERIFY(!sameText("", "bench"));
        char program[] = "photosearch-cli", index[] = "index", bench[] = "bench", ind[] = "ind",
             search[] = "search";
        char* withIndex[] = {program, index, nullptr};
        char* withBench[] = {program, bench, nullptr};
        char* withInd[] = {program, ind, nullptr};
        char* withSearch[] = {program, search, nullptr};
        char* alone[] = {program, nullptr};
        QVERIFY(cli::keepsTheModelBusy(2, withIndex));
        QVERIFY(cli::keepsTheModelBusy(2, withBench));
        QVERIFY(!cli::keepsTheModelBusy(2, withInd));
        QVERIFY(!cli::keepsTheModelBusy(2, withSearch));
        QVERIFY(!cli::keepsTheModelBusy(1, alone));
    }

    // photosearch-cli index: the launcher a person runs sets the waits, and the program it starts loads
    // libgomp once, already given PASSIVE and the short spin; LibTorch's start-up is not paid twice.
    void commandLineStartsOnceWithPassiveWaits() {
        const auto [exitCode, spins] = indexHelp(QStringLiteral(PHOTOSEARCH_CLI));
        QCOMPARE(exitCode, 0);
        QCOMPARE(spins, QStringList({QStringLiteral("3000")}));
    }

    // The program run directly, without the launcher, runs itself again before its libraries start (from the
    // executable's .preinit_array), so again libgomp starts once. In a sanitized build the sanitizer's
    // runtime starts from the same array, so there the program runs again from main() and libgomp starts
    // twice.
    void programRunDirectlyRunsAgainBeforeItsLibrariesStart() {
        const auto [exitCode, spins] = indexHelp(QStringLiteral(PHOTOSEARCH_CLI_PROGRAM));
        QCOMPARE(exitCode, 0);
#if defined(PHOTOSEARCH_SANITIZER_RUNTIME)
        QCOMPARE(spins, QStringList({QStringLiteral("300000"), QStringLiteral("3000")}));
#else
        QCOMPARE(spins, QStringList({QStringLiteral("3000")}));
#endif
    }

    // A launcher without its program (a broken installation) says what is wrong and what to do.
    void launcherWithoutItsProgramSaysSo() {
        QTemporaryDir tmp;
        const QString lonely = tmp.filePath(QStringLiteral("bin/photosearch-cli"));
        QVERIFY(QDir().mkpath(tmp.filePath(QStringLiteral("bin"))));
        QVERIFY(QFile::copy(QStringLiteral(PHOTOSEARCH_CLI), lonely));
        QProcess p;
        p.start(lonely, {QStringLiteral("search"), QStringLiteral("beach")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 127);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(tmp.filePath(QStringLiteral("libexec/photosearch/photosearch-cli"))),
                 qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("reinstall PhotoSearch")), qPrintable(err));
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
