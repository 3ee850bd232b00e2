#include "safetensors_file.h"

#include "align_error.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace photosearch {

namespace {

bool parseDType(const QString& s, DType& out) {
    static const std::pair<const char*, DType> names[] = {
        {"F64", DType::F64}, {"F32", DType::F32},  {"F16", DType::F16}, {"BF16", DType::BF16},
        {"I64", DType::I64}, {"I32", DType::I32},  {"I16", DType::I16}, {"I8", DType::I8},
        {"U8", DType::U8},   {"BOOL", DType::Bool}};
    for (const auto& [name, d] : names)
        if (s == QLatin1String(name)) return out = d, true;
    return false;
}

constexpr uint64_t kMaxHeader = 100ull << 20;

}  // namespace

size_t dtypeSize(DType d) {
    switch (d) {
        case DType::F64:
        case DType::I64:
            return 8;
        case DType::F32:
        case DType::I32:
            return 4;
        case DType::F16:
        case DType::BF16:
        case DType::I16:
            return 2;
        case DType::I8:
        case DType::U8:
        case DType::Bool:
            return 1;
    }
    return 0;
}

std::string dtypeName(DType d) {
    switch (d) {
        case DType::F64:
            return "F64";
        case DType::F32:
            return "F32";
        case DType::F16:
            return "F16";
        case DType::BF16:
            return "BF16";
        case DType::I64:
            return "I64";
        case DType::I32:
            return "I32";
        case DType::I16:
            return "I16";
        case DType::I8:
            return "I8";
        case DType::U8:
            return "U8";
        case DType::Bool:
            return "BOOL";
    }
    return "?";
}

int64_t TensorView::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000) << 16;
    const int exponent = (h >> 10) & 0x1F;
    const uint32_t mantissa = h & 0x3FF;
    float value;
    if (exponent == 0) {
        value = std::ldexp(static_cast<float>(mantissa), -24);
    } else if (exponent == 31) {
        value = mantissa ? std::nanf("") : INFINITY;
    } else {
        value = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
    }
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    bits |= sign;
    std::memcpy(&value, &bits, 4);
    return value;
}

float bfloat16ToFloat(uint16_t b) {
    const uint32_t bits = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const QString& path) {
    auto st = std::unique_ptr<SafetensorsFile>(new SafetensorsFile);
    st->path_ = path;
    auto fail = [&](const std::string& problem) -> void {
        throw AlignError(path.toStdString() + ": " + problem);
    };
    st->file_.setFileName(path);
    if (!st->file_.exists()) fail("file not found");
    if (!st->file_.open(QIODevice::ReadOnly)) fail("cannot read: " + st->file_.errorString().toStdString());
    const uint64_t fileSize = static_cast<uint64_t>(st->file_.size());
    if (fileSize < 8) fail("too short to be a safetensors file (" + std::to_string(fileSize) + " bytes)");
    uchar* base = st->file_.map(0, static_cast<qint64>(fileSize));
    if (!base) fail("cannot memory-map: " + st->file_.errorString().toStdString());

    uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i) headerSize = headerSize << 8 | base[i];
    if (headerSize > kMaxHeader || headerSize > fileSize - 8)
        fail("header length " + std::to_string(headerSize) + " does not fit in the file of " +
             std::to_string(fileSize) + " bytes (truncated or not a safetensors file)");
    QJsonParseError perr{};
    const QJsonDocument doc = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char*>(base + 8), static_cast<qsizetype>(headerSize)),
        &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        fail("the header is not a JSON object: " + perr.errorString().toStdString());

    const uint8_t* data = base + 8 + headerSize;
    const uint64_t dataSize = fileSize - 8 - headerSize;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    std::map<uint64_t, std::string> owners;
    const QJsonObject header = doc.object();
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string name = it.key().toStdString();
        if (name == "__metadata__") {
            if (!it.value().isObject()) fail("__metadata__ must be an object of strings");
            const QJsonObject meta = it.value().toObject();
            for (auto m = meta.begin(); m != meta.end(); ++m) {
                if (!m.value().isString())
                    fail("__metadata__." + m.key().toStdString() + " must be a string");
                st->metadata_[m.key().toStdString()] = m.value().toString().toStdString();
            }
            continue;
        }
        const std::string where = "tensor " + name;
        if (!it.value().isObject()) fail(where + ": expected an object with dtype, shape and data_offsets");
        const QJsonObject t = it.value().toObject();
        TensorView view;
        if (!parseDType(t.value(QLatin1String("dtype")).toString(), view.dtype))
            fail(where + ": unsupported dtype \"" + t.value(QLatin1String("dtype")).toString().toStdString() +
                 "\"");
        if (!t.value(QLatin1String("shape")).isArray()) fail(where + ": shape must be a list");
        uint64_t numel = 1;
        for (const QJsonValue& d : t.value(QLatin1String("shape")).toArray()) {
            const double v = d.toDouble(-1);
            if (!d.isDouble() || v < 0 || std::floor(v) != v || v > 9.0e15)
                fail(where + ": shape entries must be non-negative integers");
            view.shape.push_back(static_cast<int64_t>(v));
            if (v != 0 && numel > (UINT64_MAX / 16) / static_cast<uint64_t>(v))
                fail(where + ": shape is too large");
            numel *= static_cast<uint64_t>(v);
        }
        const QJsonArray offsets = t.value(QLatin1String("data_offsets")).toArray();
        if (offsets.size() != 2 || !offsets[0].isDouble() || !offsets[1].isDouble() ||
            offsets[0].toDouble() < 0 || offsets[1].toDouble() < offsets[0].toDouble())
            fail(where + ": data_offsets must be [begin, end] with 0 <= begin <= end");
        const uint64_t begin = static_cast<uint64_t>(offsets[0].toDouble());
        const uint64_t end = static_cast<uint64_t>(offsets[1].toDouble());
        if (end > dataSize)
            fail(where + ": data ends at byte " + std::to_string(end) + " but the file holds only " +
                 std::to_string(dataSize) + " bytes of data (truncated?)");
        const uint64_t expected = numel * dtypeSize(view.dtype);
        if (end - begin != expected)
            fail(where + ": holds " + std::to_string(end - begin) + " bytes, but " + dtypeName(view.dtype) +
                 " " + shapeString(view.shape) + " needs " + std::to_string(expected));
        view.data = data + begin;
        view.byteSize = end - begin;
        if (view.byteSize) ranges.emplace_back(begin, end), owners[begin] = name;
        st->tensors_.emplace(name, std::move(view));
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].first < ranges[i - 1].second)
            fail("tensors " + owners[ranges[i - 1].first] + " and " + owners[ranges[i].first] + " overlap");
    return st;
}

const TensorView& SafetensorsFile::tensor(const std::string& name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) throw AlignError(path_.toStdString() + ": no tensor named " + name);
    return it->second;
}

std::vector<float> SafetensorsFile::floats(const std::string& name) const {
    const TensorView& t = tensor(name);
    const size_t n = static_cast<size_t>(t.numel());
    std::vector<float> out(n);
    switch (t.dtype) {
        case DType::F32:
            if (n)
                std::memcpy(out.data(), t.data, n * 4);  // an empty tensor's data and out.data() may be null
            break;
        case DType::F16:
        case DType::BF16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t v;
                std::memcpy(&v, t.data + 2 * i, 2);
                out[i] = t.dtype == DType::F16 ? halfToFloat(v) : bfloat16ToFloat(v);
            }
            break;
        default:
            throw AlignError(path_.toStdString() + ": tensor " + name + " is " + dtypeName(t.dtype) +
                             ", expected F32, F16 or BF16");
    }
    return out;
}

}  // namespace photosearch
