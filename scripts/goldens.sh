#!/usr/bin/env bash
# Regenerates testdata/golden: reference outputs of the real TensorFlow Lite interpreter
# (shared/oracle: tfjs-tflite 0.0.1-alpha.10 with XNNPACK, under Node) for the models in shared/models.
# Needs node and npm (the oracle's packages are installed into a temporary directory) and go.
# SHARED overrides the location of the shared data (default: ../shared beside the repository).
# Extra arguments go to the generator (e.g. -j 4).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$(cd "${SHARED:-$root/../shared}" && pwd)"
oracle="$(mktemp -d "${TMPDIR:-/tmp}/oracle.XXXXXX")"
trap 'rm -rf "$oracle"' EXIT

cp -r "$shared/oracle/." "$oracle/"
(cd "$oracle" && npm install --ignore-scripts --no-audit --no-fund)

cd "$root"
go run ./internal/tools/goldens -oracle "$oracle" -models "$shared/models" -images "$shared/images" \
	-out testdata/golden "$@"
