#include "memory_tuning.h"

#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace photosearch::memory {

void tuneAllocator() {
#if defined(__GLIBC__)
    // A fixed threshold also turns off glibc's dynamic one, which follows the sizes of the blocks freed.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's maximum on 64-bit
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

void releaseFreeMemory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace photosearch::memory
