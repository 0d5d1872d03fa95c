#!/usr/bin/env bash
# Quantizes the raccoon detector (scripts/train_raccoon.sh) and compares the float and 8-bit mAP@0.5 on
# the 40 test images through the command itself:
#
#   mobilenet quantize --model CKPT --data SHARED/datasets/raccoon/data/train_labels.csv --scheme S -o OUT
#   mobilenet eval --model CKPT --data SHARED/datasets/raccoon/data/test_labels.csv --json   (float)
#   mobilenet eval --model OUT  --data SHARED/datasets/raccoon/data/test_labels.csv --json   (8-bit)
#
# Calibration uses the 160 training images (all of them: fewer than --samples 512). Prints both mAP@0.5
# and their difference; exits 1 when the 8-bit detector is more than GOAL (default 0.02) below.
#
# Usage: scripts/quantize_raccoon.sh [CKPT] [OUT]   (defaults raccoon.best.safetensors, as train_raccoon.sh
# names it, and CKPT with .int8.tflite or .uint8.tflite)
# Environment: SHARED (default ../shared beside the repository), SCHEME (int8 or uint8; default int8),
# RANGE (minmax, percentile or mse; default minmax), GOAL (default 0.02), MOBILENET (a built binary;
# default: go build ./cmd/mobilenet into a temporary directory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
scheme="${SCHEME:-int8}" range="${RANGE:-minmax}" goal="${GOAL:-0.02}"
ckpt="${1:-raccoon.best.safetensors}"
out="${2:-${ckpt%.safetensors}.$scheme.tflite}"
data="$shared/datasets/raccoon/data"
[ -f "$data/train_labels.csv" ] || { echo "quantize_raccoon: no $data/train_labels.csv (set SHARED)" >&2; exit 1; }
[ -f "$ckpt" ] || { echo "quantize_raccoon: no checkpoint $ckpt (make one with scripts/train_raccoon.sh)" >&2; exit 1; }
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(cd "$root" && git rev-parse --short HEAD)"
"$bin" quantize --model "$ckpt" --data "$data/train_labels.csv" --scheme "$scheme" --range "$range" -o "$out"
map50() { "$bin" eval --model "$1" --data "$data/test_labels.csv" --json | sed -n 's/.*"map50":\([0-9.eE+-]*\).*/\1/p'; }
float="$(map50 "$ckpt")"
quant="$(map50 "$out")"
awk -v f="$float" -v q="$quant" -v g="$goal" -v s="$scheme" 'BEGIN {
	d = q - f
	printf "float test mAP@0.5 %.4f, %s %.4f, difference %+.4f (goal: no worse than -%s)\n", f, s, q, d, g
	exit (d < -g) ? 1 : 0
}'
