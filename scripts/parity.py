#!/usr/bin/env python3
"""Numerical parity check: `funnel forward` against the PyTorch reference models.

For every (model, activation, mode) combination this script

1. builds the reference model from `peers/torch_models.py` with a fixed torch seed and
   perturbs everything that a fresh init leaves trivial: BatchNorm weight/bias/running stats,
   PReLU slopes, the FReLU depthwise conv + BN, DY-ReLU's fc layers (so no branch is zero and
   the BN scale/shift and eval-mode running statistics actually matter);
2. makes a small batch `x` (N,3,32,32) with labels `y`;
3. saves the state_dict (`weights.safetensors`, PyTorch names, including `num_batches_tracked`
   and DY-ReLU's constant buffers) and the batch (`input.safetensors`), and runs
       funnel forward --model M --act A --weights W --input X --mode MODE --backward \
                      --threads 1 --output O
4. runs the same forward + mean cross-entropy + `loss.backward()` in PyTorch, in float64 (so the
   reference itself carries no float32 rounding; the weights/inputs given to both sides are the
   same float32 values), capturing the BN running statistics after the forward in train mode;
5. compares every tensor: `logits`, `loss`, every `grad.<param>` and every
   `after_train.<bn>.running_mean/var`; a missing or extra tensor is a failure.

Error measure (per tensor, with `a` = Funnel, `b` = PyTorch):

    err = max_i |a_i - b_i| / max(|b_i|, 1e-3 * max_j |b_j|)

i.e. the element-wise relative error, except that elements much smaller than the tensor's
largest element are measured relative to 1/1000 of that largest element (so a gradient entry
that happens to be ~0 by cancellation does not blow up the ratio, yet an error in a small but
non-negligible element is still caught).  A tensor group's error is the max over its tensors.
The check FAILS (exit status 1) if any error exceeds `--tol` (default 1e-4).

For context the table also shows `t32`: the same measure for PyTorch *float32* against the
float64 reference (worst over all tensors), i.e. the rounding noise floor a correct float32
implementation can be expected to sit near.

Usage (from the repository root):
    python scripts/parity.py [--funnel .build/release/funnel] [--quick] [--acts relu,frelu]
                             [--modes eval,train] [--tol 1e-4] [--keep DIR] [--verbose]

Needs torch, numpy and safetensors.  `--quick` checks resnet20 only.
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.numpy import load_file
from safetensors.torch import save_file

REPO = Path(__file__).resolve().parent.parent
ACTS = ["relu", "prelu", "swish", "mish", "gelu", "frelu", "dyrelu_b"]
MODELS = ["resnet20", "resnet18"]
MODES = ["eval", "train"]
BATCH = {"resnet20": 4, "resnet18": 2}


def load_reference(path):
    """Imports peers/torch_models.py from an explicit path."""
    spec = importlib.util.spec_from_file_location("torch_models", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def default_reference():
    for p in [REPO / "peers" / "torch_models.py", REPO / "shared" / "peers" / "torch_models.py",
              REPO.parent / "shared" / "peers" / "torch_models.py"]:
        if p.exists():
            return p
    return REPO / "peers" / "torch_models.py"


def perturb(model, g):
    """Moves everything a fresh init leaves trivial to small random values (generator `g`)."""
    def rnd(t, scale):
        return torch.randn(t.shape, generator=g, dtype=t.dtype) * scale

    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + rnd(m.weight, 0.2))
                m.bias.copy_(rnd(m.bias, 0.1))
                m.running_mean.copy_(rnd(m.running_mean, 0.1))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)  # U(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(0.25 + rnd(m.weight, 0.1))
            elif type(m).__name__ == "FReLU":
                # conv_frelu is randomly initialised already; give the bias some weight too.
                m.conv_frelu.bias.copy_(rnd(m.conv_frelu.bias, 0.1))
            elif type(m).__name__ == "DyReLUB":
                # Larger fc weights than the default init so the coefficients are far from init_v.
                m.fc1.weight.mul_(2.0); m.fc1.bias.copy_(rnd(m.fc1.bias, 0.2))
                m.fc2.weight.mul_(2.0); m.fc2.bias.copy_(rnd(m.fc2.bias, 0.3))


def rel_err(a, b):
    """max_i |a_i-b_i| / max(|b_i|, 1e-3 max|b|); see the module docstring."""
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        return float("inf")
    if b.size == 0:
        return 0.0
    scale = np.abs(b).max()
    den = np.maximum(np.abs(b), max(1e-3 * scale, 1e-30))
    return float((np.abs(a - b) / den).max())


def torch_reference(tm, model_name, act, mode, seed, dtype):
    """Builds the perturbed model and runs forward/backward; returns (state_dict, x, y, results)."""
    torch.manual_seed(seed)
    model = getattr(tm, model_name)(act)
    g = torch.Generator().manual_seed(seed + 1)
    perturb(model, g)
    n = BATCH[model_name]
    x = torch.randn(n, 3, 32, 32, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}

    model = model.to(dtype)
    model.train() if mode == "train" else model.eval()
    logits = model(x.to(dtype))
    loss = F.cross_entropy(logits, y)
    loss.backward()
    res = {"logits": logits.detach(), "loss": loss.detach().reshape(1)}
    for name, p in model.named_parameters():
        res["grad." + name] = p.grad.detach()
    if mode == "train":
        for name, b in model.named_buffers():
            if name.endswith("running_mean") or name.endswith("running_var"):
                res["after_train." + name] = b.detach()
    return state, x, y, {k: v.double().numpy() for k, v in res.items()}


def group(name):
    if name in ("logits", "loss"):
        return name
    if name.startswith("grad."):
        return "grad"
    if name.startswith("after_train."):
        return "bn"
    return "other"


def check_one(args, tm, model_name, act, mode, workdir):
    ref_state, x, y, ref = torch_reference(tm, model_name, act, mode, args.seed, torch.float64)
    _, _, _, ref32 = torch_reference(tm, model_name, act, mode, args.seed, torch.float32)

    tag = f"{model_name}_{act}_{mode}"
    wpath, ipath, opath = (workdir / f"{tag}_{s}.safetensors" for s in ("weights", "input", "out"))
    save_file(ref_state, str(wpath))
    save_file({"x": x.contiguous(), "y": y.to(torch.int64).contiguous()}, str(ipath))
    cmd = [args.funnel, "forward", "--model", model_name, "--act", act, "--weights", str(wpath),
           "--input", str(ipath), "--mode", mode, "--backward", "--threads", "1", "--output", str(opath)]
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.time() - t0
    if proc.returncode != 0:
        return {"error": f"funnel exited {proc.returncode}: {proc.stderr.strip()[-500:]}", "time": dt}
    out = load_file(str(opath))

    errs, problems = {}, []
    for name, b in ref.items():
        if name not in out:
            problems.append(f"missing {name}")
            errs[name] = float("inf")
            continue
        if tuple(out[name].shape) != tuple(b.shape):
            problems.append(f"{name}: shape {tuple(out[name].shape)} vs torch {tuple(b.shape)}")
            errs[name] = float("inf")
            continue
        errs[name] = rel_err(out[name], b)
    for name in out:
        if name not in ref:
            # Extra outputs: num_batches_tracked / constant buffers are fine if they agree with torch.
            if name.startswith("after_train."):
                continue
            problems.append(f"extra {name}")
    noise = max(rel_err(ref32[k], ref[k]) for k in ref)

    by_group = {}
    for name, e in errs.items():
        gname = group(name)
        if gname not in by_group or e > by_group[gname][0]:
            by_group[gname] = (e, name)
    worst = max(errs.values())
    return {"groups": by_group, "errs": errs, "problems": problems, "noise": noise,
            "ok": worst <= args.tol and not problems, "time": dt}


def fmt(e):
    return "   -    " if e is None else ("   inf  " if e == float("inf") else f"{e:8.1e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--funnel", default=str(REPO / ".build" / "release" / "funnel"), help="funnel binary")
    ap.add_argument("--reference", default=str(default_reference()), help="path of torch_models.py")
    ap.add_argument("--quick", action="store_true", help="resnet20 only")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--acts", default=",".join(ACTS))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--tol", type=float, default=1e-4, help="max allowed relative error")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", metavar="DIR", help="keep the safetensors files in DIR")
    ap.add_argument("--verbose", action="store_true", help="print every tensor's error")
    args = ap.parse_args()

    torch.set_num_threads(1)
    if not Path(args.funnel).exists():
        sys.exit(f"funnel binary not found: {args.funnel}")
    tm = load_reference(args.reference)
    models = ["resnet20"] if args.quick else args.models.split(",")

    if args.keep:
        workdir = Path(args.keep); workdir.mkdir(parents=True, exist_ok=True); tmp = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="funnel-parity-"); workdir = Path(tmp.name)

    print(f"funnel: {args.funnel}\nreference: {args.reference} (torch {torch.__version__}, float64)\n"
          f"tolerance: {args.tol:g} (max |a-b| / max(|b|, 1e-3 max|b|))\n")
    header = (f"{'model':9} {'act':9} {'mode':5} {'logits':>8} {'loss':>8} {'grad':>8}  {'worst grad tensor':40}"
              f" {'bn stats':>8} {'t32':>8} {'sec':>5}  result")
    print(header); print("-" * len(header))
    failures = 0
    for model_name in models:
        for act in args.acts.split(","):
            for mode in args.modes.split(","):
                r = check_one(args, tm, model_name, act, mode, workdir)
                if "error" in r:
                    failures += 1
                    print(f"{model_name:9} {act:9} {mode:5} ERROR  {r['error']}")
                    continue
                gr = r["groups"]
                get = lambda k: gr[k][0] if k in gr else None
                gname = gr["grad"][1][len("grad."):] if "grad" in gr else "-"
                status = "PASS" if r["ok"] else "FAIL"
                failures += not r["ok"]
                print(f"{model_name:9} {act:9} {mode:5} {fmt(get('logits'))} {fmt(get('loss'))} {fmt(get('grad'))}"
                      f"  {gname:40} {fmt(get('bn'))} {fmt(r['noise'])} {r['time']:5.1f}  {status}", flush=True)
                for p in r["problems"][:10]:
                    print(f"    ! {p}")
                if args.verbose or not r["ok"]:
                    bad = sorted(((e, n) for n, e in r["errs"].items() if args.verbose or e > args.tol), reverse=True)
                    for e, n in bad[: (None if args.verbose else 8)]:
                        print(f"    {n:55} {fmt(e)}")
    print(f"\n{'FAIL' if failures else 'PASS'}: {failures} failing combination(s)")
    if tmp:
        tmp.cleanup()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
