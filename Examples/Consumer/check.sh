#!/usr/bin/env bash
# Builds and runs the consumer package against this checkout as a versioned git dependency:
# a clone of HEAD, tagged 0.1.0, in a temporary folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/funnel"
git -C "$work/funnel" -c user.name=funnel -c user.email=funnel@localhost tag -a 0.1.0 -m "consumer check" HEAD
export FUNNEL_PACKAGE_URL="file://$work/funnel"
cp -r "$root/Examples/Consumer" "$work/consumer"
swift build --package-path "$work/consumer" --scratch-path "$work/build" --product funnel-consumer 2>&1 | tail -3
"$work/build/debug/funnel-consumer"
# The whole library (the `Funnel` product): SwiftPM checks a dependency's flags when it plans the
# build, so planning it is the check, without the minutes of compiling every module in debug.
swift build --package-path "$work/consumer" --scratch-path "$work/build" --print-manifest-job-graph > /dev/null
echo "every library module (the Funnel product) is accepted as a versioned dependency"
