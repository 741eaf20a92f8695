#!/usr/bin/env bash
# The Python tools the tests compare Funnel against (PyTorch, onnx and onnxruntime, TensorBoard's
# own event reader), in a virtual environment made here: .venv-test (ignored by git), rebuilt when
# scripts/python-requirements.txt changes. Sourced by test.sh; `scripts/python-env.sh` alone
# makes the environment and prints its python.
#
# funnel_python_env exports FUNNEL_TEST_PYTHON on success. Without PyPI it says why and exports
# nothing: the tests that need it then skip with a message, except under CI=true, where they fail.

funnel_python_env() {
  local root venv requirements stamp
  local -a wheels
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  venv="$root/.venv-test"
  requirements="$root/scripts/python-requirements.txt"
  stamp="$venv/.requirements"
  if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
    echo "python-env: making $venv (torch, onnx, onnxruntime, tensorboard)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv" || { apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$venv"; } || return 0
    # A CPU build of torch shipped with the machine, if there is one: PyPI's default torch brings
    # gigabytes of CUDA libraries the tests do not use.
    wheels=(/opt/wheels/torch-*+cpu-*.whl)
    if [[ -f "${wheels[0]}" ]]; then "$venv/bin/pip" install -q "${wheels[0]}" >&2 || true; fi
    if ! "$venv/bin/pip" install -q -r "$requirements" >&2; then
      echo "python-env: could not install from PyPI; tests against PyTorch, onnxruntime and TensorBoard will skip" >&2
      rm -rf "$venv"
      return 0
    fi
    cp "$requirements" "$stamp"
  fi
  export FUNNEL_TEST_PYTHON="$venv/bin/python"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  funnel_python_env
  echo "${FUNNEL_TEST_PYTHON:?no Python environment}"
fi
