#pragma once

#include <stdexcept>
#include <string>

namespace photosearch {

// The one error type core/ throws. Its message names the file, key or tensor at fault and what was
// expected, so it can be shown to a person as it is.
class AlignError : public std::runtime_error {
public:
    explicit AlignError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace photosearch
