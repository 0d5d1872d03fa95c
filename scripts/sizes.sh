#!/usr/bin/env bash
# Prints a markdown table of .tflite file sizes: float (mobilenet export --format tflite) against 8-bit
# int8 (mobilenet quantize, default scheme: per-channel int8 weights, minmax ranges) for
#
#   - MobileNet V1 α 0.25, 0.5 and 1.0 classifiers at 224 with 1001 classes: random-weight builds
#     (--seed 1); a file's size depends on the architecture, not on the weights' values;
#   - the SSD MobileNet V1 detector (α 1.0, 300×300, one class): the official COCO detector fine-tuned
#     one step on two raccoon photos (train --task detection --from coco), i.e. real weights;
#   - the Fashion-MNIST classifier checkpoint FASHION (default /tmp/fash/fashion.safetensors; α 0.5,
#     48×48 grey, trained), quantized on 64 of its training images. Skipped when the file is absent.
#
# Calibration: 8 raccoon photos for the RGB models (their size does not depend on it).
#
# Usage: scripts/sizes.sh
# Environment: SHARED (default ../shared beside the repository), FASHION, MOBILENET (a built binary;
# default: go build ./cmd/mobilenet into a temporary directory), KEEP (a folder to keep the files in).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
fashion="${FASHION:-/tmp/fash/fashion.safetensors}"
raccoon="$shared/datasets/raccoon"
[ -d "$raccoon/images" ] || { echo "sizes: no $raccoon/images (set SHARED)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
work="${KEEP:-$tmp}"
mkdir -p "$work"
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
size() { stat -c %s "$1"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1e6 }'; }
row() { # name float.tflite int8.tflite note
	local f q
	f="$(size "$2")" q="$(size "$3")"
	printf '| %s | %s (%d) | %s (%d) | %.2f× | %s |\n' "$1" "$(mb "$f")" "$f" "$(mb "$q")" "$q" "$(awk -v f="$f" -v q="$q" 'BEGIN { print f / q }')" "$4"
}
quant() { # model out [data [samples]]
	"$bin" quantize --model "$1" --data "${3:-$raccoon/images}" --samples "${4:-8}" --threads 2 -o "$2" >/dev/null
}
echo "| model | float .tflite | int8 .tflite | ratio | weights |"
echo "|---|---:|---:|---:|---|"
for a in 0.25 0.5 1.0; do
	f="$work/mobilenet_v1_${a}_224.float.tflite" q="$work/mobilenet_v1_${a}_224.int8.tflite"
	"$bin" export --format tflite --arch v1 --alpha "$a" --resolution 224 --seed 1 -o "$f" >/dev/null
	quant "$f" "$q"
	row "MobileNet V1 α $a, 224, 1001 classes" "$f" "$q" "random (seed 1)"
done
ssd="$work/ssd_raccoon.safetensors"
"$bin" train --task detection --data "$raccoon/data/train_labels.csv" --from coco --epochs 1 --limit 2 --batch 2 \
	--threads 2 --seed 1 --out "$ssd" >/dev/null 2>&1
"$bin" export --format tflite --model "$ssd" -o "$work/ssd.float.tflite" >/dev/null
quant "$ssd" "$work/ssd.int8.tflite"
row "SSD MobileNet V1 α 1.0, 300, 1 class + post-process" "$work/ssd.float.tflite" "$work/ssd.int8.tflite" "COCO detector, 1 raccoon step"
if [ -f "$fashion" ]; then
	"$bin" export --format tflite --model "$fashion" -o "$work/fashion.float.tflite" >/dev/null
	quant "$fashion" "$work/fashion.int8.tflite" "$shared/datasets/fashion-mnist" 64
	row "Fashion-MNIST α 0.5, 48×48 grey, 10 classes" "$work/fashion.float.tflite" "$work/fashion.int8.tflite" "trained ($(basename "$fashion"))"
fi
