#!/usr/bin/env python3
"""Loads a minnow model file (Sequential.save / minnow train) into an equivalent PyTorch module.

The module takes and returns what minnow's model does: channels-last tensors (N, H, W, C) for
images, (N, features) otherwise. Inside, convolutions and pooling run in PyTorch's NCHW layout
with weights converted to it (docs/interop.md has the table); BatchNormalization becomes
nn.BatchNorm1d/2d with minnow's moving statistics, epsilon, and momentum 1 - minnow's. The module
is in eval mode, so BatchNormalization uses its running statistics, as minnow's predict does.

    scripts/to_pytorch.py MODEL.safetensors [--save MODULE.pt] [--check IO.safetensors]

--check reads tensors "x" and "y" (minnow's predictions for x) from a safetensors file, runs the
module on x and exits 1 if any output differs from y by more than --tolerance (default 1e-5).
Needs PyTorch (Debian: python3-torch) and numpy.
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


def read_safetensors(path):
    """The tensors (name -> numpy array) and the metadata of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + header_size])
    metadata = header.pop("__metadata__", {})
    data = blob[8 + header_size :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).copy()
    return tensors, metadata


def same_padding(size, kernel, stride):
    """Keras' "same": the output is ceil(size / stride); the extra row goes at the bottom/right."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class ChannelsLast(nn.Module):
    """Runs an NCHW module on NHWC input and returns NHWC, so layers keep minnow's layout."""

    def __init__(self, inner, kernel=None, strides=None, padding="valid", pad_value=0.0):
        super().__init__()
        self.inner = inner
        self.kernel, self.strides, self.padding, self.pad_value = kernel, strides, padding, pad_value

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        if self.padding == "same":
            top, bottom = same_padding(x.shape[2], self.kernel[0], self.strides[0])
            left, right = same_padding(x.shape[3], self.kernel[1], self.strides[1])
            x = F.pad(x, (left, right, top, bottom), value=self.pad_value)
        return self.inner(x).permute(0, 2, 3, 1)


class SameAveragePool(nn.Module):
    """Keras' AveragePooling2D with "same" padding: the mean over the window's real pixels only."""

    def __init__(self, kernel, strides):
        super().__init__()
        self.kernel, self.strides = kernel, strides

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        top, bottom = same_padding(x.shape[2], self.kernel[0], self.strides[0])
        left, right = same_padding(x.shape[3], self.kernel[1], self.strides[1])
        padded = F.pad(x, (left, right, top, bottom))
        ones = F.pad(torch.ones_like(x[:, :1]), (left, right, top, bottom))
        total = F.avg_pool2d(padded, self.kernel, self.strides, divisor_override=1)
        count = F.avg_pool2d(ones, self.kernel, self.strides, divisor_override=1)
        return (total / count).permute(0, 2, 3, 1)


class LastAxisBatchNorm(nn.Module):
    """nn.BatchNorm1d on (N, C) or (N, ..., C) input, normalizing the last axis as minnow does."""

    def __init__(self, bn):
        super().__init__()
        self.bn = bn

    def forward(self, x):
        if x.dim() == 2:
            return self.bn(x)
        moved = x.movedim(-1, 1)
        return self.bn(moved.reshape(moved.shape[0], moved.shape[1], -1)).reshape(moved.shape).movedim(1, -1)


class Rescale(nn.Module):
    def __init__(self, scale, offset):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x):
        return x * self.scale + self.offset

    def extra_repr(self):
        return f"x * {self.scale} + {self.offset}"


class ZeroPad(nn.Module):
    """ZeroPadding2D on NHWC: rows (top, bottom) and columns (left, right)."""

    def __init__(self, top, bottom, left, right):
        super().__init__()
        self.pads = (0, 0, left, right, top, bottom)

    def forward(self, x):
        return F.pad(x, self.pads)


class GlobalPool(nn.Module):
    """The mean or max over H and W of NHWC input."""

    def __init__(self, kind, keepdims):
        super().__init__()
        self.kind, self.keepdims = kind, keepdims

    def forward(self, x):
        if self.kind == "mean":
            return x.mean(dim=(1, 2), keepdim=self.keepdims)
        return x.amax(dim=(1, 2), keepdim=self.keepdims)


class Reshape(nn.Module):
    def __init__(self, target):
        super().__init__()
        self.target = tuple(target)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.target)


def activation(name):
    modules = {
        "linear": None,
        "relu": nn.ReLU(),
        "sigmoid": nn.Sigmoid(),
        "tanh": nn.Tanh(),
        "softmax": nn.Softmax(dim=-1),
        "leaky_relu": nn.LeakyReLU(0.2),  # Keras' default negative_slope
        "elu": nn.ELU(1.0),
        "gelu": nn.GELU(),  # exact, as Keras' default
        "swish": nn.SiLU(),
        "silu": nn.SiLU(),
    }
    if name not in modules:
        raise ValueError(f"activation '{name}' has no PyTorch equivalent here")
    return modules[name]


def pair(value):
    return tuple(value) if isinstance(value, list) else (value, value)


def param(array):
    return nn.Parameter(torch.from_numpy(np.ascontiguousarray(array)))


def convert_layer(class_name, config, weights, modules):
    """Appends the PyTorch modules for one minnow layer; `weights(name)` returns its tensors."""
    name = config.get("name", class_name)
    if class_name == "InputLayer":
        return
    if class_name == "Sequential":
        for layer in config["layers"]:
            convert_layer(layer["class_name"], layer["config"], weights, modules)
        return
    if class_name == "Dense":
        kernel = weights(f"{name}/kernel")  # (in, out); PyTorch's Linear holds (out, in)
        linear = nn.Linear(kernel.shape[0], kernel.shape[1], bias=config.get("use_bias", True))
        linear.weight = param(kernel.T)
        if config.get("use_bias", True):
            linear.bias = param(weights(f"{name}/bias"))
        modules.append(linear)
    elif class_name == "Conv2D":
        kernel = weights(f"{name}/kernel")  # HWIO; PyTorch's Conv2d holds OIHW
        size, strides = pair(config["kernel_size"]), pair(config.get("strides", [1, 1]))
        conv = nn.Conv2d(kernel.shape[2], kernel.shape[3], size, strides, bias=config.get("use_bias", True))
        conv.weight = param(kernel.transpose(3, 2, 0, 1))
        if config.get("use_bias", True):
            conv.bias = param(weights(f"{name}/bias"))
        modules.append(ChannelsLast(conv, size, strides, config.get("padding", "valid")))
    elif class_name == "BatchNormalization":
        mean = weights(f"{name}/moving_mean")
        bn = nn.BatchNorm1d(mean.shape[0], eps=config["epsilon"], momentum=1.0 - config["momentum"],
                            affine=True)
        bn.running_mean.copy_(torch.from_numpy(mean))
        bn.running_var.copy_(torch.from_numpy(weights(f"{name}/moving_variance")))
        with torch.no_grad():
            bn.weight.copy_(torch.from_numpy(weights(f"{name}/gamma")) if config.get("scale", True) else 1.0)
            bn.bias.copy_(torch.from_numpy(weights(f"{name}/beta")) if config.get("center", True) else 0.0)
        if not config.get("scale", True):
            bn.weight.requires_grad_(False)
        if not config.get("center", True):
            bn.bias.requires_grad_(False)
        modules.append(LastAxisBatchNorm(bn))
    elif class_name == "LayerNormalization":
        gamma = weights(f"{name}/gamma") if config.get("scale", True) else None
        beta = weights(f"{name}/beta") if config.get("center", True) else None
        width = (gamma if gamma is not None else beta).shape[0]
        ln = nn.LayerNorm(width, eps=config["epsilon"])
        with torch.no_grad():
            if gamma is not None:
                ln.weight.copy_(torch.from_numpy(gamma))
            if beta is not None:
                ln.bias.copy_(torch.from_numpy(beta))
        modules.append(ln)
    elif class_name == "Activation":
        pass
    elif class_name in ("MaxPooling2D", "AveragePooling2D"):
        size = pair(config["pool_size"])
        strides = pair(config["strides"]) if config.get("strides") else size
        padding = config.get("padding", "valid")
        if class_name == "MaxPooling2D":
            modules.append(ChannelsLast(nn.MaxPool2d(size, strides), size, strides, padding, float("-inf")))
        elif padding == "same":
            modules.append(SameAveragePool(size, strides))
        else:
            modules.append(ChannelsLast(nn.AvgPool2d(size, strides)))
    elif class_name in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        kind = "mean" if class_name == "GlobalAveragePooling2D" else "max"
        modules.append(GlobalPool(kind, config.get("keepdims", False)))
    elif class_name == "Flatten":
        modules.append(nn.Flatten())  # of NHWC tensors: minnow's (channels-last) order
    elif class_name == "Reshape":
        modules.append(Reshape(config["target_shape"]))
    elif class_name == "ZeroPadding2D":
        (top, bottom), (left, right) = config["padding"]
        modules.append(ZeroPad(top, bottom, left, right))
    elif class_name == "Rescaling":
        modules.append(Rescale(config["scale"], config.get("offset", 0.0)))
    elif class_name == "Dropout":
        modules.append(nn.Dropout(config["rate"]))
    else:
        raise ValueError(f"layer '{name}': {class_name} has no PyTorch equivalent in this script")
    act = config.get("activation")
    if act and activation(act) is not None:
        modules.append(activation(act))


def load(path):
    """The PyTorch module (eval mode) equivalent to the minnow model saved at `path`."""
    tensors, metadata = read_safetensors(path)
    if "minnow.architecture" not in metadata:
        raise ValueError(f"{path}: holds no minnow architecture (saved with save_weights?)")
    architecture = json.loads(metadata["minnow.architecture"])
    used = set()

    def weights(name):
        if name not in tensors:
            raise ValueError(f"{path}: no tensor '{name}'")
        used.add(name)
        return tensors[name]

    modules = []
    convert_layer(architecture["class_name"], architecture["config"], weights, modules)
    unused = [n for n in tensors if n not in used and not n.startswith("optimizer/")]
    if unused:
        raise ValueError(f"{path}: tensors the conversion did not use: {unused}")
    return nn.Sequential(*modules).eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--save", help="write the module with torch.save")
    parser.add_argument("--check", help="safetensors file with x and minnow's outputs y")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    module = load(args.model)
    print(module)
    if args.save:
        torch.save(module, args.save)
        print(f"saved {args.save}")
    if args.check:
        io, _ = read_safetensors(args.check)
        with torch.no_grad():
            out = module(torch.from_numpy(io["x"])).numpy()
        worst = float(np.max(np.abs(out - io["y"])))
        print(f"largest difference from minnow's outputs: {worst:.3g} over {out.size} values")
        if out.shape != io["y"].shape or worst > args.tolerance:
            print(f"FAILED: shapes {out.shape} vs {io['y'].shape}, tolerance {args.tolerance}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
