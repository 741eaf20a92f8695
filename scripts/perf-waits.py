#!/usr/bin/env python3
"""What each compute thread was waiting for in a training step, from perf's samples.

Funnel's kernels run on libgomp's pool: the thread that calls GOMP_parallel (the caller) and the
workers. A worker's sample in libgomp is a wait; this matches each one to the caller's nearest
sample (within 2 ms) and says whether the caller was inside a parallel region (the worker finished
its share first) or running serial code (the worker had nothing to do), and in which function;
then the caller's waits by what the worker was doing. Last, the caller's serial work per function:
samples with the step benchmark (`Benchmark.measure`) on their stack. The performance log's entry of
2026-12-06 morning ("Where the second thread waited") comes from it.

    perf record -e cpu-clock -F 1000 -g -o /tmp/perf.data -- \\
        funnel bench train --model resnet20 --act frelu --steps 60 --rounds 1 --threads 2
    perf script -i /tmp/perf.data -F tid,time,ip,sym,dso > /tmp/perf.txt
    scripts/perf-waits.py /tmp/perf.txt [--from 0.5]

--from: the fraction of the recording to skip for the waits (the ceilings and warm-up come first).
"""
import argparse
import bisect
import collections
import re

SAMPLE = re.compile(r'\s*(\d+)\s+([\d.]+):')
FRAME = re.compile(r'\s*[0-9a-f]+ (.*) \((.*)\)$')


def read_samples(path):
    """[(tid, time, [(symbol, dso), ...] leaf first)]"""
    samples = []
    for line in open(path, errors='replace'):
        head = SAMPLE.match(line)
        if head and not line.startswith('\t'):
            samples.append((int(head.group(1)), float(head.group(2)), []))
        elif samples and (frame := FRAME.match(line)):
            samples[-1][2].append((frame.group(1), frame.group(2)))
    return samples


def in_libgomp(sample):
    return bool(sample[2]) and 'libgomp' in sample[2][0][1]


def activity(sample):
    """(inside a parallel region?, the Funnel kernel or Swift op on the stack, else the leaf)"""
    names = [name for name, _ in sample[2]]
    kernel = next((n for n in names if n.startswith('funnel_')), None) \
        or next((n for n in names if 'Kernel' in n or 'Convolution' in n), None)
    return any('GOMP_parallel' in n for n in names), (kernel or (names[0] if names else '?'))[:70]


def nearest(times, samples, t, within=0.002):
    i = bisect.bisect_left(times, t)
    best = min((j for j in (i - 1, i) if 0 <= j < len(times)), key=lambda j: abs(times[j] - t), default=None)
    return samples[best] if best is not None and abs(times[best] - t) < within else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('perf_script_output')
    parser.add_argument('--from', dest='start', type=float, default=0.5)
    args = parser.parse_args()
    recorded = read_samples(args.perf_script_output)
    first, last = recorded[0][1], recorded[-1][1]
    samples = [s for s in recorded if s[1] >= first + (last - first) * args.start]
    callers = collections.Counter(s[0] for s in samples if any('GOMP_parallel' in n for n, _ in s[2]))
    caller = callers.most_common(1)[0][0]
    by_time = {}
    for s in sorted(samples, key=lambda s: s[1]):
        by_time.setdefault(s[0] == caller, []).append(s)
    times = {side: [s[1] for s in group] for side, group in by_time.items()}

    for waiting_is_caller, title in ((False, 'workers waiting, by what the caller did'),
                                     (True, 'caller waiting, by what a worker did')):
        mine, other = by_time.get(waiting_is_caller, []), by_time.get(not waiting_is_caller, [])
        waits = [s for s in mine if in_libgomp(s)]
        counts = collections.Counter()
        for s in waits:
            match = nearest(times.get(not waiting_is_caller, []), other, s[1])
            if match is None:
                counts[('no sample', '')] += 1
            else:
                inside, what = activity(match)
                # A worker's stack never shows GOMP_parallel: only the caller's says where it was.
                counts[('' if waiting_is_caller else 'in region' if inside else 'serial', what)] += 1
        print(f'{title}: {len(waits)} of {len(mine)} samples in libgomp')
        for (where, what), n in counts.most_common(20):
            print(f'  {n:6d}  {where:10s} {what}')

    # The whole recording: the stack already confines these to the steps (62 in a 60-step run).
    serial = collections.Counter(s[2][0][0][:70] for s in recorded
                                 if s[2] and any('measure5model' in n for n, _ in s[2]))
    print("the caller's samples with the step benchmark on their stack, by function (all the steps)")
    for name, n in serial.most_common(15):
        print(f'  {n:6d}  {name}')


if __name__ == '__main__':
    main()
