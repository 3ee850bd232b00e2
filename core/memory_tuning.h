#pragma once

namespace photosearch::memory {

// For the programs, at the start of main(): glibc's allocator keeps freed blocks of up to 32 MB for reuse
// instead of unmapping them, and returns free memory at the top of the heap only past 256 MB. Without it,
// every photo's image-model activations are mapped and faulted in afresh, and how often depends on what
// the process freed before (storing the text weights in bfloat16 tripled the page faults: indexing 48
// photos took 17-19 s instead of 12-13.5 s). Does nothing outside glibc.
void tuneAllocator();

// Returns the allocator's free memory to the system (after indexing, for a window left open).
void releaseFreeMemory();

}  // namespace photosearch::memory
