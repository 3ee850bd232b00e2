#pragma once

#include "align_error.h"

namespace photosearch {

// What went wrong with a library, for callers that act differently on each (the command line's exit code,
// the window's offer to re-index). The message says what happened and what to do; never decide what
// happened by searching it.
enum class LibraryErrorKind {
    Locked,          // another PhotoSearch writes to the library now
    ModelMismatch,   // the library's vectors come from another model
    CatalogDamaged,  // the catalog file is not a readable SQLite database
    DiskFull,        // no space left where the library lives
    ReadOnly,        // the library cannot be written (permissions, a read-only mount)
    NoLibrary,       // a command that only reads found no library at the path given
    InvalidRequest,  // a filter naming what the library does not have, a value out of range
};

class LibraryError : public AlignError {
  public:
    LibraryError(LibraryErrorKind kind, const std::string& message) : AlignError(message), kind_(kind) {}
    LibraryErrorKind kind() const { return kind_; }

  private:
    LibraryErrorKind kind_;
};

}  // namespace photosearch
