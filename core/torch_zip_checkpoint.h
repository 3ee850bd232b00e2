#pragma once

#include "safetensors_file.h"

#include <QFile>
#include <QString>

#include <map>
#include <memory>
#include <string>

namespace photosearch {

// A state dict saved by torch.save (the zip format PyTorch has used since 1.6), read without running
// any pickle code: the zip's stored records are memory-mapped, and data.pkl is interpreted by a small
// unpickler that knows only the opcodes and globals a state dict uses (collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter and the torch.*Storage types). Any other global
// is refused: a pickle can run code, ours never will. Each tensor is exposed as a contiguous view when
// its storage allows, else materialised once.
class TorchZipCheckpoint {
  public:
    static std::unique_ptr<TorchZipCheckpoint> open(const QString& path);

    const std::map<std::string, TensorView>& tensors() const { return tensors_; }
    const QString& path() const { return path_; }

  private:
    QString path_;
    QFile file_;
    std::map<std::string, TensorView> tensors_;
    std::vector<std::unique_ptr<std::vector<uint8_t>>> owned_;  // non-contiguous tensors, copied
};

}  // namespace photosearch
