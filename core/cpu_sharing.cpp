#include "cpu_sharing.h"

#include <QDir>
#include <QFile>
#include <QThread>

#include <alloca.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#if defined(__linux__)
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace photosearch::cpu_sharing {

void runAgainWithPassiveWaits(char** argv) {
#if defined(__linux__)
    if (std::getenv("OMP_WAIT_POLICY")) return;
    if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    // A short spin first (libgomp counts ~100,000 rounds a millisecond: ~30 us): the image model's
    // parallel regions follow each other within microseconds, and waking sleeping threads for each of its
    // ~450 cost a quarter of its speed; a competitor loses nothing measurable to 30 us.
    if (!std::getenv("GOMP_SPINCOUNT")) setenv("GOMP_SPINCOUNT", "3000", 1);
    execv("/proc/self/exe", argv);
    // execv failed (no /proc, or the program was replaced on disk): run on with spinning waits.
#else
    (void)argv;
#endif
}

namespace {

// What follows `prefix` in `s`, or null when `s` does not start with it. By hand: the C library's string
// functions may be a sanitizer's, not yet set up before the libraries' initialisers.
const char* after(const char* s, const char* prefix) {
    for (; *prefix; ++s, ++prefix)
        if (*s != *prefix) return nullptr;
    return s;
}

bool startsWith(const char* s, const char* prefix) { return after(s, prefix) != nullptr; }

}  // namespace

void runAgainWithPassiveWaitsBeforeLibraries(char** argv, char** envp) {
#if defined(__linux__)
    if (!argv || !argv[0] || !envp) return;
    size_t n = 0;
    bool spinSet = false;
    for (; envp[n]; ++n) {
        if (startsWith(envp[n], "OMP_WAIT_POLICY=")) return;
        spinSet = spinSet || startsWith(envp[n], "GOMP_SPINCOUNT=");
    }
    // The new block on the stack: the allocator is not to be relied on this early.
    auto** env = static_cast<char**>(alloca((n + 3) * sizeof(char*)));
    for (size_t i = 0; i < n; ++i) env[i] = envp[i];
    static char passive[] = "OMP_WAIT_POLICY=PASSIVE", spin[] = "GOMP_SPINCOUNT=3000";
    env[n++] = passive;
    if (!spinSet) env[n++] = spin;  // as runAgainWithPassiveWaits: a ~30 us spin before sleeping
    env[n] = nullptr;
    syscall(SYS_execve, "/proc/self/exe", argv, env);
#else
    (void)argv, (void)envp;
#endif
}

bool moveThisThreadToBackground(QString* error) {
#if defined(__linux__)
    sched_param param{};
    param.sched_priority = 0;
    if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) {
        if (error)
            *error = QStringLiteral("cannot lower the CPU priority: %1")
                         .arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    // ioprio_set(IOPRIO_WHO_PROCESS, this thread, IOPRIO_CLASS_IDLE): glibc has no wrapper.
    constexpr int kWhoProcess = 1, kClassIdle = 3, kClassShift = 13;
    if (syscall(SYS_ioprio_set, kWhoProcess, static_cast<int>(syscall(SYS_gettid)),
                kClassIdle << kClassShift) != 0) {
        if (error)
            *error = QStringLiteral("cannot lower the disk priority: %1")
                         .arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    return true;
#else
    if (error) *error = QStringLiteral("background priority is only available on Linux");
    return false;
#endif
}

bool isThisThreadInBackground() {
#if defined(__linux__)
    return sched_getscheduler(0) == SCHED_IDLE;
#else
    return false;
#endif
}

int allowedCpus() {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
    return std::max(1, QThread::idealThreadCount());
}

namespace {

#if defined(__linux__)

// The state letter of a /proc/.../stat line: the first character after the ") " that ends the name (a
// thread's name may itself hold spaces and parentheses).
char stateOf(const QByteArray& stat) {
    const int close = stat.lastIndexOf(')');
    return close >= 0 && close + 2 < stat.size() ? stat.at(close + 2) : '?';
}
#endif

}  // namespace

int cpusFreeFromOtherPrograms() {
#if defined(__linux__)
    const int cpus = allowedCpus();
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (!loadavg.open(QIODevice::ReadOnly)) return cpus;
    // "0.50 0.40 0.30 3/812 12345": the fourth field is runnable/all scheduling entities, this thread
    // included.
    const QList<QByteArray> fields = loadavg.readAll().simplified().split(' ');
    if (fields.size() < 4) return cpus;
    bool ok = false;
    const int runnable = fields.at(3).split('/').value(0).toInt(&ok);
    if (!ok) return cpus;
    int ours = 0;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString& tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(tasks.filePath(tid + QStringLiteral("/stat")));
        if (stat.open(QIODevice::ReadOnly) && stateOf(stat.read(512)) == 'R') ++ours;
    }
    const int others = std::max(0, runnable - std::max(1, ours));
    return std::clamp(cpus - others, 1, cpus);
#else
    return std::max(1, QThread::idealThreadCount());
#endif
}

}  // namespace photosearch::cpu_sharing
