#!/usr/bin/env bash
# Thread scaling of a training step, the figure a cluster estimate needs: `funnel bench train` at
# each thread count (its own process each time, the best 3x3 convolution and the FMA peak measured
# at the same count), and PyTorch's reference model at the same counts when a Python with torch is
# given. Each run's JSON lands in OUT; a table is printed last: images per second, speed-up over one
# thread, GFLOPS against the best convolution and the FMA peak, and PyTorch's images per second.
#
#   FUNNEL=.build/release/funnel MODELS=resnet18,resnet50 THREADS=1,2,4,8,16 ACTS="relu" \
#   PYTHON=.venv-test/bin/python PEERS=../shared/peers OUT=runs/scaling scripts/thread-scaling.sh
#
# PyTorch runs only the models its reference file defines (ResNet-18 and -20). STEPS timed steps
# per run; ResNet-50's are halved (a step takes seconds on one thread).
#
# SIDE_BY_SIDE=2x8,4x4,16x1 also runs N copies of T threads at once, each pinned by taskset to its
# own T CPUs, and adds their images per second: whether several runs on a node do more work than one
# run on all of its cores, which decides how a sweep's runs are packed onto Slurm nodes.
#
# OMP_PROC_BIND and OMP_PLACES in the environment reach every run: with fewer threads than CPUs, free
# threads can give a step one of two times, bound ones one (performance log, 2026-12-04 afternoon);
# the table's "steps ms" column, the fastest and slowest timed step, shows which.
set -euo pipefail
funnel=${FUNNEL:-.build/release/funnel}
models=${MODELS:-resnet18,resnet50}
threads=${THREADS:-1,2,4,8,16}
acts=${ACTS:-relu}
steps=${STEPS:-4}
out=${OUT:-runs/scaling}
python=${PYTHON:-}
side_by_side=${SIDE_BY_SIDE:-}
peers=${PEERS:-../shared/peers}
first_act=${acts%%[;,]*}  # side by side runs the first activation alone
[ -x "$funnel" ] || { echo "thread-scaling: FUNNEL=$funnel is not an executable" >&2; exit 1; }
# The table reads every result in OUT, so an earlier run's files would mix in unseen.
if compgen -G "$out/*.json" > /dev/null; then
    echo "thread-scaling: OUT=$out already holds results (*.json): give a new folder" >&2; exit 1
fi
for pack in ${side_by_side//,/ }; do
    if (( ${pack%x*} * ${pack#*x} > $(nproc) )); then
        echo "thread-scaling: SIDE_BY_SIDE $pack needs $(( ${pack%x*} * ${pack#*x} )) CPUs, found $(nproc)" >&2; exit 1
    fi
done
mkdir -p "$out"

for model in ${models//,/ }; do
    model_steps=$steps
    [ "$model" = resnet50 ] && model_steps=$(( (steps + 1) / 2 ))
    for t in ${threads//,/ }; do
        echo "== funnel $model threads $t ($(date -u +%H:%M:%S))" >&2
        "$funnel" bench train --model "$model" --act "$acts" --steps "$model_steps" --threads "$t" --json \
            > "$out/funnel-$model-t$t.json"
        if [ -n "$python" ] && grep -q "^def $model(" "$peers/torch_models.py"; then
            echo "== pytorch $model threads $t" >&2
            OMP_NUM_THREADS=$t "$python" "$peers/torch_bench.py" "$model" 128 "$model_steps" "${acts//;/,}" \
                > "$out/torch-$model-t$t.json"
        fi
    done
    for pack in ${side_by_side//,/ }; do
        copies=${pack%x*} t=${pack#*x}
        echo "== funnel $model, $copies copies of $t threads side by side ($(date -u +%H:%M:%S))" >&2
        pids=()
        for ((i = 0; i < copies; i++)); do
            taskset -c "$((i * t))-$((i * t + t - 1))" "$funnel" bench train --model "$model" --act "$first_act" \
                --steps "$model_steps" --threads "$t" --in-process > "$out/side-$model-${copies}x$t-$i.json" &
            pids+=($!)
        done
        for pid in "${pids[@]}"; do wait "$pid"; done
    done
done

python3 - "$out" <<'EOF'
import json, sys, glob, os, re
rows = {}
for path in glob.glob(os.path.join(sys.argv[1], "*-t*.json")):
    peer, model, t = re.match(r"(funnel|torch)-(.+)-t(\d+)\.json", os.path.basename(path)).groups()
    with open(path) as f: report = json.load(f)
    if peer == "funnel":
        c = report["ceilings"]
        for r in report["results"]:
            steps = r.get("step_seconds")  # absent from builds before 2026-12-04 afternoon
            rows.setdefault((model, r["act"], int(t)), {})["funnel"] = dict(
                ips=r["images_per_second"], gflops=r["gflops"], conv=c["conv3x3_best_gflops"], fma=c["fma_peak_gflops"],
                spread=f"{1e3 * min(steps):.0f}-{1e3 * max(steps):.0f}" if steps else "?")
    else:
        for act, r in report["results"].items():
            rows.setdefault((model, act, int(t)), {})["torch"] = r["img_per_s"]
print(f"{'model':10}{'act':10}{'threads':>8}{'img/s':>9}{'steps ms':>12}{'x 1 thr':>9}{'GFLOPS':>8}{'best conv':>10}{'of it':>7}{'FMA peak':>9}{'PyTorch':>9}{'Funnel/PT':>10}")
for (model, act, t) in sorted(rows):
    r = rows[(model, act, t)]
    one = rows.get((model, act, 1), {}).get("funnel")
    line = f"{model:10}{act:10}{t:8d}"
    f = r.get("funnel")
    if f:
        line += f"{f['ips']:9.1f}{f['spread']:>12}" + (f"{f['ips'] / one['ips']:9.2f}" if one else " " * 9)
        line += f"{f['gflops']:8.0f}{f['conv']:10.0f}{100 * f['gflops'] / f['conv']:6.0f}%{f['fma']:9.0f}"
    else:
        line += " " * (9 + 12 + 9 + 8 + 10 + 7 + 9)  # the Funnel columns' widths, img/s to FMA peak
    if "torch" in r:
        line += f"{r['torch']:9.1f}" + (f"{f['ips'] / r['torch']:9.2f}x" if f else "")
    print(line)
packs = {}
for path in glob.glob(os.path.join(sys.argv[1], "side-*.json")):
    model, copies, t = re.match(r"side-(.+)-(\d+)x(\d+)-\d+\.json", os.path.basename(path)).groups()
    with open(path) as f: r = json.load(f)
    packs.setdefault((model, r["act"], int(copies), int(t)), []).append(r["images_per_second"])
if packs:
    print(f"\n{'model':10}{'act':10}{'side by side':>14}{'img/s, all':>12}{'slowest':>9}{'one run, same CPUs':>20}{'ratio':>7}")
for (model, act, copies, t), ips in sorted(packs.items()):
    one = rows.get((model, act, copies * t), {}).get("funnel", {}).get("ips")
    print(f"{model:10}{act:10}{f'{copies} x {t} thr':>14}{sum(ips):12.1f}{min(ips):9.1f}" + (f"{one:20.1f}{sum(ips) / one:7.2f}" if one else ""))
EOF
