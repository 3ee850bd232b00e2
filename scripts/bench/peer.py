#!/usr/bin/python3
"""The Hugging Face eager peer, side by side on this machine: ALIGN's image half in PyTorch eager mode.

What a person indexing with the reference would run per photo: Pillow decodes it and converts it to RGB,
EfficientNetImageProcessor resizes it to 346x346 (bilinear), crops the middle 289x289 and rescales it to
(x - 127.5) / 127.5, and AlignModel.get_image_features embeds it (batch 1, no gradients, the modules as
transformers 4.27 builds them: convolution, batch norm, swish, squeeze-excitation, average pooling).
transformers itself is not in Debian's archive, so the same modules are built here from torch.nn with the
checkpoint's names and weights; `--check FIXTURE` proves they compute what transformers computed (the
fixture's image_embeds_raw, within 1e-4 * (1 + |reference|)).

Favouring the peer: only the image half's weights are read (transformers' AlignModel reads the text half
too), and the import of transformers (seconds) is not paid. The photos are embedded, not stored.

  python3 scripts/bench/peer.py MODEL_DIR PHOTOS_DIR [--threads N] [--check FIXTURE_EXPECTED_DIR]
Prints one JSON line: photos, seconds for import, model load, decoding and embedding, and images/s (all
of it, and the model alone).
"""
import argparse
import json
import math
import os
import struct
import sys
import time

T0 = time.monotonic()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch import nn  # noqa: E402

IMPORTED = time.monotonic()

# AlignVisionConfig's defaults (transformers 4.27), for keys a saved config.json leaves out.
VISION_DEFAULTS = {
    "num_channels": 3, "image_size": 600, "width_coefficient": 2.0, "depth_coefficient": 3.1,
    "depth_divisor": 8, "kernel_sizes": [3, 3, 5, 3, 5, 5, 3], "in_channels": [32, 16, 24, 40, 80, 112, 192],
    "out_channels": [16, 24, 40, 80, 112, 192, 320], "depthwise_padding": [], "strides": [1, 2, 2, 2, 1, 2, 1],
    "num_block_repeats": [1, 2, 2, 3, 3, 4, 1], "expand_ratios": [1, 6, 6, 6, 6, 6, 6],
    "squeeze_expansion_ratio": 0.25, "hidden_act": "swish", "hidden_dim": 2560, "pooling_type": "mean",
    "batch_norm_eps": 1e-3, "batch_norm_momentum": 0.99,
}


def round_filters(c, channels):
    divisor = c["depth_divisor"]
    channels *= c["width_coefficient"]
    new_dim = max(divisor, int(channels + divisor / 2) // divisor * divisor)
    if new_dim < 0.9 * channels:
        new_dim += divisor
    return int(new_dim)


def correct_pad(kernel, adjust):
    k = kernel // 2
    return (k - 1, k, k - 1, k) if adjust else (k, k, k, k)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        out = round_filters(c, 32)
        self.padding = nn.ZeroPad2d((0, 1, 0, 1))
        self.convolution = nn.Conv2d(c["num_channels"], out, 3, stride=2, padding="valid", bias=False)
        self.batchnorm = nn.BatchNorm2d(out, eps=c["batch_norm_eps"], momentum=c["batch_norm_momentum"])

    def forward(self, x):
        return nn.functional.silu(self.batchnorm(self.convolution(self.padding(x))))


class Expansion(nn.Module):
    def __init__(self, c, in_dim, out_dim):
        super().__init__()
        self.expand_conv = nn.Conv2d(in_dim, out_dim, 1, padding="same", bias=False)
        self.expand_bn = nn.BatchNorm2d(out_dim, eps=c["batch_norm_eps"])

    def forward(self, x):
        return nn.functional.silu(self.expand_bn(self.expand_conv(x)))


class Depthwise(nn.Module):
    def __init__(self, c, dim, stride, kernel, adjust):
        super().__init__()
        self.stride = stride
        self.depthwise_conv_pad = nn.ZeroPad2d(correct_pad(kernel, adjust))
        self.depthwise_conv = nn.Conv2d(dim, dim, kernel, stride=stride,
                                        padding="valid" if stride == 2 else "same", groups=dim, bias=False)
        self.depthwise_norm = nn.BatchNorm2d(dim, eps=c["batch_norm_eps"], momentum=c["batch_norm_momentum"])

    def forward(self, x):
        if self.stride == 2:
            x = self.depthwise_conv_pad(x)
        return nn.functional.silu(self.depthwise_norm(self.depthwise_conv(x)))


class SqueezeExcite(nn.Module):
    def __init__(self, in_dim, dim, ratio):
        super().__init__()
        se = max(1, int(in_dim * ratio))
        self.squeeze = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(dim, se, 1, padding="same")
        self.expand = nn.Conv2d(se, dim, 1, padding="same")

    def forward(self, x):
        s = torch.sigmoid(self.expand(nn.functional.silu(self.reduce(self.squeeze(x)))))
        return x * s


class Projection(nn.Module):
    def __init__(self, c, in_dim, out_dim, residual):
        super().__init__()
        self.residual = residual
        self.project_conv = nn.Conv2d(in_dim, out_dim, 1, padding="same", bias=False)
        self.project_bn = nn.BatchNorm2d(out_dim, eps=c["batch_norm_eps"], momentum=c["batch_norm_momentum"])

    def forward(self, x, skip):
        x = self.project_bn(self.project_conv(x))
        return x + skip if self.residual else x


class Block(nn.Module):
    def __init__(self, c, in_dim, out_dim, stride, expand_ratio, kernel, id_skip, adjust):
        super().__init__()
        dim = in_dim * expand_ratio
        self.expand = expand_ratio != 1
        if self.expand:
            self.expansion = Expansion(c, in_dim, dim)
        self.depthwise_conv = Depthwise(c, dim if self.expand else in_dim, stride, kernel, adjust)
        self.squeeze_excite = SqueezeExcite(in_dim, dim if self.expand else in_dim, c["squeeze_expansion_ratio"])
        self.projection = Projection(c, dim if self.expand else in_dim, out_dim, stride == 1 and not id_skip)

    def forward(self, x):
        h = self.expansion(x) if self.expand else x
        h = self.squeeze_excite(self.depthwise_conv(h))
        return self.projection(h, x)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        blocks = []
        for i in range(len(c["in_channels"])):
            in_dim, out_dim = round_filters(c, c["in_channels"][i]), round_filters(c, c["out_channels"][i])
            for j in range(int(math.ceil(c["depth_coefficient"] * c["num_block_repeats"][i]))):
                adjust = len(blocks) not in c["depthwise_padding"]
                blocks.append(Block(c, out_dim if j else in_dim, out_dim, 1 if j else c["strides"][i],
                                    c["expand_ratios"][i], c["kernel_sizes"][i], j == 0, adjust))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


class VisionModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.pooler = nn.AvgPool2d(c["hidden_dim"], ceil_mode=True)

    def forward(self, pixel_values):
        x = self.pooler(self.encoder(self.embeddings(pixel_values)))
        return x.reshape(x.shape[:2])


def read_safetensors(path, prefix):
    """The tensors whose names start with `prefix` (without it), from a safetensors file."""
    dtypes = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
        out = {}
        for name, h in header.items():
            if name == "__metadata__" or not name.startswith(prefix):
                continue
            begin, end = h["data_offsets"]
            array = np.frombuffer(data[begin:end], dtype=dtypes[h["dtype"]]).reshape(h["shape"])
            out[name[len(prefix):]] = torch.from_numpy(array.astype(np.float32))
        return out


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = dict(VISION_DEFAULTS, **json.load(f).get("vision_config", {}))
    model = VisionModel(c)
    weights = read_safetensors(os.path.join(model_dir, "model.safetensors"), "vision_model.")
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit(f"weights do not fit: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return model.eval()


def pixel_values(path):
    """EfficientNetImageProcessor with align-base's preprocessor_config.json."""
    image = Image.open(path).convert("RGB").resize((346, 346), resample=Image.BILINEAR)
    top = (346 - 289) // 2
    left = (346 - 289) // 2
    array = np.asarray(image, dtype=np.float32)[top:top + 289, left:left + 289]
    array = array * np.float32(1 / 127.5) - 1
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]


def check(model, expected_dir):
    """The fixture's images embed as transformers embedded them."""
    with open(os.path.join(expected_dir, "cases.json")) as f:
        images = json.load(f)["images"]
    reference = read_safetensors(os.path.join(expected_dir, "expected.safetensors"), "")["image_embeds_raw"]
    with torch.no_grad():
        ours = torch.cat([model(pixel_values(os.path.join(expected_dir, "images", name))) for name in images])
    worst = float(((ours - reference).abs() / (1 + reference.abs())).max())
    if worst > 1e-4:
        sys.exit(f"the peer does not compute ALIGN: relative error {worst:.3g} against the fixture")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("photos", nargs="?")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: PyTorch's default)")
    parser.add_argument("--check", metavar="EXPECTED_DIR", help="compare with a fixture's expected outputs")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    start = time.monotonic()
    model = load_model(args.model)
    loaded = time.monotonic()
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "import_s": round(IMPORTED - T0, 3),
              "load_model_s": round(loaded - start, 3)}
    if args.check:
        result["fixture_max_relative_error"] = check(model, args.check)
    if args.photos:
        names = sorted(n for n in os.listdir(args.photos) if n.lower().endswith((".jpg", ".jpeg", ".png")))
        embed_start = time.monotonic()
        decode_s = 0.0
        with torch.no_grad():
            for name in names:
                t = time.monotonic()
                pixels = pixel_values(os.path.join(args.photos, name))
                decode_s += time.monotonic() - t
                v = model(pixels)
                v = v / v.norm(dim=-1, keepdim=True)
        embed_s = time.monotonic() - embed_start
        result.update({"photos": len(names), "embed_s": round(embed_s, 3),
                       "images_per_s": round(len(names) / embed_s, 2), "decode_s": round(decode_s, 3),
                       "model_images_per_s": round(len(names) / (embed_s - decode_s), 2)})
    result["since_start_s"] = round(time.monotonic() - T0, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
