#include "torch_zip_checkpoint.h"

#include "align_error.h"
#include "zip_index.h"

#include <cstring>
#include <functional>
#include <variant>

namespace photosearch {

namespace {

// ---- the restricted unpickler --------------------------------------------------------------------

struct Obj;
using Ref = std::shared_ptr<Obj>;

struct StorageRef {
    DType dtype;
    std::string key;
    int64_t numel;
};
struct TensorRef {
    StorageRef storage;
    int64_t offset;
    std::vector<int64_t> size, stride;
};

struct Obj {
    enum Kind { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Storage, Tensor, Mark } kind = None;
    int64_t i = 0;
    double f = 0;
    std::string s;                          // Str, Global ("module.name")
    std::vector<Ref> items;                 // Tuple, List
    std::vector<std::pair<Ref, Ref>> dict;  // Dict
    StorageRef storage{};
    TensorRef tensor{};
};

Ref make(Obj::Kind k) {
    auto o = std::make_shared<Obj>();
    o->kind = k;
    return o;
}

const std::map<std::string, DType>& storageTypes() {
    static const std::map<std::string, DType> types{
        {"torch.FloatStorage", DType::F32},     {"torch.HalfStorage", DType::F16},
        {"torch.BFloat16Storage", DType::BF16}, {"torch.DoubleStorage", DType::F64},
        {"torch.LongStorage", DType::I64},      {"torch.IntStorage", DType::I32},
        {"torch.ShortStorage", DType::I16},     {"torch.CharStorage", DType::I8},
        {"torch.ByteStorage", DType::U8},       {"torch.BoolStorage", DType::Bool}};
    return types;
}

bool allowedGlobal(const std::string& g) {
    return g == "collections.OrderedDict" || g == "torch._utils._rebuild_tensor_v2" ||
           g == "torch._utils._rebuild_parameter" || storageTypes().count(g) > 0;
}

class Unpickler {
  public:
    Unpickler(const uint8_t* data, size_t size, std::function<void(const std::string&)> fail)
        : d_(data), n_(size), fail_(std::move(fail)) {}

    Ref load() {
        while (true) {
            const uint8_t op = byte();
            switch (op) {
                case 0x80:
                    byte();
                    break;  // PROTO
                case 0x95:
                    skip(8);
                    break;  // FRAME
                case '.':
                    if (stack_.size() != 1) fail_("data.pkl: unbalanced stack at STOP");
                    return stack_.back();
                case '(':
                    push(make(Obj::Mark));
                    break;
                case '}':
                    push(make(Obj::Dict));
                    break;
                case ']':
                    push(make(Obj::List));
                    break;
                case ')':
                    push(make(Obj::Tuple));
                    break;
                case 'N':
                    push(make(Obj::None));
                    break;
                case 0x88:
                case 0x89: {
                    auto o = make(Obj::Bool);
                    o->i = op == 0x88;
                    push(o);
                    break;
                }
                case 'K':
                    pushInt(byte());
                    break;
                case 'M': {
                    const uint64_t lo = byte();
                    pushInt(lo | uint64_t(byte()) << 8);
                    break;
                }
                case 'J':
                    pushInt(static_cast<int32_t>(le(4)));
                    break;
                case 0x8a: {  // LONG1
                    const size_t len = byte();
                    if (len > 8) fail_("data.pkl: integer too large");
                    uint64_t v = le(len);
                    if (len && len < 8 && (v >> (8 * len - 1)) & 1) v |= ~uint64_t(0) << (8 * len);
                    pushInt(static_cast<int64_t>(v));
                    break;
                }
                case 'G': {  // BINFLOAT, big-endian double
                    uint64_t v = 0;
                    for (int k = 0; k < 8; ++k) v = v << 8 | byte();
                    auto o = make(Obj::Float);
                    std::memcpy(&o->f, &v, 8);
                    push(o);
                    break;
                }
                case 'X':
                    pushStr(le(4));
                    break;  // BINUNICODE
                case 0x8c:
                case 'U':
                    pushStr(byte());
                    break;  // SHORT_BINUNICODE / SHORT_BINSTRING
                case 'T':
                    pushStr(le(4));
                    break;  // BINSTRING
                case 0x8d:
                    pushStr(le(8));
                    break;  // BINUNICODE8
                case 'q':
                    memo_[byte()] = top();
                    break;  // BINPUT
                case 'r':
                    memo_[le(4)] = top();
                    break;  // LONG_BINPUT
                case 0x94:
                    memo_[memo_.size()] = top();
                    break;  // MEMOIZE
                case 'h':
                    push(memo(byte()));
                    break;  // BINGET
                case 'j':
                    push(memo(le(4)));
                    break;   // LONG_BINGET
                case 'c': {  // GLOBAL
                    const std::string module = line(), name = line();
                    pushGlobal(module + "." + name);
                    break;
                }
                case 0x93: {  // STACK_GLOBAL
                    const Ref name = pop(), module = pop();
                    if (name->kind != Obj::Str || module->kind != Obj::Str)
                        fail_("data.pkl: bad STACK_GLOBAL");
                    pushGlobal(module->s + "." + name->s);
                    break;
                }
                case 't': {
                    auto o = make(Obj::Tuple);
                    o->items = popToMark();
                    push(o);
                    break;
                }
                case 0x85:
                case 0x86:
                case 0x87: {
                    auto o = make(Obj::Tuple);
                    o->items.resize(op - 0x84);
                    for (size_t k = o->items.size(); k-- > 0;) o->items[k] = pop();
                    push(o);
                    break;
                }
                case 'a': {
                    const Ref v = pop();
                    list(top())->items.push_back(v);
                    break;
                }
                case 'e': {
                    auto vs = popToMark();
                    auto l = list(top());
                    l->items.insert(l->items.end(), vs.begin(), vs.end());
                    break;
                }
                case 's': {
                    const Ref v = pop(), k = pop();
                    dict(top())->dict.emplace_back(k, v);
                    break;
                }
                case 'u': {
                    auto vs = popToMark();
                    if (vs.size() % 2) fail_("data.pkl: odd SETITEMS");
                    auto d = dict(top());
                    for (size_t k = 0; k < vs.size(); k += 2) d->dict.emplace_back(vs[k], vs[k + 1]);
                    break;
                }
                case 'b':
                    pop();
                    break;  // BUILD: state of an OrderedDict (_metadata); not needed
                case 'Q':
                    push(persistentLoad(pop()));
                    break;  // BINPERSID
                case 'R': {
                    const Ref args = pop(), fn = pop();
                    push(reduce(fn, args));
                    break;
                }
                default:
                    fail_("data.pkl: pickle opcode 0x" + hex(op) +
                          " is not used by a state dict; refusing it");
            }
        }
    }

  private:
    static std::string hex(uint8_t v) {
        const char* digits = "0123456789abcdef";
        return {digits[v >> 4], digits[v & 15]};
    }
    uint8_t byte() {
        if (p_ >= n_) fail_("data.pkl: ends before STOP (truncated)");
        return d_[p_++];
    }
    void skip(size_t k) {
        for (size_t i = 0; i < k; ++i) byte();
    }
    uint64_t le(size_t k) {
        uint64_t v = 0;
        for (size_t i = 0; i < k; ++i) v |= uint64_t(byte()) << (8 * i);
        return v;
    }
    std::string line() {
        std::string s;
        for (uint8_t c; (c = byte()) != '\n';) s += static_cast<char>(c);
        return s;
    }
    void push(Ref o) { stack_.push_back(std::move(o)); }
    Ref pop() {
        if (stack_.empty()) fail_("data.pkl: stack underflow");
        Ref o = stack_.back();
        stack_.pop_back();
        return o;
    }
    Ref top() {
        if (stack_.empty()) fail_("data.pkl: stack underflow");
        return stack_.back();
    }
    Ref memo(uint64_t k) {
        const auto it = memo_.find(k);
        if (it == memo_.end()) fail_("data.pkl: reference to an unknown memo entry");
        return it->second;
    }
    void pushInt(int64_t v) {
        auto o = make(Obj::Int);
        o->i = v;
        push(o);
    }
    void pushStr(uint64_t len) {
        if (len > n_ - p_) fail_("data.pkl: string runs past the end");
        auto o = make(Obj::Str);
        o->s.assign(reinterpret_cast<const char*>(d_ + p_), len);
        p_ += len;
        push(o);
    }
    void pushGlobal(const std::string& g) {
        if (!allowedGlobal(g))
            fail_("refusing the pickled global " + g + ": a state dict holds only tensors");
        auto o = make(Obj::Global);
        o->s = g;
        push(o);
    }
    std::vector<Ref> popToMark() {
        std::vector<Ref> out;
        while (true) {
            Ref o = pop();
            if (o->kind == Obj::Mark) break;
            out.push_back(o);
        }
        return {out.rbegin(), out.rend()};
    }
    Ref list(const Ref& o) {
        if (o->kind != Obj::List) fail_("data.pkl: APPEND to a non-list");
        return o;
    }
    Ref dict(const Ref& o) {
        if (o->kind != Obj::Dict) fail_("data.pkl: SETITEM on a non-dict");
        return o;
    }

    int64_t integer(const Ref& o) {
        if (o->kind != Obj::Int) fail_("data.pkl: expected an integer in a tensor record");
        return o->i;
    }
    std::vector<int64_t> ints(const Ref& o) {
        if (o->kind != Obj::Tuple) fail_("data.pkl: expected a tuple of integers in a tensor record");
        std::vector<int64_t> v;
        for (const Ref& x : o->items) v.push_back(integer(x));
        return v;
    }

    Ref persistentLoad(const Ref& pid) {
        if (pid->kind != Obj::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Obj::Str ||
            pid->items[0]->s != "storage" || pid->items[1]->kind != Obj::Global ||
            pid->items[2]->kind != Obj::Str)
            fail_("data.pkl: persistent id is not a tensor storage");
        const auto type = storageTypes().find(pid->items[1]->s);
        if (type == storageTypes().end())
            fail_("data.pkl: " + pid->items[1]->s + " is not a tensor storage type");
        auto o = make(Obj::Storage);
        o->storage = {type->second, pid->items[2]->s, integer(pid->items[4])};
        return o;
    }

    Ref reduce(const Ref& fn, const Ref& args) {
        if (fn->kind != Obj::Global || args->kind != Obj::Tuple)
            fail_("data.pkl: REDUCE of something not callable");
        const auto& a = args->items;
        if (fn->s == "collections.OrderedDict") return make(Obj::Dict);
        if (fn->s == "torch._utils._rebuild_tensor_v2") {
            if (a.size() < 4 || a[0]->kind != Obj::Storage) fail_("data.pkl: malformed _rebuild_tensor_v2");
            auto t = make(Obj::Tensor);
            t->tensor = {a[0]->storage, integer(a[1]), ints(a[2]), ints(a[3])};
            if (t->tensor.size.size() != t->tensor.stride.size())
                fail_("data.pkl: tensor size and stride differ in rank");
            return t;
        }
        if (fn->s == "torch._utils._rebuild_parameter") {
            if (a.empty() || a[0]->kind != Obj::Tensor) fail_("data.pkl: malformed _rebuild_parameter");
            return a[0];
        }
        fail_("data.pkl: cannot call " + fn->s);
        return nullptr;
    }

    const uint8_t* d_;
    size_t n_;
    size_t p_ = 0;
    std::function<void(const std::string&)> fail_;
    std::vector<Ref> stack_;
    std::map<uint64_t, Ref> memo_;
};

}  // namespace

std::unique_ptr<TorchZipCheckpoint> TorchZipCheckpoint::open(const QString& path) {
    auto ck = std::unique_ptr<TorchZipCheckpoint>(new TorchZipCheckpoint);
    ck->path_ = path;
    const auto fail = [&](const std::string& problem) {
        throw AlignError(path.toStdString() + ": " + problem);
    };
    ck->file_.setFileName(path);
    if (!ck->file_.exists()) fail("file not found");
    if (!ck->file_.open(QIODevice::ReadOnly)) fail("cannot read: " + ck->file_.errorString().toStdString());
    const uint64_t size = static_cast<uint64_t>(ck->file_.size());
    if (size < 22) fail("too short to be a torch.save archive");
    const uint8_t* base = ck->file_.map(0, static_cast<qint64>(size));
    if (!base) fail("cannot memory-map: " + ck->file_.errorString().toStdString());

    const ZipIndex zip(base, size, fail);
    std::string prefix;
    for (const auto& [name, entry] : zip.entries()) {
        const size_t slash = name.find('/');
        if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
            prefix = name.substr(0, slash + 1);
            break;
        }
    }
    if (prefix.empty()) fail("no data.pkl record: not a PyTorch zip checkpoint (a legacy pre-1.6 file?)");
    const ZipEntry pkl = zip.entries().at(prefix + "data.pkl");

    const Ref root = Unpickler(base + pkl.offset, pkl.size, fail).load();
    if (root->kind != Obj::Dict) fail("data.pkl does not hold a dict of tensors");
    for (const auto& [key, value] : root->dict) {
        if (key->kind != Obj::Str) fail("data.pkl: a state dict key is not a string");
        if (value->kind != Obj::Tensor) fail("data.pkl: entry " + key->s + " is not a tensor");
        const TensorRef& t = value->tensor;
        const std::string where = "tensor " + key->s;
        const auto it = zip.entries().find(prefix + "data/" + t.storage.key);
        if (it == zip.entries().end())
            fail(where + ": its storage record data/" + t.storage.key + " is missing");
        const size_t elem = dtypeSize(t.storage.dtype);
        if (t.storage.numel < 0 || it->second.size != static_cast<uint64_t>(t.storage.numel) * elem)
            fail(where + ": storage data/" + t.storage.key + " holds " + std::to_string(it->second.size) +
                 " bytes, expected " + std::to_string(t.storage.numel) + " x " + std::to_string(elem));
        // Highest element the view reads must lie inside the storage.
        int64_t numel = 1, last = t.offset;
        bool contiguous = true;
        int64_t expectStride = 1;
        for (size_t d = t.size.size(); d-- > 0;) {
            if (t.size[d] < 0 || t.stride[d] < 0) fail(where + ": negative size or stride");
            numel *= t.size[d];
            if (t.size[d] > 0) last += (t.size[d] - 1) * t.stride[d];
            if (t.size[d] != 1 && t.stride[d] != expectStride) contiguous = false;
            expectStride *= t.size[d];
        }
        if (t.offset < 0 || (numel > 0 && last >= t.storage.numel))
            fail(where + ": its view reaches past the end of its storage");
        TensorView view;
        view.dtype = t.storage.dtype;
        view.shape = t.size;
        view.byteSize = static_cast<size_t>(numel) * elem;
        const uint8_t* storage = base + it->second.offset;
        if (contiguous || numel == 0) {
            view.data = storage + t.offset * elem;
        } else {  // gather a strided view once, so every consumer sees contiguous data
            auto bytes = std::make_unique<std::vector<uint8_t>>(view.byteSize);
            std::vector<int64_t> index(t.size.size(), 0);
            for (int64_t n = 0; n < numel; ++n) {
                int64_t src = t.offset;
                for (size_t d = 0; d < index.size(); ++d) src += index[d] * t.stride[d];
                std::memcpy(bytes->data() + n * elem, storage + src * elem, elem);
                for (size_t d = index.size(); d-- > 0;) {
                    if (++index[d] < t.size[d]) break;
                    index[d] = 0;
                }
            }
            view.data = bytes->data();
            ck->owned_.push_back(std::move(bytes));
        }
        ck->tensors_[key->s] = view;
    }
    return ck;
}

}  // namespace photosearch
