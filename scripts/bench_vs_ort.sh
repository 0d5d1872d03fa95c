#!/usr/bin/env bash
# Times this project's runtime beside ONNX Runtime (shared/peers: onnxruntime-node, CPU) on MobileNet V1
# 1.0/224 and 0.25/128 with random weights, and prints a markdown table of medians, ratios and img/s,
# then the peak memory of each side, then the official uint8 0.75/192 model against our fp32 network of
# the same shape.
#
# Usage: scripts/bench_vs_ort.sh [-o TABLE.md]
#
# For each repetition, model, thread count and batch size it runs
#   ours: mobilenet bench --alpha A --resolution R --threads T --batch B --runs N --json
#   ORT:  INPUT_SHAPE=R,R,3 node bench_ort.js MODEL.onnx T B N
# one after the other (A B A B ...), so that both see the same machine noise; each row of the table is
# the median over repetitions of each run's median. Before timing, the exported ONNX models are checked
# against this project's runtime on the shared input (logits within 1e-4 relative + 1e-5 of the
# largest logit).
#
# Needs go, node, npm and /usr/bin/time. Environment:
#   SHARED    the shared data (default: ../shared beside the repository)
#   REPS      repetitions (default 3)
#   MODELS    default "1.0/224 0.25/128" (ALPHA/RESOLUTION)
#   ARCH      v1 (default), v2, v3-large or v3-small: the architecture of every model timed. V1 is
#             checked with benchcmp on logits at batch 2; the others by comparing `mobilenet bench
#             --dump` with ONNX Runtime's --dump on the same input (probabilities, batch 1); the uint8
#             comparison runs for V1 only.
#   THREADS   default "1 2";  BATCHES  default "1 8"
#   RUNS      timed runs per call for every configuration (default: about a second of ORT work each)
#   ORT_ONLY  1 times ONNX Runtime alone (the ours column stays empty)
#   MOBILENET a prebuilt mobilenet binary to time instead of building ./cmd/mobilenet
#   CHECK     0 skips the numeric check
#   KEEP      1 keeps the temporary directory (models, raw results)
set -euo pipefail

die() {
	echo "bench_vs_ort: $*" >&2
	exit 1
}
say() { echo "bench_vs_ort: $*" >&2; }

out=""
while [ $# -gt 0 ]; do
	case "$1" in
	-o)
		[ $# -ge 2 ] || die "-o needs a file name"
		out="$2"
		shift 2
		;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
[ -f "$shared/peers/bench_ort.js" ] || die "no peers/bench_ort.js under $shared (set SHARED)"
shared="$(cd "$shared" && pwd)"
reps="${REPS:-3}"
models="${MODELS:-1.0/224 0.25/128}"
arch="${ARCH:-v1}"
case "$arch" in v1 | v2 | v3-large | v3-small) ;; *) die "ARCH=$arch: want v1, v2, v3-large or v3-small" ;; esac
threads_list="${THREADS:-1 2}"
batches="${BATCHES:-1 8}"
ort_only="${ORT_ONLY:-0}"
load0="$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')"
for tool in go node npm; do
	command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian: apt-get install time)"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "REPS=$reps: want a positive integer"

work="$(mktemp -d "${TMPDIR:-/tmp}/bench_vs_ort.XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then
	say "keeping $work"
else
	trap 'rm -rf "$work"' EXIT
fi
results="$work/results.tsv"
: >"$results"

# run LOG CMD...: runs CMD with stderr into LOG; on failure shows the command and the end of LOG.
run() {
	local log="$1"
	shift
	if ! "$@" 2>"$log"; then
		echo "bench_vs_ort: failed: $*" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
}

say "setting up ONNX Runtime in $work/peers"
cp -r "$shared/peers/." "$work/peers/"
(cd "$work/peers" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1) ||
	{ tail -n 20 "$work/npm.log" >&2; die "npm install of the peers failed"; }
ort() { INPUT_SHAPE="$1,$1,3" node "$work/peers/bench_ort.js" "${@:2}"; }

say "building"
(cd "$root" && go build -o "$work/benchcmp" ./scripts/benchcmp) || die "go build ./scripts/benchcmp failed"
bin="${MOBILENET:-}"
if [ -z "$bin" ]; then
	(cd "$root" && go build -o "$work/mobilenet" ./cmd/mobilenet) || die "go build ./cmd/mobilenet failed"
	bin="$work/mobilenet"
fi
[ -x "$bin" ] || die "MOBILENET=$bin is not an executable"
if [ "$ort_only" != 1 ] && ! "$bin" bench --help >/dev/null 2>&1; then
	die "$bin has no bench command; set ORT_ONLY=1 to time ONNX Runtime alone"
fi
has_export=0
if "$bin" export --help >/dev/null 2>&1; then has_export=1; fi

# Default runs per call: about a second of ONNX Runtime work, enough for a stable median.
runs_for() { # MODEL BATCH
	if [ -n "${RUNS:-}" ]; then
		echo "$RUNS"
		return
	fi
	case "$1:$2" in
	*/224:1) echo 100 ;;
	*/224:*) echo 20 ;;
	*:1) echo 400 ;;
	*) echo 100 ;;
	esac
}

for m in $models; do
	alpha="${m%/*}" res="${m#*/}"
	[[ "$alpha" =~ ^[0-9.]+$ && "$res" =~ ^[0-9]+$ ]] || die "MODELS entry $m: want ALPHA/RESOLUTION"
	onnx="$work/mobilenet_${arch}_${alpha}_${res}.onnx"
	if [ "$has_export" = 1 ]; then
		run "$work/export.log" "$bin" export --format onnx --arch "$arch" --alpha "$alpha" --resolution "$res" -o "$onnx"
	elif [ "$arch" != v1 ]; then
		die "$bin cannot export: ARCH=$arch needs mobilenet export"
	else
		run "$work/export.log" "$work/benchcmp" export -alpha "$alpha" -resolution "$res" -o "$onnx"
	fi
	if [ "${CHECK:-1}" != 0 ] && [ "$arch" != v1 ]; then
		say "checking $arch $m against ONNX Runtime (probabilities, batch 1)"
		run "$work/check.log" ort "$res" "$onnx" 1 1 1 0 --dump "$work/check_ort.bin" >/dev/null
		run "$work/check.log" "$bin" bench --arch "$arch" --alpha "$alpha" --resolution "$res" --threads 1 --batch 1 \
			--runs 1 --warmup 0 --dump "$work/check_ours.bin" >/dev/null
		node -e '
			const fs = require("fs");
			const f = (p) => { const b = fs.readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
			const a = f(process.argv[1]), b = f(process.argv[2]);
			if (a.length !== b.length) { console.error(`lengths ${a.length} and ${b.length}`); process.exit(1); }
			let d = 0, m = 0;
			for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
			const tol = 1e-4 * m + 1e-6;
			console.error(`max |diff| ${d.toExponential(3)} of ${a.length} outputs (tolerance ${tol.toExponential(3)})`);
			if (!(d <= tol)) process.exit(1);' "$work/check_ours.bin" "$work/check_ort.bin" 2>&1 >&2 ||
			die "$arch $m: our outputs and ONNX Runtime's differ"
	elif [ "${CHECK:-1}" != 0 ]; then
		say "checking $m against ONNX Runtime (logits, batch 2)"
		run "$work/check.log" "$work/benchcmp" export -alpha "$alpha" -resolution "$res" -logits -o "$work/check.onnx"
		run "$work/check.log" ort "$res" "$work/check.onnx" 1 2 1 0 --dump "$work/check.bin" >/dev/null
		run "$work/check.log" "$work/benchcmp" check -alpha "$alpha" -resolution "$res" -logits -batch 2 \
			-ort "$work/check.bin" >&2
	fi
done

for rep in $(seq 1 "$reps"); do
	for m in $models; do
		alpha="${m%/*}" res="${m#*/}"
		onnx="$work/mobilenet_${arch}_${alpha}_${res}.onnx"
		for t in $threads_list; do
			for b in $batches; do
				n="$(runs_for "$m" "$b")"
				line="rep $rep/$reps $m threads $t batch $b runs $n:"
				if [ "$ort_only" != 1 ]; then
					j="$(run "$work/ours.log" "$bin" bench --arch "$arch" --alpha "$alpha" --resolution "$res" --threads "$t" \
						--batch "$b" --runs "$n" --json | tr -d '\n')"
					printf 'time\tours\t%s\t%s\t%s\t%s\t%s\n' "$m" "$t" "$b" "$rep" "$j" >>"$results"
					line="$line ours $(sed 's/.*"median_ms": *\([0-9.eE+-]*\).*/\1/' <<<"$j") ms"
				fi
				j="$(run "$work/ort.log" ort "$res" "$onnx" "$t" "$b" "$n" | tr -d '\n')"
				printf 'time\tort\t%s\t%s\t%s\t%s\t%s\n' "$m" "$t" "$b" "$rep" "$j" >>"$results"
				say "$line ORT $(sed 's/.*"median_ms": *\([0-9.eE+-]*\).*/\1/' <<<"$j") ms"
			done
		done
	done
done

# Peak resident memory, 1.0/224 (or the first model), batch 1, one thread.
m="$(for x in $models; do echo "$x"; done | grep -m1 '/224$' || true)"
m="${m:-${models%% *}}"
alpha="${m%/*}" res="${m#*/}"
peak() { sed -n 's/.*Maximum resident set size (kbytes): *//p' "$1"; }
if [ "$ort_only" != 1 ]; then
	run "$work/mem.log" /usr/bin/time -v -o "$work/time_ours.txt" "$bin" bench --arch "$arch" --alpha "$alpha" --resolution "$res" \
		--threads 1 --batch 1 --runs 20 --json >/dev/null
	printf 'mem\tours\t%s\t%s\t%s\n' "$m" "$(peak "$work/time_ours.txt")" "mobilenet bench, batch 1, 1 thread" >>"$results"
fi
run "$work/mem.log" /usr/bin/time -v -o "$work/time_ort.txt" env INPUT_SHAPE="$res,$res,3" \
	node "$work/peers/bench_ort.js" "$work/mobilenet_${arch}_${alpha}_${res}.onnx" 1 1 20 >/dev/null
printf 'mem\tort\t%s\t%s\t%s\n' "$m" "$(peak "$work/time_ort.txt")" "node bench_ort.js, batch 1, 1 thread" >>"$results"
run "$work/mem.log" /usr/bin/time -v -o "$work/time_node.txt" \
	node -e 'require(process.argv[1])' "$work/peers/node_modules/onnxruntime-node"
printf 'mem\tort\t-\t%s\t%s\n' "$(peak "$work/time_node.txt")" "node with onnxruntime-node loaded, no model (baseline)" >>"$results"

# The official uint8 MobileNet V1 0.75/192 against our fp32 network of the same shape, one thread,
# interleaved, median of the repetitions' medians.
quant="$shared/models/mobilenet_v1_0.75_192_quant.tflite"
median_of() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
json_ms() { sed -n 's/.*"median_ms": *\([0-9.e+-]*\).*/\1/p'; }
if [ "$ort_only" != 1 ] && [ "$arch" = v1 ] && [ -f "$quant" ]; then
	: >"$work/q8.txt"
	: >"$work/f32.txt"
	for rep in $(seq 1 "$reps"); do
		run "$work/q8.log" "$bin" bench --model "$quant" --threads 1 --runs 200 --json | json_ms >>"$work/q8.txt"
		run "$work/q8.log" "$bin" bench --alpha 0.75 --resolution 192 --threads 1 --runs 200 --json | json_ms >>"$work/f32.txt"
	done
	q8="$(median_of <"$work/q8.txt")" f32="$(median_of <"$work/f32.txt")"
	say "uint8 0.75/192 $q8 ms, fp32 0.75/192 $f32 ms"
fi

{
	echo "## MobileNet $arch (random weights): this project vs ONNX Runtime"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs," \
		"load average before the runs $load0, $(go version | cut -d' ' -f3)," \
		"$(sed -n 's/.*"engine": *"\([^"]*\)".*/\1/p' "$results" | head -n1), $reps repetitions, medians of medians."
	echo "Commit $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$root" && git diff --quiet 2>/dev/null || echo ' (dirty)')."
	echo
	"$work/benchcmp" table "$results"
	if [ -n "${q8:-}" ]; then
		echo
		echo "| 1 thread, batch 1 | ms | ratio |"
		echo "|---|---|---|"
		echo "| official uint8 MobileNet V1 0.75/192 (.tflite) | $q8 | $(awk -v a="$q8" -v b="$f32" 'BEGIN {printf "%.2f", a / b}') |"
		echo "| our fp32 MobileNet V1 0.75/192 | $f32 | 1 |"
	fi
} >"$work/table.md" || die "formatting the table failed (raw results: KEEP=1 keeps $results)"
cat "$work/table.md"
if [ -n "$out" ]; then
	cp "$work/table.md" "$out"
	say "table written to $out"
fi
