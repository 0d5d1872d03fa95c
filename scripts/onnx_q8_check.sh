#!/usr/bin/env bash
# Checks the ONNX export of 8-bit graphs (QDQ form, formats/onnx/qdq.go) against ONNX Runtime's int8
# kernels: exports the official uint8 MobileNet V1 0.25/128 and 0.75/192 files, the int8 per-channel
# person detector and the uint8 MobileNet V2 bird classifier, runs them in onnxruntime-node
# (shared/peers) on seeded inputs (the peers' LCG sequence, seeds 1-3) and two photos (shared/images),
# each quantized with the input's parameters and given to ORT dequantized (the export's input is float32
# NHWC), quantizes ORT's float output (the model outputs the dequantized 8-bit codes) back with the
# output's parameters, and compares with this project's 8-bit runtime on the same codes. Prints one line
# per model: codes equal and the largest difference; fails unless at least 99 % are equal and none is
# more than 1 apart (go test -run TestQDQAgainstORT ./formats/onnx with ORT_PEERS set). Then it shows
# that ORT fused the QDQ patterns: the op types of ORT's optimized 0.25/128 model.
#
# Usage: scripts/onnx_q8_check.sh        Needs go, node, npm.  SHARED: the shared data (../shared).
set -euo pipefail
die() { echo "onnx_q8_check: $*" >&2; exit 1; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
[ -f "$shared/peers/bench_ort.js" ] || die "no peers/bench_ort.js under $shared (set SHARED)"
shared="$(cd "$shared" && pwd)"
for tool in go node npm; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/peers" && cp -r "$shared/peers/." "$work/peers/"
(cd "$work/peers" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1) ||
	{ tail -n 20 "$work/npm.log" >&2; die "npm install of the peers failed"; }
cd "$root"
rc=0
ORT_PEERS="$work/peers" go test -count=1 -run 'TestQDQAgainstORT' -v ./formats/onnx >"$work/test.log" 2>&1 || rc=$?
grep -E '^onnx_q8_check:|^--- (FAIL|SKIP)|qdq_test.go' "$work/test.log" || true
[ "$rc" = 0 ] || { tail -n 20 "$work/test.log" >&2; die "ONNX Runtime and this project disagree (see above)"; }
go run ./cmd/mobilenet export --format onnx --model "$shared/models/mobilenet_v1_0.25_128_quant.tflite" -o "$work/m.onnx" >/dev/null
(cd "$work/peers" && node -e '
const ort = require("onnxruntime-node");
ort.InferenceSession.create(process.argv[1], { optimizedModelFilePath: process.argv[2] }).catch((e) => { console.error(e.message); process.exit(1); });
' "$work/m.onnx" "$work/opt.onnx" 2>/dev/null)
printf 'onnx_q8_check: ORT optimized 0.25/128:'
for op in QLinearConv QLinearAveragePool QLinearSoftmax QuantizeLinear DequantizeLinear; do
	printf ' %s %s' "$op" "$(grep -ao "\b$op\b" "$work/opt.onnx" | wc -l)"
done
echo
echo "onnx_q8_check: ok"
