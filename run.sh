#!/usr/bin/env bash
# The main job: install what is missing, build (release), and compare activations on the
# built-in synthetic dataset. Extra arguments go to `funnel compare`.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
swift build -c release --product funnel
exec .build/release/funnel compare --data synthetic --model resnet20 --acts "relu;swish;mish;frelu;dyrelu_b" --epochs 5 --run-dir runs/synthetic "$@"
