#!/usr/bin/env bash
# The whole test suite: install what is missing, build, start the services the tests use
# (PostgreSQL, a one-node Slurm, network namespaces; see scripts/test-services.sh) and the Python
# tools the tests compare against (scripts/python-env.sh), run every
# test, and stop the services again on exit.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
swift build --build-tests
source scripts/test-services.sh
source scripts/python-env.sh
trap funnel_services_stop EXIT
funnel_services_start
funnel_python_env
swift test --skip-build "$@"
# Funnel as a versioned dependency of another package (no unsafe build flags allowed there).
Examples/Consumer/check.sh
