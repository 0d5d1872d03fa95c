#!/usr/bin/python3
"""Writes models/mobilenetv3/testdata/torchvision_goldens.json: the logits of torchvision's
mobilenet_v2, mobilenet_v3_large and mobilenet_v3_small (eval mode) on one input, with every weight,
batch norm statistic, gamma and beta drawn from a 32-bit LCG (internal/lcg: s = s*1103515245 + 12345
mod 2^32, u = s/2^32*2 - 1 in float64) that the Go test (models/mobilenetv3/torchvision_test.go)
draws again, so that only the input's seed and the logits are committed.

Run with Debian's python3-torchvision (torch 1.13, torchvision 0.14):
    /usr/bin/python3 scripts/torchvision_goldens.py
Draw order: the model's state_dict order (num_batches_tracked skipped), each tensor in torchvision's
own layout (OIHW, Linear [out, in]). Value of draw u for a tensor:
    4-D or 2-D weight: u * sqrt(6 / fan_in), fan_in = numel / shape[0] (He uniform)
    batch norm weight (gamma): 0.75 + 0.25 u;   running_var: 1 + 0.5 u
    batch norm bias (beta), running_mean, convolution or linear bias: 0.1 u
computed in float64, rounded once to float32. The input is NHWC, u for each element, seed 7.
"""
import json
import math
import sys

import torch
import torchvision

M, INC = 1103515245, 12345


class LCG:
    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s * M + INC) & 0xFFFFFFFF
        return self.s / 4294967296 * 2 - 1


def value(name, shape, u):
    if name.endswith("running_var"):
        return 1 + 0.5 * u
    if name.endswith("running_mean"):
        return 0.1 * u
    if len(shape) >= 2:
        fan_in = 1
        for d in shape[1:]:
            fan_in *= d
        return u * math.sqrt(6 / fan_in)
    if name.endswith("weight"):  # a 1-D weight is a batch norm's gamma
        return 0.75 + 0.25 * u
    return 0.1 * u


def fill(model, seed):
    r = LCG(seed)
    sd = model.state_dict()
    for name, t in sd.items():
        if name.endswith("num_batches_tracked"):
            continue
        vals = [value(name, tuple(t.shape), r.next()) for _ in range(t.numel())]
        t.copy_(torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(t.shape))
    model.load_state_dict(sd)


CASES = [
    # name, builder, alpha, resolution, classes, weight seed
    ("mobilenet_v2", torchvision.models.mobilenet_v2, 0.5, 64, 100, 1),
    ("mobilenet_v3_large", torchvision.models.mobilenet_v3_large, 1.0, 64, 100, 2),
    ("mobilenet_v3_small", torchvision.models.mobilenet_v3_small, 0.75, 67, 100, 3),
]
INPUT_SEED = 7


def main():
    out = {"torch": torch.__version__, "torchvision": torchvision.__version__,
           "command": "/usr/bin/python3 scripts/torchvision_goldens.py", "input_seed": INPUT_SEED, "cases": []}
    for name, build, alpha, res, classes, seed in CASES:
        model = build(width_mult=alpha, num_classes=classes).eval()
        fill(model, seed)
        r = LCG(INPUT_SEED)
        x = torch.tensor([r.next() for _ in range(res * res * 3)], dtype=torch.float64).to(torch.float32)
        x = x.reshape(1, res, res, 3).permute(0, 3, 1, 2).contiguous()
        with torch.no_grad():
            logits = model(x)[0]
        std = float(logits.std())
        print(f"{name} α {alpha} {res}×{res}: logits std {std:.4f}, max |logit| {float(logits.abs().max()):.4f}", file=sys.stderr)
        assert std >= 0.1, f"{name}: logits std {std} < 0.1"
        out["cases"].append({"model": name, "alpha": alpha, "resolution": res, "classes": classes, "weight_seed": seed,
                             "logits_std": std, "logits": [float(v) for v in logits]})
    with open("models/mobilenetv3/testdata/torchvision_goldens.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
