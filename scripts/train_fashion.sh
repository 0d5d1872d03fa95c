#!/usr/bin/env bash
# Measures the README's Fashion-MNIST figure through the command itself, timed end to end:
#
#   mobilenet train --data SHARED/datasets/fashion-mnist --alpha 0.5 --resolution 48 --epochs 30 \
#       --batch 128 --optimizer nesterov --lr 0.1 --warmup 0.3 --weight-decay 1e-4 --label-smoothing 0.1 \
#       --threads 2 --seed 1 --json --out OUT
#
# A seeded 10 % of the 60,000 training images validates after each epoch (the default --val-split); the
# 10,000 test images are evaluated once, at the end: the last JSON line, test_loss and test_accuracy.
# The JSON lines go to docs/fashion_mnist_train.jsonl (between two comment lines giving the date, the
# machine's load, the commit and the wall-clock time) and to the standard output; the curves beside OUT.
# It takes about 45 minutes on two cores: run it on an otherwise idle machine.
#
# Usage: scripts/train_fashion.sh [OUT]   (default fashion.safetensors; it must not exist)
# Environment: SHARED (default ../shared beside the repository), EPOCHS (default 30), MOBILENET (a built
# binary; default: go build ./cmd/mobilenet into a temporary directory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
out="${1:-fashion.safetensors}" epochs="${EPOCHS:-30}"
data="$shared/datasets/fashion-mnist"
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "train_fashion: no $data/train-images-idx3-ubyte.gz (set SHARED)" >&2; exit 1; }
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
log="$root/docs/fashion_mnist_train.jsonl"
{
	echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(cd "$root" && git rev-parse --short HEAD)"
	start=$(date +%s)
	"$bin" train --data "$data" --alpha 0.5 --resolution 48 --epochs "$epochs" --batch 128 --optimizer nesterov \
		--lr 0.1 --warmup 0.3 --weight-decay 1e-4 --label-smoothing 0.1 --threads 2 --seed 1 --json --out "$out"
	echo "# wall-clock $(( $(date +%s) - start )) s, training and the test evaluation"
} | tee "$log"
