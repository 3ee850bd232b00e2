#pragma once

#include <QString>

// Defined in a build with a sanitizer whose runtime starts from .preinit_array, as the early re-run below
// does (its loader has to come first there).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define PHOTOSEARCH_SANITIZER_RUNTIME 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PHOTOSEARCH_SANITIZER_RUNTIME 1
#endif

// Sharing the machine with the programs a person is using while their library indexes.
namespace photosearch::cpu_sharing {

// For a command that keeps the model busy for long (indexing, the benchmark), first thing in main(): the
// model's OpenMP threads wait for work by sleeping, not by spinning. LibTorch's OpenMP (libgomp) spins up to
// 300,000 rounds between parallel regions by default; beside another busy program the spinning threads take
// the CPU from it and from each other (measured here: indexing beside one busy program took twice as long
// with two threads as with one). libgomp reads OMP_WAIT_POLICY once, as it is loaded, before main() runs
// (and the C library resets the environment after any earlier hook), so when the variable is not set this
// sets it to PASSIVE (with GOMP_SPINCOUNT=3000, a ~30 us spin before sleeping, unless set) and runs the
// program again in place (execv of /proc/self/exe, same arguments): a second
// start of the libraries, about 0.45 s here, which a short command (a search) should not pay. A value the
// person set is kept. Returns only when no re-run happened (it was set, or execv failed).
void runAgainWithPassiveWaits(char** argv);
// The same from an executable's .preinit_array, before any library's initialisers run (LibTorch's operator
// registrations among them): the first start then costs loading and linking the libraries (`bench --help`
// took 0.64 s in all against 0.90 s with the re-run from main(); a command that never runs again, 0.46 s). It
// reads and passes the environment block it is given (the C library's own is not set up yet) and calls only
// the kernel; when the variable is set already, or execve fails, it returns and runAgainWithPassiveWaits() in
// main() is the fallback.
void runAgainWithPassiveWaitsBeforeLibraries(char** argv, char** envp);

// Puts the calling thread, and the threads it starts from now on, in the background: the CPU only when no
// other program wants it (SCHED_IDLE) and the disk only when it is idle (I/O class idle). Linux does not let
// an unprivileged thread come back from it, so call it on a thread that only does background work.
// Returns false, with the reason in `error`, when the system refused.
bool moveThisThreadToBackground(QString* error = nullptr);
bool isThisThreadInBackground();

// The CPUs this process may run on (its affinity mask), at least 1.
int allowedCpus();

// How many of this machine's CPUs (those this process may run on) are not busy with other programs right
// now: CPUs minus the runnable threads of other processes (from /proc/loadavg and this process's own
// threads' states), at least 1. Without /proc: the CPU count.
int cpusFreeFromOtherPrograms();

}  // namespace photosearch::cpu_sharing
