#!/usr/bin/env bash
# Times `mobilenet train` beside PyTorch (shared/peers/torch_train_speed.py, Debian's python3-torch on the
# CPU) on the same network: MobileNet V1 α 0.5 at 48×48, 1 channel, 10 classes, batch 128, 2 threads,
# SGD with Nesterov momentum, weight decay 1e-4, label smoothing 0.1. Prints every run, the medians and
# the ratio ours/torch (above 1: we are faster).
#
#   torch: /usr/bin/python3 torch_train_speed.py --alpha 0.5 --res 48 --batch 128 --threads 2 --steps STEPS
#          (5 untimed warm-up steps first; one fixed batch of random tensors: no data loading, no
#          augmentation, no validation)
#   ours:  mobilenet train --data SHARED/datasets/fashion-mnist --alpha 0.5 --resolution 48 --batch 128
#          --optimizer nesterov --lr 0.1 --warmup 0.3 --weight-decay 1e-4 --label-smoothing 0.1
#          --threads 2 --limit LIMIT --epochs 1 --json
#          (the real data pipeline: decoding, resizing to 48×48, random crops and flips in background
#          goroutines; img_per_s of the epoch JSON line counts every training step, the first ones
#          included, and leaves out start-up and validation)
#
# Each repetition runs both one after the other, swapping which goes first every repetition, so that
# both see the same machine noise. PyTorch suffers far more than we do when other processes take a core
# (its OpenMP threads wait for each other: 52 against 247 img/s in two runs a minute apart on a busy
# 2-vCPU machine), so compare on a quiet machine and look at every run, not only the ratio.
#
# Usage: scripts/bench_train_vs_torch.sh BINARY [REPS]
#
#   REPS     repetitions (default 3)
# Environment:
#   SHARED   the shared data (default: ../shared beside the repository)
#   PYTHON   the Python with torch (default /usr/bin/python3, the peer's interpreter)
#   STEPS    torch's timed steps (default 30)
#   LIMIT    our examples (default 128 × (STEPS + 5): as many steps as torch runs in all)
#   KEEP     1 keeps the temporary directory (JSON lines, logs)
set -euo pipefail

prog=bench_train_vs_torch
die() {
	echo "$prog: $*" >&2
	exit 1
}
say() { echo "$prog: $*" >&2; }
usage() {
	echo "usage: scripts/bench_train_vs_torch.sh BINARY [REPS]   (--help for more)" >&2
	exit 2
}

case "${1:-}" in
-h | --help)
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
	exit 0
	;;
-*) usage ;;
esac
[ $# -ge 1 ] && [ $# -le 2 ] || usage
bin="$1" reps="${2:-3}"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "REPS=$reps: want a positive integer"
[ -f "$bin" ] && [ -x "$bin" ] || die "$bin is not an executable file"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
[[ "$("$bin" train -h 2>&1 || true)" == *-limit* ]] || die "$bin has no train --limit"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
[ -f "$shared/peers/torch_train_speed.py" ] || die "no peers/torch_train_speed.py under $shared (set SHARED)"
[ -d "$shared/datasets/fashion-mnist" ] || die "no datasets/fashion-mnist under $shared (set SHARED)"
shared="$(cd "$shared" && pwd)"
python="${PYTHON:-/usr/bin/python3}"
steps="${STEPS:-30}"
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || die "STEPS=$steps: want a positive integer"
limit="${LIMIT:-$((128 * (steps + 5)))}"
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || die "LIMIT=$limit: want a positive integer"
if ! "$python" -c 'import torch' 2>/dev/null; then
	die "$python cannot import torch: install Debian's python3-torch (apt-get install python3-torch), or set PYTHON"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/bench_train_vs_torch.XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then
	say "keeping $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# busy_warning: a line when other work keeps the CPUs busy (1-minute load average above half the CPUs).
busy_warning() {
	awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" -v p="$1" 'BEGIN {
		if (l > n / 2) printf "%s: warning: load average %s on %d CPUs: other work competes for the cores; the figures are noisy\n", p, l, n
	}' >&2
}

# run NAME CMD...: runs CMD with stdout into $work/NAME.json and stderr into $work/NAME.log.
run() {
	local name="$1"
	shift
	if ! "$@" >"$work/$name.json" 2>"$work/$name.log"; then
		say "failed: $* (stdout and stderr follow)"
		tail -n 20 "$work/$name.json" "$work/$name.log" >&2
		exit 1
	fi
}
field() { # JSON-LINE KEY
	sed -n "s/.*\"$2\": *\([-0-9.eE+]*\).*/\1/p" <<<"$1"
}
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

say "$reps repetitions: torch $steps timed steps (+5 warm-up), ours --limit $limit --epochs 1"
load0="$(cut -d' ' -f1-3 /proc/loadavg)"
busy_warning "$prog"
: >"$work/runs.tsv"
peer=""
for rep in $(seq 1 "$reps"); do
	if [ $((rep % 2)) = 1 ]; then order="torch ours"; else order="ours torch"; fi
	for side in $order; do
		t0="$(date +%s.%N)"
		if [ "$side" = torch ]; then
			run torch "$python" "$shared/peers/torch_train_speed.py" --alpha 0.5 --res 48 --batch 128 --threads 2 \
				--steps "$steps"
			l="$(grep '"img_per_s"' "$work/torch.json" | tail -n1 || true)"
			peer="$(sed -n 's/.*"peer": *"\([^"]*\)".*/\1/p' <<<"$l")"
		else
			rm -f "$work"/ours.*
			run ours "$bin" train --data "$shared/datasets/fashion-mnist" --alpha 0.5 --resolution 48 --batch 128 \
				--optimizer nesterov --lr 0.1 --warmup 0.3 --weight-decay 1e-4 --label-smoothing 0.1 --threads 2 \
				--json --limit "$limit" --epochs 1 --out "$work/ours.safetensors"
			l="$(grep '"epoch"' "$work/ours.json" | grep -v '"step"' | tail -n1 || true)"
			[ -n "$l" ] || l="$(grep '"img_per_s"' "$work/ours.json" | tail -n1 || true)"
		fi
		wall="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')"
		ips="$(field "$l" img_per_s)"
		[ -n "$ips" ] || die "$side printed no img_per_s: $(head -c 500 "$work/$side.json")"
		printf '%s\t%s\t%s\t%s\t%s\n' "$rep" "$side" "$ips" "$wall" "$(cut -d' ' -f1 /proc/loadavg)" >>"$work/runs.tsv"
		say "rep $rep/$reps $side: $(printf '%.1f' "$ips") img/s ($wall s)"
	done
done

commit="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && ! (cd "$root" && git diff --quiet HEAD 2>/dev/null); then
	commit="$commit (dirty)"
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) (before the runs $load0)," \
	"$(go version 2>/dev/null | cut -d' ' -f3 || echo 'no go'), commit $commit"
echo "# ours: $bin (sha256 $(sha256sum "$bin" | cut -c1-12)); torch: ${peer:-pytorch}, $python"
echo "# MobileNet V1 α 0.5, 48×48×1, 10 classes, batch 128, 2 threads, Nesterov SGD, weight decay 1e-4, label smoothing 0.1"
echo "# torch: $steps timed steps after 5 warm-up steps on one fixed batch of random tensors (no data loading," \
	"augmentation or validation)"
echo "# ours:  --limit $limit --epochs 1 on Fashion-MNIST through the real data pipeline (decode, resize," \
	"random crops and flips); every training step timed, start-up and validation not"
echo "# wall_s: the whole process (start-up, and for ours loading the data and validating on 10000 test images)"
printf '%-4s %-6s %10s %8s %8s\n' rep side img/s wall_s load1
awk -F'\t' '{printf "%-4s %-6s %10.1f %8s %8s\n", $1, $2, $3, $4, $5}' "$work/runs.tsv"
mt="$(awk -F'\t' '$2 == "torch" {print $3}' "$work/runs.tsv" | median)"
mo="$(awk -F'\t' '$2 == "ours" {print $3}' "$work/runs.tsv" | median)"
pr="$(awk -F'\t' '{v[$1, $2] = $3} END {for (r = 1; v[r, "torch"] != ""; r++) print v[r, "ours"] / v[r, "torch"]}' "$work/runs.tsv" | median)"
awk -v t="$mt" -v o="$mo" -v p="$pr" -v r="$reps" 'BEGIN {
	printf "median img/s over %d runs: ours %.1f, torch %.1f\n", r, o, t
	printf "ratio ours/torch: %.3f (medians), %.3f (median of per-repetition ratios)\n", o / t, p
}'
