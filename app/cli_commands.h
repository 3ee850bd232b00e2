#pragma once

#include <QStringList>

namespace photosearch::cli {

// Exit codes: 0 success, 1 an error (stderr says "error: ..."), 2 a usage error.
enum ExitCode { Ok = 0, Failure = 1, Usage = 2 };

int run(const QStringList& arguments);

}  // namespace photosearch::cli
