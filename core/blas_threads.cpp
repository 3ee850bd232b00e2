#include "blas_threads.h"

#include <dlfcn.h>

namespace photosearch::blas {

namespace {

using SetThreads = void (*)(int);
using GetThreads = int (*)();

SetThreads setter() {
    static const auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    return f;
}
GetThreads getter() {
    static const auto f = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return f;
}

}  // namespace

bool isOpenBlas() { return setter() && getter(); }

int threads() { return getter() ? getter()() : 0; }

void setThreads(int n) {
    if (setter() && n > 0 && threads() != n) setter()(n);
}

}  // namespace photosearch::blas
