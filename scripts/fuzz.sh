#!/usr/bin/env bash
# Fuzzes Funnel's parsers with libFuzzer (Swift's -sanitize=fuzzer with AddressSanitizer): the
# safetensors reader, the tar reader, the gzip stream, the CIFAR binary reader, image decoding,
# and experiment/sweep YAML. Usage: scripts/fuzz.sh [seconds per harness, default 60] [harness...]
#
# It fuzzes a clone of HEAD (commit first), builds the harnesses in Fuzz/ against it, and runs each
# from its seeds, two at a time: text seeds committed in Fuzz/Corpus/<harness>, binary ones made by
# Fuzz/make-seeds.py (data files are not committed). New inputs go to
# $FUZZ_WORK/corpus (default /tmp/funnel-fuzz), crashes to $FUZZ_WORK/findings/<time>; a summary line
# per harness gives executions and findings.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
harnesses=("$@")
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=(safetensors tar gzip cifar image yaml)
work=${FUZZ_WORK:-/tmp/funnel-fuzz}
findings="$work/findings/$(date +%Y%m%d-%H%M%S)"  # this run's crashes only
mkdir -p "$findings"
rm -rf "$work/funnel"
git clone -q "$root" "$work/funnel"
# --sanitize reaches only the root package's targets; the flags below instrument Funnel's own code
# (a dependency of the harness package) for coverage and AddressSanitizer too.
FUNNEL_ROOT="$work/funnel" swift build --package-path "$root/Fuzz" --scratch-path "$work/build" \
    --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address 2>&1 | tail -1

python3 "$root/Fuzz/make-seeds.py" "$work/seeds"

run() {
    local h=$1 corpus="$work/corpus/$1" log="$work/$1.log"
    mkdir -p "$corpus" "$work/seeds/$h"
    local seeds=("$work/seeds/$h")
    [[ -d "$root/Fuzz/Corpus/$h" ]] && seeds+=("$root/Fuzz/Corpus/$h")
    # Exit status 1 from libFuzzer means a finding; the summary says so.
    "$work/build/debug/fuzz-$h" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -rss_limit_mb=4096 \
        -max_len=65536 -timeout=20 -print_final_stats=1 -artifact_prefix="$findings/$h-" >"$log" 2>&1 || true
    local runs crashes
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(ls "$findings" | grep -c "^$h-" || true)
    echo "fuzz-$h: $runs executions in $seconds s, $crashes finding(s) (log $log)"
}

pids=()
for h in "${harnesses[@]}"; do
    run "$h" &
    pids+=($!)
    if (( ${#pids[@]} == 2 )); then wait "${pids[@]}"; pids=(); fi
done
[[ ${#pids[@]} -eq 0 ]] || wait "${pids[@]}"
