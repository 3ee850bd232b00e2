#pragma once

#include "safetensors_file.h"

#include <QString>

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

namespace photosearch {

class TorchZipCheckpoint;

// The weights of a model folder: model.safetensors (memory-mapped) when present, else
// pytorch_model.bin. Both expose the same name -> TensorView map.
class ModelWeights {
  public:
    static std::unique_ptr<ModelWeights> openFolder(const QString& folder);
    // The file openFolder would open (model.safetensors before pytorch_model.bin), or an empty string.
    static QString weightsFileIn(const QString& folder);
    static std::unique_ptr<ModelWeights> openFile(const QString& path);
    ~ModelWeights();

    const std::map<std::string, TensorView>& tensors() const { return *tensors_; }
    const QString& path() const { return path_; }

    // Copies every parameter and buffer of `module` from the checkpoint, by its Hugging Face name.
    // A missing tensor, a tensor the model does not have, or a shape that differs is an AlignError naming
    // the tensor (expected vs got). Buffers the model does not need (position_ids, token_type_ids,
    // num_batches_tracked) are ignored in either direction.
    void loadInto(torch::nn::Module& module) const;

  private:
    QString path_;
    std::unique_ptr<SafetensorsFile> safetensors_;
    std::unique_ptr<TorchZipCheckpoint> zip_;
    const std::map<std::string, TensorView>* tensors_ = nullptr;
};

// A float32 CPU tensor holding a copy of `view` (F32, F16, BF16 or F64 accepted).
torch::Tensor toFloatTensor(const TensorView& view, const std::string& nameForErrors);

}  // namespace photosearch
