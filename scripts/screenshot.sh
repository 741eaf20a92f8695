#!/usr/bin/env bash
# A screenshot of an HTML page (a report) or an SVG figure with headless Chromium, cut below and to
# the right of its content.
#   scripts/screenshot.sh PAGE.html|FIGURE.svg OUT.png [WIDTH=1280] [MAX_HEIGHT=16000]
# Needs chromium (Debian) and the Python environment of scripts/python-env.sh (Pillow) for the cut.
set -euo pipefail
page=$(realpath "$1"); out=$2
if [[ $page == *.svg ]]; then
    # A figure: the window is the figure's own size (its root's width and height attributes).
    read -r svgWidth svgHeight < <(grep -o -m1 '<svg[^>]*>' "$page" | sed -E 's/.* width="([0-9.]+)".* height="([0-9.]+)".*/\1 \2/' | awk '{print int($1 + 0.99), int($2 + 0.99)}')
fi
width=${3:-${svgWidth:-1280}}; height=${4:-${svgHeight:-16000}}
raw=$(mktemp --suffix=.png)
trap 'rm -f "$raw"' EXIT
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
    --screenshot="$raw" "file://$page" >/dev/null 2>&1
"$(dirname "$0")/../.venv-test/bin/python" - "$raw" "$out" <<'PY'
import sys
from PIL import Image, ImageChops
image = Image.open(sys.argv[1]).convert("RGB")
# The content ends where the last non-background row and column are; keep 24 px of margin.
box = ImageChops.difference(image, Image.new("RGB", image.size, image.getpixel((image.width - 1, image.height - 1)))).getbbox()
right, bottom = ((min(image.width, box[2] + 24), min(image.height, box[3] + 24)) if box else image.size)
image.crop((0, 0, right, bottom)).save(sys.argv[2], optimize=True)
PY
echo "wrote $out"
