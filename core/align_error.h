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

// The model folder does not exist or holds no config.json: nothing was downloaded or chosen yet. Callers
// add what to do in their own terms (the command line names `model fetch`, the window its dialog).
class ModelNotFoundError : public AlignError {
  public:
    // `detail`, when given, says why the folder does not count ("it has no config.json").
    explicit ModelNotFoundError(const std::string& modelDir, const std::string& detail = {})
        : AlignError("no ALIGN model at " + modelDir + (detail.empty() ? "" : " (" + detail + ")")),
          modelDir_(modelDir) {}
    const std::string& modelDir() const { return modelDir_; }

  private:
    std::string modelDir_;
};

}  // namespace photosearch
