#!/usr/bin/env bash
# A full-page screenshot of an HTML file (a report) with headless Chromium, cut below the page's end.
#   scripts/screenshot.sh PAGE.html OUT.png [WIDTH=1280] [MAX_HEIGHT=16000]
# Needs chromium (Debian) and the Python environment of scripts/python-env.sh (Pillow) for the cut.
set -euo pipefail
page=$(realpath "$1"); out=$2; width=${3:-1280}; height=${4:-16000}
raw=$(mktemp --suffix=.png)
trap 'rm -f "$raw"' EXIT
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
    --screenshot="$raw" "file://$page" >/dev/null 2>&1
"$(dirname "$0")/../.venv-test/bin/python" - "$raw" "$out" <<'PY'
import sys
from PIL import Image, ImageChops
image = Image.open(sys.argv[1]).convert("RGB")
# The page ends where the last non-background row is; keep 24 px of margin below it.
box = ImageChops.difference(image, Image.new("RGB", image.size, image.getpixel((image.width - 1, image.height - 1)))).getbbox()
bottom = min(image.height, (box[3] if box else image.height) + 24)
image.crop((0, 0, image.width, bottom)).save(sys.argv[2], optimize=True)
PY
echo "wrote $out"
