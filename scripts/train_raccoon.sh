#!/usr/bin/env bash
# Trains the README's raccoon detector and evaluates it once on the 40 test images:
#
#   mobilenet train --task detection --data SHARED/datasets/raccoon/data/train_labels.csv --from coco \
#       --epochs 40 --batch 8 --optimizer adam --lr 2e-4 --warmup 1 --threads 2 --seed 1 --json --out OUT
#   mobilenet eval --model OUT.best --data SHARED/datasets/raccoon/data/test_labels.csv --json
#
# The 160 training images of the repository's split train (a seeded 10 % of them validates after each
# epoch; the best epoch by validation mAP@0.5 is kept as OUT.best.safetensors); the test images are read
# once, at the end. Prints the wall-clock time of training, its JSON lines and the test evaluation.
#
# Usage: scripts/train_raccoon.sh [FROM] [OUT]   (FROM: coco (default), none, or a classifier .tflite)
# Environment: SHARED (default ../shared beside the repository), EPOCHS (default 40), ALPHA (the width of
# a detector trained from scratch, FROM none; default 1), MOBILENET (a built binary; default: go build
# ./cmd/mobilenet into a temporary directory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
from="${1:-coco}" out="${2:-raccoon.safetensors}" epochs="${EPOCHS:-40}"
data="$shared/datasets/raccoon/data"
[ -f "$data/train_labels.csv" ] || { echo "train_raccoon: no $data/train_labels.csv (set SHARED)" >&2; exit 1; }
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
best="${out%.safetensors}.best.safetensors"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(cd "$root" && git rev-parse --short HEAD)"
start=$(date +%s)
alpha=()
if [ -n "${ALPHA:-}" ]; then
	alpha=(--alpha "$ALPHA")
fi
"$bin" train --task detection --data "$data/train_labels.csv" --from "$from" "${alpha[@]}" --epochs "$epochs" --batch 8 \
	--optimizer adam --lr 2e-4 --warmup 1 --threads 2 --seed 1 --json --out "$out"
echo "# training took $(( $(date +%s) - start )) s"
"$bin" eval --model "$best" --data "$data/test_labels.csv" --json
