#!/usr/bin/env bash
# Times 8-bit models against the same network in float32 at one thread (or THREADS), interleaved
# (A B A B ...) so that both see the same machine noise, and prints a markdown table of the medians of
# each call's median and their ratio (int8 time / float time).
#
# Usage: scripts/bench_int8_vs_float.sh NAME INT8.tflite FLOAT [NAME INT8.tflite FLOAT ...]
#   FLOAT is a float .tflite, or "arch:ARCH:ALPHA:RES" for a built network (random weights).
# Environment: REPS (default 5), RUNS (timed runs per call, default 50), THREADS (default 1),
#              MOBILENET (a built binary; default: go build ./cmd/mobilenet)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${REPS:-5}" runs="${RUNS:-50}" threads="${THREADS:-1}"
[ $# -ge 3 ] && [ $(( $# % 3 )) -eq 0 ] || { echo "usage: bench_int8_vs_float.sh NAME INT8.tflite FLOAT [...]" >&2; exit 2; }
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$root" && go build -o "$tmp/mobilenet" ./cmd/mobilenet)
	bin="$tmp/mobilenet"
fi
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
one() { # prints the median ms of one bench call
	local spec="$1"
	if [[ "$spec" == arch:* ]]; then
		IFS=: read -r _ arch alpha res <<<"$spec"
		"$bin" bench --arch "$arch" --alpha "$alpha" --resolution "$res" --threads "$threads" --runs "$runs" --json
	else
		"$bin" bench --model "$spec" --threads "$threads" --runs "$runs" --json
	fi | sed -n 's/.*"median_ms":\([0-9.e+-]*\).*/\1/p'
}
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $threads thread(s), $reps repetitions of $runs runs, medians of medians"
echo
echo "| model | int8 ms | float ms | int8 / float |"
echo "|---|---:|---:|---:|"
while [ $# -gt 0 ]; do
	name="$1" q="$2" f="$3"; shift 3
	qs=() fs=()
	for _ in $(seq "$reps"); do
		qs+=("$(one "$q")")
		fs+=("$(one "$f")")
	done
	mq="$(printf '%s\n' "${qs[@]}" | median)" mf="$(printf '%s\n' "${fs[@]}" | median)"
	echo "| $name | $mq | $mf | $(awk -v a="$mq" -v b="$mf" 'BEGIN {printf "%.2f", a/b}') |"
done
