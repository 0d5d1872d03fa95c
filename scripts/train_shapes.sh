#!/usr/bin/env bash
# The multi-class check of the detector: shapes of three classes (disc, square, triangle) drawn onto the
# photos of SHARED/images with known boxes (internal/synthdet), 240 training and 60 test images of
# 300×300, a detector fine-tuned from the COCO one, and the per-class AP@0.5 on the test images, read
# once at the end:
#
#   go run ./internal/synthdet/cmd -out DIR/train -images 240 -seed 1 -backgrounds SHARED/images
#   mobilenet train --task detection --data DIR/train/labels.csv --from coco --epochs 20 --batch 8 \
#       --optimizer adam --lr 2e-4 --warmup 1 --threads 2 --seed 1 --json --out DIR/shapes.safetensors
#   mobilenet eval --model DIR/shapes.best.safetensors --data DIR/test/labels.csv --json
#
# Usage: scripts/train_shapes.sh [DIR]   Environment: SHARED, EPOCHS (default 20), MOBILENET (a binary)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
dir="${1:-shapes}" epochs="${EPOCHS:-20}"
[ -d "$shared/images" ] || { echo "train_shapes: no $shared/images (set SHARED)" >&2; exit 1; }
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
mkdir -p "$dir"
(cd "$root" && go run ./internal/synthdet/cmd -out "$dir/train" -images 240 -size 300 -seed 1 -backgrounds "$shared/images")
(cd "$root" && go run ./internal/synthdet/cmd -out "$dir/test" -images 60 -size 300 -seed 2 -backgrounds "$shared/images")
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(cd "$root" && git rev-parse --short HEAD)"
"$bin" train --task detection --data "$dir/train/labels.csv" --from coco --epochs "$epochs" --batch 8 \
	--optimizer adam --lr 2e-4 --warmup 1 --threads 2 --seed 1 --json --out "$dir/shapes.safetensors"
"$bin" eval --model "$dir/shapes.best.safetensors" --data "$dir/test/labels.csv" --json
