#include "model_weights.h"

#include "align_error.h"
#include "torch_zip_checkpoint.h"

#include <QDir>
#include <QFileInfo>

#include <sys/mman.h>
#include <unistd.h>
#include <set>

namespace photosearch {

namespace {

bool isIgnorableBuffer(const std::string& name) {
    auto endsWith = [&](const char* suffix) {
        const size_t n = std::strlen(suffix);
        return name.size() >= n && name.compare(name.size() - n, n, suffix) == 0;
    };
    return endsWith("position_ids") || endsWith("token_type_ids") || endsWith("num_batches_tracked");
}

std::vector<int64_t> sizesOf(const torch::Tensor& t) { return t.sizes().vec(); }

}  // namespace

ModelWeights::~ModelWeights() = default;

QString ModelWeights::weightsFileIn(const QString& folder) {
    const QDir dir(folder);
    for (const char* name : {"model.safetensors", "pytorch_model.bin"})
        if (QFileInfo::exists(dir.filePath(QLatin1String(name)))) return dir.filePath(QLatin1String(name));
    return {};
}

std::unique_ptr<ModelWeights> ModelWeights::openFolder(const QString& folder) {
    const QDir dir(folder);
    if (const QString file = weightsFileIn(folder); !file.isEmpty()) return openFile(file);
    if (QFileInfo::exists(dir.filePath(QStringLiteral("model.safetensors.index.json"))))
        throw AlignError(folder.toStdString() +
                         ": sharded checkpoints (model.safetensors.index.json) are not supported");
    throw AlignError(folder.toStdString() +
                     ": no weights found (expected model.safetensors or pytorch_model.bin)");
}

std::unique_ptr<ModelWeights> ModelWeights::openFile(const QString& path) {
    auto w = std::unique_ptr<ModelWeights>(new ModelWeights);
    w->path_ = path;
    w->stamp_ = FileStamp::of(path);
    if (path.endsWith(QStringLiteral(".safetensors"))) {
        w->safetensors_ = SafetensorsFile::open(path);
        w->tensors_ = &w->safetensors_->tensors();
    } else {
        w->zip_ = TorchZipCheckpoint::open(path);
        w->tensors_ = &w->zip_->tensors();
    }
    return w;
}

namespace {

// The view's bytes as a tensor of their own type, not copied: valid while the file stays open.
torch::Tensor viewAsTensor(const TensorView& v, const std::string& name) {
    torch::ScalarType type;
    switch (v.dtype) {
        case DType::F32:
            type = torch::kFloat32;
            break;
        case DType::F16:
            type = torch::kFloat16;
            break;
        case DType::BF16:
            type = torch::kBFloat16;
            break;
        case DType::F64:
            type = torch::kFloat64;
            break;
        default:
            throw AlignError("tensor " + name + " is " + dtypeName(v.dtype) + ", expected F32, F16 or BF16");
    }
    return torch::from_blob(const_cast<uint8_t*>(v.data), v.shape, torch::TensorOptions().dtype(type));
}

}  // namespace

void ModelWeights::requireUnchanged() const {
    const FileStamp now = FileStamp::of(path_);
    if (!now.sameFile(stamp_) || now.unwrittenSince(stamp_)) return;
    throw AlignError(path_.toStdString() +
                     ": the model's weights file was written over after the model was loaded, so the rest of "
                     "it cannot be read; restart PhotoSearch to load the file as it is now");
}

torch::Tensor toFloatTensor(const TensorView& v, const std::string& name) {
    return viewAsTensor(v, name).to(torch::kFloat32, /*non_blocking=*/false,
                                    /*copy=*/true);  // callers may outlive the mapping
}

namespace {

// Once a tensor is copied into the model, its pages of the read-only file mapping are dropped from this
// process (they are clean file pages: touching them again reads the file again). Without this, peak memory
// while loading is the model twice over: 690 MB of mapped file plus 690 MB of parameters.
void releasePages(const uint8_t* data, size_t size) {
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
    const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) / page * page;
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace

void ModelWeights::loadInto(torch::nn::Module& module, const NameFilter& only) const {
    visit(module, only, true);
}

void ModelWeights::checkFor(torch::nn::Module& module, const NameFilter& only) const {
    visit(module, only, false);
}

void ModelWeights::visit(torch::nn::Module& module, const NameFilter& only, bool copy) const {
    const std::string file = path_.toStdString();
    torch::NoGradGuard noGrad;
    std::set<std::string> used;
    auto load = [&](const std::string& name, torch::Tensor& target, bool isBuffer) {
        if (only && !only(name)) return;
        const auto it = tensors_->find(name);
        if (it == tensors_->end()) {
            if (isBuffer && isIgnorableBuffer(name)) return;
            throw AlignError(file + ": tensor " + name + " is missing (expected shape " +
                             shapeString(sizesOf(target)) + ")");
        }
        used.insert(name);
        if (it->second.shape != sizesOf(target))
            throw AlignError(file + ": tensor " + name + " has shape " + shapeString(it->second.shape) +
                             ", expected " + shapeString(sizesOf(target)));
        if (isBuffer && isIgnorableBuffer(name)) return;
        const torch::Tensor source = viewAsTensor(it->second, name);  // refuses types the model cannot take
        if (!copy) return;
        target.copy_(source);  // straight from the file's pages, converted as copied
        releasePages(it->second.data, it->second.byteSize);
    };
    for (auto& p : module.named_parameters(true)) load(p.key(), p.value(), false);
    for (auto& b : module.named_buffers(true)) load(b.key(), b.value(), true);
    for (const auto& [name, view] : *tensors_) {
        if (used.count(name) || isIgnorableBuffer(name) || (only && !only(name))) continue;
        throw AlignError(file + ": tensor " + name + " (" + shapeString(view.shape) +
                         ") is not part of the model this config.json describes");
    }
}

}  // namespace photosearch
