#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus (tests/fuzz/corpus/<target>/) from the test data: small valid inputs of
every kind each parser reads, so fuzzing starts from deep inside the formats. Run from anywhere; the files
it writes are committed."""
import collections, io, json, os, pickle, shutil, struct, sys, types, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
OUT = os.path.join(HERE, "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def safetensors(tensors, dtype="F32"):
    header, blob = {}, b""
    for name, (shape, values) in tensors.items():
        raw = struct.pack("<%df" % len(values), *values) if dtype == "F32" else struct.pack("<%de" % len(values), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + blob


put("safetensors", "two_f32", safetensors({"a.weight": ([2, 2], [1, 2, 3, 4]), "b.bias": ([3], [0.5, -1, 2])}))
put("safetensors", "f16", safetensors({"x": ([4], [1, 2, 3, 4])}, "F16"))
put("safetensors", "empty_header", struct.pack("<Q", 2) + b"{}")

# pytorch_model.bin: a zip holding data.pkl (a state dict pickled the way torch.save does) and the storages.
torch_mod, utils_mod = types.ModuleType("torch"), types.ModuleType("torch._utils")
sys.modules["torch"], sys.modules["torch._utils"] = torch_mod, utils_mod


def _rebuild_tensor_v2(*args):
    return None


_rebuild_tensor_v2.__module__ = "torch._utils"
utils_mod._rebuild_tensor_v2 = _rebuild_tensor_v2


class FloatStorage:
    pass


FloatStorage.__module__ = "torch"
torch_mod.FloatStorage = FloatStorage


class Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Tensor:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride = tuple(int(__import__("math").prod(self.shape[i + 1:])) for i in range(len(self.shape)))
        return (_rebuild_tensor_v2, (self.storage, 0, tuple(self.shape), stride, False, collections.OrderedDict()))


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None


def torch_bin(tensors):
    state = collections.OrderedDict()
    storages = {}
    for i, (name, (shape, values)) in enumerate(tensors.items()):
        s = Storage(str(i), len(values))
        storages[str(i)] = struct.pack("<%df" % len(values), *values)
        state[name] = Tensor(s, shape)
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(state)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        for key, raw in storages.items():
            z.writestr("archive/data/" + key, raw)
        z.writestr("archive/version", "3\n")
    return out.getvalue()


put("torch_bin", "two_tensors", torch_bin({"a.weight": ([2, 2], [1, 2, 3, 4]), "b.bias": ([3], [0.5, -1, 2])}))

for src, name in [("align-tiny/model/config.json", "tiny_config"), ("align-tiny/model/preprocessor_config.json", "tiny_preprocessor"),
                  ("align-base-config/config.json", "base_config"), ("align-base-config/preprocessor_config.json", "base_preprocessor")]:
    put("config", name, open(os.path.join(DATA, src), "rb").read())

cases = json.load(open(os.path.join(DATA, "tokenizer_cases.json")))
texts = [c["text"] if isinstance(c, dict) else c for c in (cases["cases"] if isinstance(cases, dict) and "cases" in cases else cases)]
for i, t in enumerate(texts[:40]):
    put("tokenizer", "case%02d" % i, t.encode("utf-8", "surrogatepass"))

for name in ["tiny.png", "palette.png", "rgba.png", "gray.png"]:
    put("image", name, open(os.path.join(DATA, "align-tiny/expected/images", name), "rb").read())
# Small JPEG (with EXIF orientation 6), progressive JPEG, CMYK JPEG, WebP, TIFF, BMP and GIF seeds were made
# once from tiny.png by OpenCV and libjpeg (tests/fuzz/corpus/image/small.*); they are kept as they are.


# The approximate search index (CompressedVectors::writeTo): magic, dim and count, each value's low end and
# step, ids, then half a byte a value (values [0, 4) in the low nibbles, [4, 8) in the high ones).
def compressed_vectors(dim, ids, codes):
    half = (dim + 1) // 2
    out = b"PSCV4\x01\x00\x00" + struct.pack("<qq", dim, len(ids))
    out += struct.pack("<%df" % dim, *([-0.5] * dim)) + struct.pack("<%df" % dim, *([1 / 15] * dim))
    out += struct.pack("<%dq" % len(ids), *ids)
    for row in codes:
        out += bytes((row[j] | (row[half + j] << 4)) if half + j < dim else row[j] for j in range(half))
    return out


put("vectors", "three", compressed_vectors(8, [1, 2, 3], [[0, 15, 7, 8, 1, 2, 3, 4], [15] * 8, [0] * 8]))
put("vectors", "empty", compressed_vectors(8, [], []))
