#pragma once

#include <QFile>
#include <QString>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace photosearch {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

size_t dtypeSize(DType dtype);
std::string dtypeName(DType dtype);

// One tensor inside a checkpoint: raw little-endian bytes that stay valid while the file is open.
struct TensorView {
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    const uint8_t* data = nullptr;
    size_t byteSize = 0;

    int64_t numel() const;
};

std::string shapeString(const std::vector<int64_t>& shape);

// A .safetensors file, memory-mapped read-only. Opening validates the whole header: its length, the
// JSON, each dtype and shape, that every tensor's byte range lies inside the file, matches
// dtype x shape, and overlaps no other. Errors name the file and the tensor.
class SafetensorsFile {
  public:
    static std::unique_ptr<SafetensorsFile> open(const QString& path);

    const std::map<std::string, TensorView>& tensors() const { return tensors_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    bool contains(const std::string& name) const { return tensors_.count(name) > 0; }
    // Throws AlignError naming the file when the tensor is absent.
    const TensorView& tensor(const std::string& name) const;
    const QString& path() const { return path_; }

    // Copies a float tensor (F32, F16 or BF16) to float32 values; errors name the tensor.
    std::vector<float> floats(const std::string& name) const;

  private:
    QString path_;
    QFile file_;
    std::map<std::string, TensorView> tensors_;
    std::map<std::string, std::string> metadata_;
};

// Converts IEEE half and bfloat16 to float.
float halfToFloat(uint16_t h);
float bfloat16ToFloat(uint16_t b);

}  // namespace photosearch
