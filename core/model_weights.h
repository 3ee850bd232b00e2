#pragma once

#include "file_stamp.h"

#include "safetensors_file.h"

#include <QString>

#include <torch/torch.h>

#include <functional>
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
    // With `only`, just the tensors whose names it accepts are looked at (checked and copied), and the
    // file's other tensors are left alone: a model can be filled in parts (the image half at load, the text
    // half when a text is first embedded). checkFor() does the same checks without copying.
    using NameFilter = std::function<bool(const std::string&)>;
    void loadInto(torch::nn::Module& module, const NameFilter& only = {}) const;
    void checkFor(torch::nn::Module& module, const NameFilter& only = {}) const;

    // Throws an AlignError if the file was written over in place since it was opened (same file, other size
    // or modification time): its mapped pages would then hold other weights, or none. A file replaced by a
    // rename (as downloads do) is fine: the old one stays readable while it is open.
    void requireUnchanged() const;

  private:
    void visit(torch::nn::Module& module, const NameFilter& only, bool copy) const;

    QString path_;
    FileStamp stamp_;
    std::unique_ptr<SafetensorsFile> safetensors_;
    std::unique_ptr<TorchZipCheckpoint> zip_;
    const std::map<std::string, TensorView>* tensors_ = nullptr;
};

// A float32 CPU tensor holding a copy of `view` (F32, F16, BF16 or F64 accepted).
torch::Tensor toFloatTensor(const TensorView& view, const std::string& nameForErrors);

}  // namespace photosearch
