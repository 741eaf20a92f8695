#!/usr/bin/env python3
"""Two builds of `funnel` (or one under two environments) profiled against each other, pair by pair.

`funnel bench train --rounds N --profile` pairs activations within one build; this pairs builds:
each round runs `bench train --profile --json` once with each, alternating which goes first, and
prints per op kind (the activation's own ops summed as "norm/act", every 3x3 convolution also as
"conv3x3 all") and per timed pass the mean time a step of each and the mean round-by-round
difference with its standard error. On the noisy 2-vCPU instance one profile of each cannot
separate 1-2 ms; eight pairs can, to about the standard error printed.

  python3 scripts/profile-ab.py ROUNDS ACT LABEL:FUNNEL[:ENV=V,...] LABEL:FUNNEL[:ENV=V,...]
  e.g. python3 scripts/profile-ab.py 8 frelu before:/tmp/funnel-before after:.build/release/funnel
  MODEL (default resnet20) and STEPS (default 20) from the environment; two threads.
"""
import collections
import json
import os
import statistics as st
import subprocess
import sys


def profile(funnel, act, env):
    out = subprocess.run([funnel, 'bench', 'train', '--model', os.environ.get('MODEL', 'resnet20'), '--act', act,
                          '--steps', os.environ.get('STEPS', '20'), '--threads', '2', '--profile', '--json'],
                         capture_output=True, text=True, env=env, check=True).stdout
    r = json.loads(out)['results'][0]
    ms = collections.defaultdict(float)
    for e in r['profile']:
        op = e['op']
        own = ('batch_norm' in op and op != 'batch_norm') or 'funnel' in op or 'dynamic_relu' in op
        ms[('norm/act' if own else op, e['pass'])] += e['seconds'] * 1e3
        if op.startswith('conv3x3'):
            ms[('conv3x3 all', e['pass'])] += e['seconds'] * 1e3
    for e in r.get('profile_passes', []):
        ms[('pass ' + e['name'], 'all ops')] += e['seconds'] * 1e3
    ms[('step', 'median')] = r['step_seconds_median'] * 1e3
    return ms


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    rounds, act = int(sys.argv[1]), sys.argv[2]
    configs = []
    for spec in sys.argv[3:]:
        label, funnel, *envs = spec.split(':')
        env = dict(os.environ)
        for kv in filter(None, ','.join(envs).split(',')):
            key, value = kv.split('=', 1)
            env[key] = value
        configs.append((label, funnel, env))
    runs = {label: [] for label, _, _ in configs}
    for k in range(rounds):
        for label, funnel, env in (configs if k % 2 == 0 else configs[::-1]):
            runs[label].append(profile(funnel, act, env))
            print(f"round {k + 1}/{rounds}: {label} step {runs[label][-1][('step', 'median')]:.1f} ms", file=sys.stderr, flush=True)
    (a, _, _), (b, _, _) = configs
    keys = sorted(set().union(*runs[a], *runs[b]))
    print(f"{'op':40} {'pass':8} {a:>16} {b:>16}   {b} - {a} (mean ± standard error, ms a step)")
    for key in keys:
        xs, ys = [r.get(key, 0.0) for r in runs[a]], [r.get(key, 0.0) for r in runs[b]]
        if max(xs + ys) < 0.2:
            continue
        d = [y - x for x, y in zip(xs, ys)]
        se = st.stdev(d) / len(d) ** 0.5 if len(d) > 1 else float('nan')
        print(f"{key[0][:40]:40} {key[1]:8} {st.mean(xs):9.2f}±{st.stdev(xs) if rounds > 1 else 0:5.2f} "
              f"{st.mean(ys):9.2f}±{st.stdev(ys) if rounds > 1 else 0:5.2f}   {st.mean(d):+7.2f} ± {se:.2f}")


if __name__ == '__main__':
    main()
