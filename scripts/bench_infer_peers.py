"""The peers of `funnel bench infer`: onnxruntime (CPU) on Funnel's exported ONNX model and PyTorch
on the reference model (../shared/peers/torch_models.py), timed the way Funnel times itself:
median of batch-1 passes (latency) and of large-batch passes (throughput), after a warm-up pass.

  bench_infer_peers.py ONNX MODEL ACT THREADS LATENCY_RUNS BATCH THROUGHPUT_RUNS PEERS_DIR
Prints {"onnxruntime": {...}, "pytorch": {...}} (an engine that cannot run the configuration is
left out, with the reason under "skipped").
"""
import json, statistics, sys, time

onnx_path, model_name, act = sys.argv[1:4]
threads, latency_runs, batch, throughput_runs = map(int, sys.argv[4:8])
sys.path.insert(0, sys.argv[8])
import numpy as np


def timed(run, x, runs):
    run(x)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def figures(run, shape):
    rng = np.random.default_rng(0)
    one = rng.standard_normal((1,) + shape, dtype=np.float32)
    many = rng.standard_normal((batch,) + shape, dtype=np.float32)
    return {"latencyMilliseconds": timed(run, one, latency_runs) * 1e3,
            "imagesPerSecond": batch / timed(run, many, throughput_runs)}


out, skipped = {}, {}
import onnxruntime as ort
options = ort.SessionOptions()
options.intra_op_num_threads = threads
options.inter_op_num_threads = 1
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
shape = tuple(session.get_inputs()[0].shape[1:])
out["onnxruntime"] = figures(lambda x: session.run(None, {name: x}), shape)

import torch, torch_models
torch.set_num_threads(threads)
if hasattr(torch_models, model_name):
    try:
        model = getattr(torch_models, model_name)(act, 10).eval()
        def run(x):
            with torch.inference_mode():
                return model(torch.from_numpy(x)).numpy()
        out["pytorch"] = figures(run, shape)
    except KeyError:
        skipped["pytorch"] = f"the reference models have no activation '{act}'"
else:
    skipped["pytorch"] = f"the reference models have no '{model_name}'"
if skipped:
    out["skipped"] = skipped
print(json.dumps(out))
