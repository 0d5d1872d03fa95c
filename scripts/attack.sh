#!/usr/bin/env bash
# Replays the attacks of issue 14 against the CLI and the server on this machine and prints the figures:
#
#  1. classify: the peak RSS (/usr/bin/time) of a photo, of a 97 KB PNG of 10000×10000 grey pixels and
#     of a 213-byte truncated progressive-JPEG header claiming 10000×10000;
#  2. serve: 4 clients posting the photo for DURATION s alone, then beside 2 clients posting the big PNG
#     in a loop: normal throughput in both, the server's RSS warm, at its peak and 30 s after the attack;
#     then the progressive header posted 50 times: RSS before and after;
#  3. serve: 40 connections trickling 1 MB bodies at 1 KB/s (curl --limit-rate) beside 4 normal clients
#     for DURATION s: the share of normal requests answered 200, the RSS growth;
#  4. serve with GOGC=10 (a collection every few requests): 16 clients for LONG s, latency p50/p99/max;
#  5. SIGTERM with --drain-timeout 2s while 12 clients post the big PNG and 4 the photo: the time from
#     the signal to the process's exit, and the statuses the clients got.
#
# The machine is shared: every phase prints the load average beside its figures.
#
# Usage: scripts/attack.sh
# Needs go, curl, jq, python3 (to write the two crafted files) and /usr/bin/time. Environment:
#   SHARED     the shared data (default: ../shared beside the repository)
#   PHOTO      the normal image (default: $SHARED/images/tfls_grace_hopper.jpg)
#   DURATION   seconds of each 30-second phase (default 30);  LONG  seconds of phase 4 (default 60)
#   PORT       the server's port on 127.0.0.1 (default 18080)
#   PHASES     the phases to run (default "1 2 3 4 5")
#   MOBILENET  a prebuilt mobilenet binary to attack instead of building ./cmd/mobilenet
#   KEEP       1 keeps the temporary directory (files, server logs, raw reports)
set -euo pipefail

die() {
	echo "attack: $*" >&2
	exit 1
}

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$root/../shared}
photo=${PHOTO:-$shared/images/tfls_grace_hopper.jpg}
phases=" ${PHASES:-1 2 3 4 5} "
duration=${DURATION:-30}
long=${LONG:-60}
port=${PORT:-18080}
url=http://127.0.0.1:$port
for tool in go curl jq python3 /usr/bin/time; do
	command -v "$tool" >/dev/null || die "needs $tool"
done
[ -f "$photo" ] || die "no photo at $photo (set PHOTO or SHARED)"

tmp=$(mktemp -d)
server=""
cleanup() {
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	jobs -p | xargs -r kill 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then
		echo "attack: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

mobilenet=${MOBILENET:-}
if [ -z "$mobilenet" ]; then
	mobilenet=$tmp/mobilenet
	(cd "$root" && go build -o "$mobilenet" ./cmd/mobilenet)
fi
(cd "$root" && go build -o "$tmp/mobilenet-load" ./cmd/mobilenet-load)
load=$tmp/mobilenet-load

# The crafted files: a PNG whose 100 M grey pixels compress to 97 KB, and the start of a progressive
# JPEG (JFIF, two quantization tables, SOF2 for 10000×10000 in three components, one Huffman table, the
# header of the first scan) that image/jpeg answers by allocating every coefficient.
python3 - "$tmp" <<'EOF'
import struct, sys, zlib
d = sys.argv[1]
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b))
w = h = 10000
raw = (b'\x00' + bytes(w)) * h
open(d + '/big.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                                 + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))
def seg(m, b): return bytes([0xff, m]) + struct.pack('>H', len(b) + 2) + b
open(d + '/prog.jpg', 'wb').write(b'\xff\xd8' + seg(0xe0, b'JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00')
                                  + seg(0xdb, b'\x00' + b'\x01' * 64) + seg(0xdb, b'\x01' + b'\x01' * 64)
                                  + seg(0xc2, b'\x08' + struct.pack('>HH', h, w) + b'\x03\x01\x11\x00\x02\x11\x01\x03\x11\x01')
                                  + seg(0xc4, b'\x00\x01' + bytes(15) + b'\x00')
                                  + seg(0xda, b'\x03\x01\x00\x02\x00\x03\x00\x00\x00\x00'))
EOF
head -c 1000000 /dev/zero >"$tmp/body1mb"
big=$tmp/big.png
prog=$tmp/prog.jpg

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
rss() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status"; } # MB

# peak FILE: samples the server's RSS every 200 ms into FILE (the largest so far) until killed.
peak() {
	local top=0 r
	while r=$(rss 2>/dev/null); do
		[ "$r" -gt "$top" ] && top=$r && echo "$top" >"$1"
		sleep 0.2
	done
}

# start_server [ENV=VALUE...] -- FLAGS...: starts mobilenet serve on $port and waits until it is ready.
start_server() {
	local envs=()
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	env "${envs[@]}" "$mobilenet" serve --addr "127.0.0.1:$port" --detector none "$@" >>"$tmp/server.log" 2>&1 &
	server=$!
	for _ in $(seq 100); do
		curl -sf "$url/readyz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "the server did not start (see $tmp/server.log)"
}

stop_server() {
	kill "$server"
	wait "$server" || true
	server=""
}

# normal CLIENTS SECONDS [FLAGS...]: posts the photo and prints mobilenet-load's JSON report.
normal() {
	local clients=$1 secs=$2
	shift 2
	"$load" --url "$url" --image "$photo" --clients "$clients" --duration "${secs}s" --settle 0s --json "$@"
}

# phase N: whether phase N is to run.
phase() { [[ $phases == *" $1 "* ]]; }

if phase 1; then
	echo "## 1. classify: peak RSS"
	printf '%-24s %10s %8s  %s\n' file "peak RSS" seconds result
	for f in "$photo" "$big" "$prog"; do
		/usr/bin/time -f '%M %e' -o "$tmp/time" "$mobilenet" classify "$f" >"$tmp/out" 2>"$tmp/err" || true
		read -r kb secs < <(tail -1 "$tmp/time")
		printf '%-24s %7d MB %8s  %s\n' "$(basename "$f") ($(stat -c %s "$f") B)" $((kb / 1024)) "$secs" \
			"$( (sed -n 2p "$tmp/out"; head -1 "$tmp/err") | head -1 | cut -c 1-120)"
	done
	echo "load average $(loadavg)"
fi

if phase 2; then
	echo
	echo "## 2. serve: two clients posting the big PNG beside 4 normal clients"
	start_server -- --timeout 10s
	normal 4 "$duration" --warmup 5s >"$tmp/alone.json"
	warm=$(rss)
	echo "alone:    $(jq -r '"\(.run.kinds.ok.count // 0) ok of \(.run.requests), \(.run.req_per_s | floor) req/s"' "$tmp/alone.json"), RSS warm $warm MB, load $(loadavg)"
	peak "$tmp/peak" &
	sampler=$!
	"$load" --url "$url" --image "$big" --clients 2 --duration "${duration}s" --warmup 0s --settle 0s --timeout 60s --json >"$tmp/big.json" &
	attacker=$!
	normal 4 "$duration" --warmup 0s >"$tmp/attacked.json"
	wait "$attacker"
	kill "$sampler"
	echo "attacked: $(jq -r '"\(.run.kinds.ok.count // 0) ok of \(.run.requests), \(.run.req_per_s | floor) req/s"' "$tmp/attacked.json"), load $(loadavg)"
	echo "big PNGs: $(jq -c '.run.kinds | with_entries(.value |= .count)' "$tmp/big.json")"
	ratio=$(jq -n --slurpfile a "$tmp/alone.json" --slurpfile b "$tmp/attacked.json" '$b[0].run.req_per_s / $a[0].run.req_per_s * 100 | floor')
	echo "normal throughput attacked / alone: $ratio %; RSS peak $(cat "$tmp/peak") MB"
	sleep 30
	echo "RSS 30 s after the attack: $(rss) MB (warm $warm MB), load $(loadavg)"
	before=$(rss)
	for _ in $(seq 50); do
		curl -s -o /dev/null --data-binary @"$prog" "$url/v1/classify"
	done
	echo "progressive header x50: $(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$prog" "$url/v1/classify"), RSS $before → $(rss) MB"
	stop_server
fi

if phase 3; then
	echo
	echo "## 3. serve: 40 connections trickling 1 MB at 1 KB/s beside 4 normal clients"
	start_server -- --timeout 10s --body-timeout 10s
	normal 4 5 >/dev/null
	before=$(rss)
	peak "$tmp/peak" &
	sampler=$!
	end=$((SECONDS + duration))
	slow=()
	for i in $(seq 40); do
		(
			while [ $SECONDS -lt $end ]; do
				curl -s -o /dev/null -w '%{http_code}\n' --limit-rate 1K -H 'Content-Type: application/octet-stream' \
					--data-binary @"$tmp/body1mb" "$url/v1/classify" || true
			done >"$tmp/slow.$i"
		) &
		slow+=($!)
	done
	normal 4 "$duration" --warmup 0s >"$tmp/slow.json"
	wait "${slow[@]}"
	kill "$sampler"
	echo "normal: $(jq -r '"\(.run.kinds.ok.count // 0) ok of \(.run.requests) (\((.run.kinds.ok.count // 0) * 1000 / .run.requests | floor / 10) %), \(.run.req_per_s | floor) req/s"' "$tmp/slow.json"), load $(loadavg)"
	echo "slow bodies answered: $(cat "$tmp"/slow.[0-9]* | sort | uniq -c | tr -s ' \n' ' ')"
	echo "RSS $before MB before, peak $(cat "$tmp/peak") MB"
	stop_server
fi

if phase 4; then
	echo
	echo "## 4. serve with GOGC=10: 16 clients for $long s"
	start_server GOGC=10 -- --timeout 30s
	normal 16 "$long" --warmup 5s >"$tmp/gogc.json"
	echo "$(jq -r '.run | "\(.kinds.ok.count // 0) ok of \(.requests), \(.req_per_s | floor) req/s; ok latency p50 \(.kinds.ok.p50_ms) ms, p90 \(.kinds.ok.p90_ms) ms, p99 \(.kinds.ok.p99_ms) ms, max \(.kinds.ok.max_ms) ms"' "$tmp/gogc.json"), load $(loadavg)"
	stop_server
fi

if phase 5; then
	echo
	echo "## 5. SIGTERM with --drain-timeout 2s, big PNGs and photos in flight"
	start_server -- --timeout 60s --drain-timeout 2s
	clients=()
	for i in $(seq 16); do
		file=$big
		[ "$i" -gt 12 ] && file=$photo
		(
			while curl -s -o /dev/null -w '%{http_code}\n' --data-binary @"$file" "$url/v1/classify"; do :; done >"$tmp/term.$i"
		) &
		clients+=($!)
	done
	sleep 3
	t0=$(date +%s.%N)
	kill -TERM "$server"
	wait "$server" || true
	t1=$(date +%s.%N)
	server=""
	wait "${clients[@]}"
	echo "exit $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s after SIGTERM (drain timeout 2 s), load $(loadavg)"
	echo "big PNG clients got (count status; 000: refused, the server gone): $(cat "$tmp"/term.{1..12} | sort | uniq -c | tr -s ' \n' ' ')"
	echo "photo clients got: $(cat "$tmp"/term.{13..16} | sort | uniq -c | tr -s ' \n' ' ')"
	tail -3 "$tmp/server.log"
fi
