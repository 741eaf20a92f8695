#!/usr/bin/env python3
"""Numerical parity check: `funnel forward` against the PyTorch reference models.

For every (model, activation, mode) combination this script

1. builds the reference model from `peers/torch_models.py` (the bottleneck ResNets, which that
   file lacks, from its activations and `Bottleneck` below) with a fixed torch seed and moves
   everything a fresh init leaves trivial away from it: BatchNorm weight/bias/running stats,
   PReLU slopes, the FReLU conv bias, DY-ReLU's fc layers (so no branch is trivially zero and
   the BN affine and eval-mode running statistics actually matter);
2. makes a small batch `x` (N,3,32,32; N=4 for resnet20 and resnet29_bottleneck, 2 for resnet18,
   8 for resnet50) with labels `y`;
3. saves the state_dict (`weights`, PyTorch names, including `num_batches_tracked` and DY-ReLU's
   constant buffers) and the batch (`input`), and runs
       funnel forward --model M --act A --weights W --input X --mode MODE --backward \\
                      --threads 1 --output O
4. runs the same forward + mean cross-entropy + `loss.backward()` in PyTorch in float64 (the
   float32 weights and inputs given to both sides are identical; the float64 reference carries
   no rounding noise of its own), in train mode reading the BN running statistics afterwards;
5. compares every tensor: `logits`, `loss`, every `grad.<param>` and every
   `after_train.<bn>.running_mean/var`.  A missing tensor, or an unexpected extra one, fails.

Error measure.  Per tensor, with `a` = Funnel and `b` = PyTorch,

    err = max_i |a_i - b_i| / max( max_i |b_i| , 0.01 * G )

where G is the largest |b| over the tensor's group (all gradients; all BN statistics), i.e. the
error relative to the tensor's own scale, and relative to 1% of the group's scale for tensors
that are (nearly) zero -- e.g. the gradient of a conv bias followed by train-mode BN, which is
exactly 0 in exact arithmetic.  A group's error is the max over its tensors.  The check FAILS
(exit 1) if any error exceeds `--tol` (default 1e-4).  A purely element-wise relative error is
not usable at that tolerance: gradient entries that nearly cancel carry float32 rounding errors
of 1e-3 relative or more even in PyTorch's own float32 result.  The `t32` column shows PyTorch
float32 vs the float64 reference under the same measure (and kink treatment, below): the
noise floor of a correct float32 implementation.

Kinks.  ReLU, PReLU, FReLU (max(x, T(x))) and DY-ReLU (max of two lines, plus a ReLU in its
coefficient branch) are not differentiable at their switching points.  With ~10^6 activation
inputs some lie within float32 rounding distance (~1e-7..1e-5) of a switching point, and a
float32 implementation may legitimately take the other side there: the forward agrees, but the
gradients then differ by O(1e-2).  When a check fails only in the gradients / BN statistics,
the script looks for such near-kink elements (distance below 10x the float32 rounding error that
PyTorch float32 shows in that channel), re-runs the float64 reference with each of them switched
to the other side, greedily picks the switches that explain the difference, and re-checks against
the reference with those switches applied.  The `flips` column reports how many were used (and
PASS is then only reported if the re-check is within tolerance).  It is 0 for the smooth
activations; one or two switches, each well inside the float32 noise, are common for the
piecewise-linear ones (PyTorch float32 itself switches some of the same elements).  The search
only runs when logits and loss agree, so it cannot hide a forward mismatch; `--no-kinks` turns
it off.

Usage (from the repository root):
    python scripts/parity.py [--funnel .build/release/funnel] [--quick] [--acts relu,frelu]
                             [--modes eval,train] [--tol 1e-4] [--seed 0] [--keep DIR]
                             [--reference peers/torch_models.py] [--no-kinks] [--verbose]

Needs torch, numpy and safetensors.  `--quick` checks resnet20 only.  `--models resnet50` checks
ResNet-50 (not in the default list: ~4 min); with the smooth activations it passes in both modes,
while in train mode ReLU and FReLU have more near-kink elements than the search can switch (PyTorch's
own float32 gradients are then 5e-2 off float64, the `t32` column), so those rows are noise-bound.
"""
import argparse
import copy
import importlib.util
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
MODELS = ["resnet20", "resnet18", "resnet29_bottleneck"]
MODES = ["eval", "train"]
BATCH = {"resnet20": 4, "resnet18": 2, "resnet29_bottleneck": 4, "resnet50": 8}
KINK_FACTOR = 10      # near-kink: distance < KINK_FACTOR x float32 rounding error in that channel
MAX_CANDIDATES = 32   # near-kink elements tried per failing check
MAX_FLIPS = 8


# ----------------------------------------------------------------------------------------------
# Reference model


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


class Bottleneck(nn.Module):
    """The bottleneck block the reference file lacks, with Funnel's names: 1x1 reduce, 3x3 (with
    the stride), 1x1 expand x4, each with BN; activations act1, act2 after the inner convs and act3
    after the addition; projection `shortcut` when the shape changes."""
    expansion = 4

    def __init__(self, tm, inp, planes, stride, act):
        super().__init__()
        out = planes * self.expansion
        self.conv1 = nn.Conv2d(inp, planes, 1, bias=False); self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = tm.make_act(act, planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False); self.bn2 = nn.BatchNorm2d(planes)
        self.act2 = tm.make_act(act, planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False); self.bn3 = nn.BatchNorm2d(out)
        self.act3 = tm.make_act(act, out)
        self.shortcut = nn.Sequential()
        if stride != 1 or inp != out:
            self.shortcut = nn.Sequential(nn.Conv2d(inp, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.act2(self.bn2(self.conv2(out)))
        return self.act3(self.bn3(self.conv3(out)) + self.shortcut(x))


class BottleneckResNet(nn.Module):
    """CIFAR ResNet of bottleneck blocks (3x3 stem, stride 1), named as `torch_models.ResNet18`."""

    def __init__(self, tm, act, blocks, widths, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False); self.bn1 = nn.BatchNorm2d(widths[0])
        self.act1 = tm.make_act(act, widths[0])
        layers, inp = [], widths[0]
        for i, (n, w) in enumerate(zip(blocks, widths)):
            seq = []
            for j in range(n):
                seq.append(Bottleneck(tm, inp, w, 2 if i > 0 and j == 0 else 1, act)); inp = w * Bottleneck.expansion
            layers.append(nn.Sequential(*seq))
        for i, layer in enumerate(layers):
            setattr(self, f"layer{i + 1}", layer)
        self.stages = len(layers)
        self.linear = nn.Linear(inp, num_classes)

    def forward(self, x):
        out = self.act1(self.bn1(self.conv1(x)))
        for i in range(self.stages):
            out = getattr(self, f"layer{i + 1}")(out)
        return self.linear(F.adaptive_avg_pool2d(out, 1).flatten(1))


BOTTLENECK_MODELS = {"resnet29_bottleneck": ((3, 3, 3), (16, 32, 64)), "resnet50": ((3, 4, 6, 3), (64, 128, 256, 512))}


def build_reference(tm, model_name, act):
    """The reference file's model, or one of the bottleneck ResNets built from its activations."""
    if model_name in BOTTLENECK_MODELS:
        return BottleneckResNet(tm, act, *BOTTLENECK_MODELS[model_name])
    return getattr(tm, model_name)(act)


def perturb(model, g):
    """Moves everything a fresh init leaves trivial to small random values (generator `g`)."""
    def rnd(t, scale):
        return torch.randn(t.shape, generator=g, dtype=t.dtype) * scale

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + rnd(m.weight, 0.2))
                m.bias.copy_(rnd(m.bias, 0.1))
                m.running_mean.copy_(rnd(m.running_mean, 0.1))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)  # U(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(0.25 + rnd(m.weight, 0.1))
            elif type(m).__name__ == "FReLU":
                m.conv_frelu.bias.copy_(rnd(m.conv_frelu.bias, 0.1))  # weight: random init already
            elif type(m).__name__ == "DyReLUB":
                # Larger fc weights than the default init so the coefficients move well off init_v.
                m.fc1.weight.mul_(2.0); m.fc1.bias.copy_(rnd(m.fc1.bias, 0.2))
                m.fc2.weight.mul_(2.0); m.fc2.bias.copy_(rnd(m.fc2.bias, 0.3))


def make_case(tm, model_name, act, seed):
    """The perturbed float32 model, its state_dict, and a batch (x, y)."""
    torch.manual_seed(seed)
    model = build_reference(tm, model_name, act)
    g = torch.Generator().manual_seed(seed + 1)
    perturb(model, g)
    n = BATCH[model_name]
    x = torch.randn(n, 3, 32, 32, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    return model, state, x, y


class Kinks:
    """Forward hooks on the non-differentiable activations of a model.

    Records, per activation (key), the signed distance `d` from the switching point of every
    element (the branch taken is `d > 0`), and optionally forces chosen elements to the other
    branch: `flips` maps key -> flat indices into that key's `d`.
    """

    def __init__(self, model, flips=None):
        self.d, self.flips, self.handles, self.t = {}, flips or {}, [], {}
        for name, m in model.named_modules():
            if isinstance(m, (nn.ReLU, nn.PReLU)):
                self.handles.append(m.register_forward_hook(self._relu(name)))
            elif type(m).__name__ == "FReLU":
                self.handles.append(m.bn_frelu.register_forward_hook(self._save_t(m)))
                self.handles.append(m.register_forward_hook(self._frelu(name)))
            elif type(m).__name__ == "DyReLUB":
                assert m.k == 2, "kink handling written for DY-ReLU with k=2"
                self.handles.append(m.register_forward_hook(self._dyrelu(name)))

    def close(self):
        for h in self.handles:
            h.remove()

    def _select(self, key, d):
        """Records d; returns the branch mask (d > 0, with this key's flips applied) or None."""
        self.d[key] = d.detach()
        if key not in self.flips:
            return None
        mask = (d > 0).flatten().clone()
        idx = torch.tensor(sorted(self.flips[key]), dtype=torch.long)
        mask[idx] = ~mask[idx]
        return mask.view_as(d)

    def _relu(self, key):
        def hook(m, inp, out):
            x = inp[0]
            s = self._select(key, x)
            if s is not None:
                neg = x * m.weight.view(1, -1, *([1] * (x.dim() - 2))) if isinstance(m, nn.PReLU) else torch.zeros_like(x)
                return torch.where(s, x, neg)
        return hook

    def _save_t(self, owner):
        def hook(m, inp, out):
            self.t[owner] = out
        return hook

    def _frelu(self, key):
        def hook(m, inp, out):
            x, t = inp[0], self.t.pop(m)
            s = self._select(key, x - t)
            if s is not None:
                return torch.where(s, x, t)
        return hook

    def _dyrelu(self, key):
        def hook(m, inp, out):
            # Recomputes DyReLUB.forward with explicit branch choices (same parameters/graph).
            x = inp[0]
            h = m.fc1(x.mean(dim=(2, 3)))
            s_h = self._select(key + ".fc1_relu", h)
            hr = F.relu(h) if s_h is None else torch.where(s_h, h, torch.zeros_like(h))
            t = 2 * torch.sigmoid(m.fc2(hr)) - 1
            coef = t.view(-1, m.c, 2 * m.k) * m.lambdas + m.init_v
            a, b = coef[:, :, :2, None, None], coef[:, :, 2:, None, None]
            p0, p1 = x * a[:, :, 0] + b[:, :, 0], x * a[:, :, 1] + b[:, :, 1]
            s = self._select(key, p0 - p1)
            if s is not None or s_h is not None:
                return torch.where(p0 - p1 > 0 if s is None else s, p0, p1)
        return hook


def torch_run(model32, x, y, mode, dtype, flips=None):
    """Forward + mean CE + backward on a copy of the model in `dtype`.

    Returns ({output name: float64 array}, {kink key: signed distances})."""
    model = copy.deepcopy(model32).to(dtype)
    model.train() if mode == "train" else model.eval()
    kinks = Kinks(model, flips)
    logits = model(x.to(dtype))
    loss = F.cross_entropy(logits, y)
    loss.backward()
    kinks.close()
    res = {"logits": logits.detach(), "loss": loss.detach().reshape(1)}
    for name, p in model.named_parameters():
        res["grad." + name] = p.grad.detach()
    if mode == "train":
        for name, b in model.named_buffers():
            res["after_train." + name] = b.detach()
    return {k: v.double().numpy() for k, v in res.items()}, {k: v.double() for k, v in kinks.d.items()}


# ----------------------------------------------------------------------------------------------
# Comparison


def group(name):
    if name in ("logits", "loss"):
        return name
    return {"grad": "grad", "after_train": "bn"}.get(name.split(".")[0], "other")


def required(name):
    """Outputs Funnel must produce (other after_train buffers are compared only if present)."""
    return not name.startswith("after_train.") or name.endswith(("running_mean", "running_var"))


def compare(out, ref):
    """({name: err}, [problems]) for Funnel outputs `out` against reference `ref` (see docstring)."""
    scale = {}
    for k, b in ref.items():
        if required(k):
            scale[group(k)] = max(scale.get(group(k), 0.0), float(np.abs(b).max(initial=0.0)))
    errs, problems = {}, []
    for k, b in ref.items():
        if k not in out:
            if required(k):
                problems.append(f"missing {k}"); errs[k] = float("inf")
            continue
        a = out[k]
        if tuple(a.shape) != tuple(b.shape):
            problems.append(f"{k}: shape {tuple(a.shape)}, torch {tuple(b.shape)}"); errs[k] = float("inf")
            continue
        den = max(float(np.abs(b).max(initial=0.0)), 0.01 * scale[group(k)], 1e-30)
        errs[k] = float(np.abs(a.astype(np.float64) - b).max(initial=0.0)) / den
    problems += [f"extra {k}" for k in out if k not in ref]
    return errs, problems


def worst(errs, groups=None):
    vals = [e for k, e in errs.items() if groups is None or group(k) in groups]
    return max(vals, default=0.0)


def near_kinks(d64, d32):
    """[(ratio, key, flat index)] of elements whose distance from the kink is < KINK_FACTOR x the
    largest float32 rounding error PyTorch float32 shows in that channel, closest first."""
    cands = []
    for key, d in d64.items():
        err = (d32[key] - d).abs()
        dims = [i for i in range(d.dim()) if i != 1]
        chan = err.amax(dim=dims, keepdim=True).expand_as(d)
        ratio = (d.abs() / chan.clamp_min(1e-30)).flatten()
        for i in torch.nonzero(ratio < KINK_FACTOR).flatten().tolist():
            cands.append((ratio[i].item(), key, i))
    return sorted(cands)[:MAX_CANDIDATES]


class KinkSearch:
    """Greedy search for near-kink branch switches that explain a gradient mismatch.

    The float64 references with one near-kink element switched are computed once, on first use,
    and shared by every result explained against the same base reference."""

    def __init__(self, model, x, y, mode, base, d64, d32):
        self.run = lambda flips: torch_run(model, x, y, mode, torch.float64, flips)[0]
        self.base, self.d64, self.cands, self.deltas = base, d64, near_kinks(d64, d32), None

    def explain(self, out, tol):
        """(switches, reference with them, its (errs, problems)), or None when no switch helps."""
        if not self.cands:
            return None
        if self.deltas is None:
            self.deltas = []
            for _, key, i in self.cands:
                r = self.run({key: {i}})
                self.deltas.append({k: r[k] - self.base[k] for k in self.base})
        # Objective: the sum of all tensors' errors (not the max: two switches in different layers
        # may each fix only some of the tensors).  Each accepted switch must cut it by 20%.
        score = lambda ref: sum(compare(out, ref)[0].values())
        chosen, cur = [], dict(self.base)
        cur_score = score(cur)
        while len(chosen) < MAX_FLIPS and worst(compare(out, cur)[0]) > tol:
            best = None
            for j, dl in enumerate(self.deltas):
                if j not in chosen:
                    e = score({k: cur[k] + dl[k] for k in cur})
                    if best is None or e < best[0]:
                        best = (e, j)
            if best is None or best[0] > 0.8 * cur_score:
                break
            chosen.append(best[1]); cur_score = best[0]
            cur = {k: cur[k] + self.deltas[best[1]][k] for k in cur}
        if not chosen:
            return None
        flips = {}
        for j in chosen:
            flips.setdefault(self.cands[j][1], set()).add(self.cands[j][2])
        ref = self.run(flips)  # exact, not the linearised sum
        d = lambda j: abs(self.d64[self.cands[j][1]].flatten()[self.cands[j][2]].item())
        return [(self.cands[j][1], self.cands[j][2], self.cands[j][0], d(j)) for j in chosen], ref, compare(out, ref)


def check_one(args, tm, model_name, act, mode, workdir):
    model, state, x, y = make_case(tm, model_name, act, args.seed)
    ref, d64 = torch_run(model, x, y, mode, torch.float64)
    ref32, d32 = torch_run(model, x, y, mode, torch.float32)

    tag = f"{model_name}_{act}_{mode}"
    wpath, ipath, opath = (workdir / f"{tag}_{s}.safetensors" for s in ("weights", "input", "out"))
    save_file(state, str(wpath))
    save_file({"x": x.contiguous(), "y": y.to(torch.int64).contiguous()}, str(ipath))
    cmd = [args.funnel, "forward", "--model", model_name, "--act", act, "--weights", str(wpath),
           "--input", str(ipath), "--mode", mode, "--backward", "--threads", "1", "--output", str(opath)]
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.time() - t0
    if proc.returncode != 0:
        return {"error": f"funnel exited {proc.returncode}: {proc.stderr.strip()[-500:]}"}
    out = load_file(str(opath))

    def kink_aware(result, reference):
        """compare(), retried with near-kink switches when only gradients / BN stats are off.
        Returns (switches, errs, problems, worst error without switches)."""
        errs, problems = compare(result, reference)
        plain = worst(errs)
        if (worst(errs) > args.tol and worst(errs, ("logits", "loss")) <= args.tol and not problems
                and not args.no_kinks):
            found = search.explain(result, args.tol)
            if found:
                return found[0], found[2][0], found[2][1], plain
        return [], errs, problems, plain

    search = KinkSearch(model, x, y, mode, ref, d64, d32)
    flips, errs, problems, plain = kink_aware(out, ref)
    noise = worst(kink_aware(ref32, ref)[1])
    return {"errs": errs, "problems": problems, "noise": noise, "flips": flips, "plain": plain, "time": dt,
            "ok": worst(errs) <= args.tol and not problems}


# ----------------------------------------------------------------------------------------------


def fmt(e):
    return "    -   " if e is None else ("    inf " if e == float("inf") else f"{e:8.1e}")


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
    ap.add_argument("--no-kinks", action="store_true", help="no near-kink branch switching (see docstring)")
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

    # Which sources the binary was built from: a PASS is only as good as knowing what passed.
    version = subprocess.run([args.funnel, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"funnel:    {args.funnel} ({version or 'no --version'})\nreference: {args.reference} (torch {torch.__version__}, float64)\n"
          f"error:     max|a-b| / max(max|b|, 0.01 * group max|b|), tolerance {args.tol:g}\n")
    header = (f"{'model':9} {'act':9} {'mode':5} {'logits':>8} {'loss':>8} {'grad':>8}  {'worst grad tensor':36}"
              f" {'bn stats':>8} {'t32':>8} {'flips':>5}  result")
    print(header); print("-" * len(header))
    failures = 0
    for model_name in models:
        for act in args.acts.split(","):
            for mode in args.modes.split(","):
                r = check_one(args, tm, model_name, act, mode, workdir)
                if "error" in r:
                    failures += 1
                    print(f"{model_name:9} {act:9} {mode:5} ERROR  {r['error']}", flush=True)
                    continue
                errs = r["errs"]
                grads = [(e, k) for k, e in errs.items() if group(k) == "grad"]
                g_err, g_name = max(grads) if grads else (None, "grad.-")
                bn = [e for k, e in errs.items() if group(k) == "bn"]
                failures += not r["ok"]
                print(f"{model_name:9} {act:9} {mode:5} {fmt(errs.get('logits'))} {fmt(errs.get('loss'))}"
                      f" {fmt(g_err)}  {g_name[5:]:36} {fmt(max(bn) if bn else None)} {fmt(r['noise'])}"
                      f" {len(r['flips']):5}  {'PASS' if r['ok'] else 'FAIL'}", flush=True)
                for p in r["problems"][:10]:
                    print(f"    ! {p}")
                for key, i, ratio, dist in r["flips"]:
                    print(f"    ~ {key}[{i}] switched to the other branch: {dist:.1e} from the kink,"
                          f" {ratio:.2g}x the float32 rounding error in its channel")
                if r["flips"]:
                    print(f"    ~ (worst error without the switches: {r['plain']:.1e})")
                if args.verbose or not r["ok"]:
                    bad = sorted(((e, k) for k, e in errs.items() if args.verbose or e > args.tol), reverse=True)
                    for e, k in bad[: (None if args.verbose else 8)]:
                        print(f"    {k:60} {fmt(e)}")
    print(f"\n{'FAIL' if failures else 'PASS'}: {failures} failing combination(s)")
    if tmp:
        tmp.cleanup()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
