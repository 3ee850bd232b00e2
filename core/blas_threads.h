#pragma once

namespace photosearch {

// The threads of the BLAS library behind LibTorch, when it is OpenBLAS (looked up at run time: Debian
// may have another BLAS selected, and then these do nothing). OpenBLAS keeps its own thread pool apart
// from LibTorch's OpenMP threads. Measured here: the image model wants all cores (5.6 vs 3.1 images/s
// with one), a one-line text query wants one (53 vs 155 ms for BERT).
namespace blas {
bool isOpenBlas();
int threads();           // 0 when unknown
void setThreads(int n);  // no-op when not OpenBLAS
}  // namespace blas

}  // namespace photosearch
