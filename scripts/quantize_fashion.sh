#!/usr/bin/env bash
# Quantizes a Fashion-MNIST classifier checkpoint and compares float and 8-bit test accuracy through the
# command itself:
#
#   mobilenet quantize --model CKPT --data SHARED/datasets/fashion-mnist --samples 512 --scheme S -o OUT
#   mobilenet eval --model CKPT --data SHARED/datasets/fashion-mnist --json      (float)
#   mobilenet eval --model OUT  --data SHARED/datasets/fashion-mnist --json      (8-bit)
#
# Calibration draws 512 images (seed 1) from the training set; the 10,000 test images are evaluated.
# Prints both accuracies and their difference in points; exits 1 when the 8-bit model is more than
# GOAL points (default 0.5) below the float one.
#
# Usage: scripts/quantize_fashion.sh [CKPT] [OUT]   (defaults /tmp/fash/fashion.safetensors and CKPT
# with .int8.tflite, or .uint8.tflite)
# Environment: SHARED (default ../shared beside the repository), SCHEME (int8 or uint8; default int8),
# RANGE (minmax, percentile or mse; default minmax), GOAL (default 0.5), MOBILENET (a built binary;
# default: go build ./cmd/mobilenet into a temporary directory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
scheme="${SCHEME:-int8}" range="${RANGE:-minmax}" goal="${GOAL:-0.5}"
ckpt="${1:-/tmp/fash/fashion.safetensors}"
out="${2:-${ckpt%.safetensors}.$scheme.tflite}"
data="$shared/datasets/fashion-mnist"
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "quantize_fashion: no $data/t10k-images-idx3-ubyte.gz (set SHARED)" >&2; exit 1; }
[ -f "$ckpt" ] || { echo "quantize_fashion: no checkpoint $ckpt" >&2; exit 1; }
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(cd "$root" && git rev-parse --short HEAD)"
"$bin" quantize --model "$ckpt" --data "$data" --samples 512 --scheme "$scheme" --range "$range" -o "$out"
accuracy() { "$bin" eval --model "$1" --data "$data" --json | sed -n 's/.*"accuracy":\([0-9.eE+-]*\).*/\1/p'; }
float="$(accuracy "$ckpt")"
quant="$(accuracy "$out")"
awk -v f="$float" -v q="$quant" -v g="$goal" -v s="$scheme" 'BEGIN {
	d = 100 * (q - f)
	printf "float test accuracy %.2f %%, %s %.2f %%, difference %+.2f points (goal: no worse than -%s)\n", 100 * f, s, 100 * q, d, g
	exit (d < -g) ? 1 : 0
}'
