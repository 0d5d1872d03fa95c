#!/usr/bin/env bash
# Trains MobileNet V2 or V3 from scratch on Fashion-MNIST through `mobilenet train --arch`, timed end to end,
# with the default held-out validation split (a seeded 10 % of the training images) and the test set
# evaluated once at the end (the last JSON line). A short, stated budget, not a tuned recipe:
#
#   mobilenet train --arch ARCH --data SHARED/datasets/fashion-mnist --resolution 32 --limit LIMIT \
#       --epochs EPOCHS --threads 2 --seed 1 --json --out OUT
#
# The JSON lines go to docs/fashion_ARCH_train.jsonl (between comment lines with the date, the load,
# the commit and the wall-clock time), the curves beside OUT.
#
# Usage: scripts/train_fashion_arch.sh ARCH [OUT]   (ARCH: v2, v3-large, v3-small)
# Environment: SHARED, EPOCHS (default 4), LIMIT (default 10000), MOBILENET (a built binary)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
arch="${1:?usage: train_fashion_arch.sh ARCH [OUT]}"
out="${2:-fashion_$arch.safetensors}" epochs="${EPOCHS:-4}" limit="${LIMIT:-10000}"
data="$shared/datasets/fashion-mnist"
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "train_fashion_arch: no $data (set SHARED)" >&2; exit 1; }
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
log="$root/docs/fashion_${arch}_train.jsonl"
{
	echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(cd "$root" && git rev-parse --short HEAD)"
	start=$(date +%s)
	"$bin" train --arch "$arch" --data "$data" --resolution 32 --limit "$limit" --epochs "$epochs" \
		--threads 2 --seed 1 --json --out "$out"
	echo "# wall-clock $(( $(date +%s) - start )) s, training and the test evaluation"
} | tee "$log"
