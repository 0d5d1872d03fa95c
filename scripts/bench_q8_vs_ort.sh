#!/usr/bin/env bash
# Times this project's 8-bit runtime (mobilenet bench --model FILE.tflite) beside ONNX Runtime
# (shared/peers: onnxruntime-node, CPU) running the QDQ export of the same file (mobilenet export
# --format onnx), batch 1, interleaved (ours, ORT, ours, ORT ...) so both see the same machine noise,
# and prints a markdown table of the medians over repetitions of each call's median, their ratio, and the
# load average before and after.
#
# Usage: scripts/bench_q8_vs_ort.sh
# Environment:
#   SHARED   the shared data (default: ../shared beside the repository)
#   MODELS   .tflite files under SHARED/models (default: the uint8 V1 0.25/128 and 0.75/192,
#            person_detect.tflite and the uint8 V2 1.0/224 bird classifier)
#   REPS     repetitions (default 3);  RUNS  timed runs per call (default 200);  THREADS  default "1 2"
set -euo pipefail
die() { echo "bench_q8_vs_ort: $*" >&2; exit 1; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
[ -f "$shared/peers/bench_ort.js" ] || die "no peers/bench_ort.js under $shared (set SHARED)"
shared="$(cd "$shared" && pwd)"
models="${MODELS:-mobilenet_v1_0.25_128_quant.tflite mobilenet_v1_0.75_192_quant.tflite person_detect.tflite mobilenet_v2_1.0_224_inat_bird_quant.tflite}"
reps="${REPS:-3}"
runs="${RUNS:-200}"
threads="${THREADS:-1 2}"
for tool in go node npm python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/peers" && cp -r "$shared/peers/." "$work/peers/"
(cd "$work/peers" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1) ||
	{ tail -n 20 "$work/npm.log" >&2; die "npm install of the peers failed"; }
(cd "$root" && go build -o "$work/mobilenet" ./cmd/mobilenet) || die "build failed"
median() { python3 -c 'import sys,statistics; print("%.4f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
field() { python3 -c 'import sys,json; print(json.loads(sys.stdin.readlines()[-1])["median_ms"])'; }
load0="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "| model | threads | ours ms | ORT (QDQ) ms | ORT / ours |"
echo "|---|---|---|---|---|"
for m in $models; do
	src="$shared/models/$m"
	[ -f "$src" ] || die "no $src"
	onnx="$work/${m%.tflite}.onnx"
	"$work/mobilenet" export --format onnx --model "$src" -o "$onnx" >/dev/null
	# The input shape without the batch, as ONNX Runtime reads it from the export.
	shape="$(cd "$work/peers" && node -e '
const ort=require("onnxruntime-node");
ort.InferenceSession.create(process.argv[1]).then(s=>{const m=s.inputMetadata;
const d=(Array.isArray(m)?m[0].shape:null); if(d){console.log(d.slice(1).join(","));return;}
console.log("")}).catch(e=>{console.error(e.message);process.exit(1)})' "$onnx")"
	[ -n "$shape" ] || die "cannot read the input shape of $onnx"
	for t in $threads; do
		ours=() theirs=()
		for ((r = 0; r < reps; r++)); do
			ours+=("$("$work/mobilenet" bench --model "$src" --threads "$t" --batch 1 --runs "$runs" --json | field)")
			theirs+=("$(INPUT_SHAPE="$shape" node "$work/peers/bench_ort.js" "$onnx" "$t" 1 "$runs" | field)")
		done
		a="$(median "${ours[@]}")" b="$(median "${theirs[@]}")"
		echo "| ${m%.tflite} | $t | $a | $b | $(python3 -c "print('%.2f' % ($b/$a))") |"
	done
done
echo
echo "load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: figures are noisy)"
