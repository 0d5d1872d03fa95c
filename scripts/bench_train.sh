#!/usr/bin/env bash
# Compares the training speed of two mobilenet binaries (say, the last commit's and the working tree's)
# on the shape of the README's Fashion-MNIST recipe (α 0.5 at 48×48, batch 128, Nesterov, 2 threads):
#
#   mobilenet train --data SHARED/datasets/fashion-mnist --alpha 0.5 --resolution 48 --batch 128 \
#       --optimizer nesterov --lr 0.1 --warmup 0.3 --weight-decay 1e-4 --label-smoothing 0.1 \
#       --threads 2 --json --limit LIMIT --epochs 1 --out TMP/x.safetensors
#
# Each repetition runs both binaries one after the other, swapping which goes first every repetition
# (old new, new old, old new, ...) so that both see the same machine noise and neither always runs
# second. A run's figure is the img_per_s of its epoch JSON line (training steps only: validation and
# start-up are not in it). It prints every run, the medians, the ratio new/old of the medians and the
# median of the per-repetition ratios.
#
# With --accuracy it instead trains each binary once for 2 epochs on ACC_LIMIT examples with the same
# seed, and prints both final test accuracies (IDX data validates on the test set) and their difference
# in points; the exit status is 1 when they differ by more than TOL points. These runs pass
# --bn-momentum 0.9 (the README's advice for short runs): with the default 0.99 the moving statistics
# lag so far behind after 188 steps that the test accuracy is about 28 % (train 75 %), a figure that a
# small numerical difference can swing by many points; with 0.9 it is about 77 %. The training steps
# are the same either way (the momentum only drives the moving statistics used to validate).
#
# Usage: scripts/bench_train.sh [--accuracy] OLD_BINARY NEW_BINARY [REPS]
#
#   REPS      repetitions of the speed comparison (default 5; not used by --accuracy)
# Environment:
#   SHARED    the shared data (default: ../shared beside the repository)
#   LIMIT     examples of the speed runs (default 12800: 100 steps, 35-50 s a run on 2 busy vCPUs)
#   ACC_LIMIT examples of the --accuracy runs (default 12000)
#   SEED      seed of every run (default 1)
#   BN_MOMENTUM  --bn-momentum of the --accuracy runs (default 0.9; 0.99 is train's default)
#   TOL       largest accepted accuracy difference in points (default 0.3)
#   KEEP      1 keeps the temporary directory (checkpoints, JSON lines, logs)
set -euo pipefail

prog=bench_train
die() {
	echo "$prog: $*" >&2
	exit 1
}
say() { echo "$prog: $*" >&2; }
usage() {
	echo "usage: scripts/bench_train.sh [--accuracy] OLD_BINARY NEW_BINARY [REPS]   (--help for more)" >&2
	exit 2
}

mode=speed
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--accuracy)
		mode=accuracy
		shift
		;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) echo "$prog: unknown option $1" >&2 && usage ;;
	*)
		args+=("$1")
		shift
		;;
	esac
done
[ "${#args[@]}" -ge 2 ] && [ "${#args[@]}" -le 3 ] || usage
old="${args[0]}" new="${args[1]}" reps="${args[2]:-5}"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "REPS=$reps: want a positive integer"
for b in "$old" "$new"; do
	[ -f "$b" ] && [ -x "$b" ] || die "$b is not an executable file"
done
old="$(cd "$(dirname "$old")" && pwd)/$(basename "$old")"
new="$(cd "$(dirname "$new")" && pwd)/$(basename "$new")"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
data="$shared/datasets/fashion-mnist"
[ -d "$data" ] || die "no datasets/fashion-mnist under $shared (set SHARED)"
data="$(cd "$data" && pwd)"
limit="${LIMIT:-12800}" acc_limit="${ACC_LIMIT:-12000}" seed="${SEED:-1}" tol="${TOL:-0.3}" bn="${BN_MOMENTUM:-0.9}"
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || die "LIMIT=$limit: want a positive integer"
[[ "$acc_limit" =~ ^[1-9][0-9]*$ ]] || die "ACC_LIMIT=$acc_limit: want a positive integer"
[[ "$seed" =~ ^[0-9]+$ ]] || die "SEED=$seed: want a non-negative integer"
[[ "$tol" =~ ^[0-9]*\.?[0-9]+$ ]] || die "TOL=$tol: want a non-negative number"
[[ "$bn" =~ ^0?\.[0-9]+$ ]] || die "BN_MOMENTUM=$bn: want a number in (0, 1)"
for b in "$old" "$new"; do
	[[ "$("$b" train -h 2>&1 || true)" == *-limit* ]] || die "$b has no train --limit"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/bench_train.XXXXXX")"
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

# header: one line on the machine and the code, printed before the results.
header() {
	local commit
	commit="$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	if [ "$commit" != unknown ] && ! (cd "$root" && git diff --quiet HEAD 2>/dev/null); then
		commit="$commit (dirty)"
	fi
	echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg), $(go version 2>/dev/null | cut -d' ' -f3 || echo 'no go')," \
		"commit $commit"
	echo "# old $old (sha256 $(sha256sum "$old" | cut -c1-12)), new $new (sha256 $(sha256sum "$new" | cut -c1-12))"
}

# train BINARY NAME EPOCHS LIMIT [FLAGS...]: one training run; its JSON lines go to $work/NAME.json.
train() {
	local bin="$1" name="$2" epochs="$3" n="$4"
	shift 4
	rm -f "$work/$name".*
	if ! "$bin" train --data "$data" --alpha 0.5 --resolution 48 --batch 128 --optimizer nesterov --lr 0.1 \
		--warmup 0.3 --weight-decay 1e-4 --label-smoothing 0.1 --threads 2 --seed "$seed" --json \
		--limit "$n" --epochs "$epochs" "$@" --out "$work/$name.safetensors" >"$work/$name.json" 2>"$work/$name.log"; then
		say "failed: $bin train ... (stdout and stderr follow)"
		tail -n 20 "$work/$name.json" "$work/$name.log" >&2
		exit 1
	fi
}

# epoch_line NAME: the last epoch JSON line of run NAME (a line with "epoch" and no "step"), or failing
# that the last line with img_per_s.
epoch_line() {
	local l
	l="$(grep '"epoch"' "$work/$1.json" | grep -v '"step"' | tail -n1 || true)"
	[ -n "$l" ] || l="$(grep '"img_per_s"' "$work/$1.json" | tail -n1 || true)"
	[ -n "$l" ] || die "run $1 printed no JSON line with img_per_s: $(head -c 500 "$work/$1.json")"
	echo "$l"
}
field() { # JSON-LINE KEY
	sed -n "s/.*\"$2\": *\([-0-9.eE+]*\).*/\1/p" <<<"$1"
}
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

if [ "$mode" = accuracy ]; then
	say "accuracy: 2 epochs on $acc_limit examples, seed $seed, --bn-momentum $bn, old then new"
	load0="$(cut -d' ' -f1-3 /proc/loadavg)"
	busy_warning "$prog"
	train "$old" acc_old 2 "$acc_limit" --bn-momentum "$bn"
	train "$new" acc_new 2 "$acc_limit" --bn-momentum "$bn"
	header
	echo "# --accuracy: --epochs 2 --limit $acc_limit --seed $seed --bn-momentum $bn, validated on the Fashion-MNIST test set" \
		"(10000 images); load average before the runs $load0"
	printf '%-4s %10s %10s %10s %10s %10s\n' run val_acc_% val_loss train_acc_% train_loss img/s
	for name in old new; do
		l="$(epoch_line "acc_$name")"
		a="$(field "$l" val_accuracy)"
		[ -n "$a" ] || die "run acc_$name printed no val_accuracy: $l"
		printf -v "acc_$name" '%s' "$a"
		awk -v n="$name" -v a="$a" -v vl="$(field "$l" val_loss)" -v ta="$(field "$l" train_accuracy)" \
			-v tl="$(field "$l" train_loss)" -v s="$(field "$l" img_per_s)" \
			'BEGIN {printf "%-4s %10.2f %10.4f %10.2f %10.4f %10.1f\n", n, 100 * a, vl, 100 * ta, tl, s}'
	done
	# shellcheck disable=SC2154 # set by printf -v above
	awk -v o="$acc_old" -v n="$acc_new" -v t="$tol" 'BEGIN {
		d = 100 * (n - o); ad = d < 0 ? -d : d
		printf "difference new - old: %+.2f points (tolerance %s): %s\n", d, t, ad <= t + 1e-9 ? "OK" : "OUTSIDE"
		exit ad <= t + 1e-9 ? 0 : 1
	}'
	exit 0
fi

say "speed: $reps repetitions of old and new, --limit $limit --epochs 1 each"
load0="$(cut -d' ' -f1-3 /proc/loadavg)"
busy_warning "$prog"
: >"$work/runs.tsv"
for rep in $(seq 1 "$reps"); do
	if [ $((rep % 2)) = 1 ]; then order="old new"; else order="new old"; fi
	for name in $order; do
		if [ "$name" = old ]; then bin="$old"; else bin="$new"; fi
		train "$bin" "speed_$name" 1 "$limit"
		l="$(epoch_line "speed_$name")"
		ips="$(field "$l" img_per_s)"
		[ -n "$ips" ] || die "no img_per_s in: $l"
		secs="$(field "$l" seconds)"
		printf '%s\t%s\t%s\t%s\t%s\n' "$rep" "$name" "$ips" "${secs:-?}" "$(cut -d' ' -f1 /proc/loadavg)" >>"$work/runs.tsv"
		say "rep $rep/$reps $name: $(printf '%.1f' "$ips") img/s"
	done
done

header
echo "# train --alpha 0.5 --resolution 48 --batch 128 --optimizer nesterov --lr 0.1 --warmup 0.3 --weight-decay 1e-4" \
	"--label-smoothing 0.1 --threads 2 --limit $limit --epochs 1 (Fashion-MNIST); img/s of training steps" \
	"(epoch JSON line); epoch_s: the epoch's seconds, validation included; load average before the runs $load0"
printf '%-4s %-4s %10s %10s %8s\n' rep bin img/s epoch_s load1
awk -F'\t' '{printf "%-4s %-4s %10.1f %10.1f %8s\n", $1, $2, $3, $4, $5}' "$work/runs.tsv"
mo="$(awk -F'\t' '$2 == "old" {print $3}' "$work/runs.tsv" | median)"
mn="$(awk -F'\t' '$2 == "new" {print $3}' "$work/runs.tsv" | median)"
pr="$(awk -F'\t' '{v[$1, $2] = $3} END {for (r = 1; v[r, "old"] != ""; r++) print v[r, "new"] / v[r, "old"]}' "$work/runs.tsv" | median)"
awk -v o="$mo" -v n="$mn" -v p="$pr" -v r="$reps" 'BEGIN {
	printf "median img/s over %d runs: old %.1f, new %.1f\n", r, o, n
	printf "ratio new/old: %.3f (medians), %.3f (median of per-repetition ratios)\n", n / o, p
}'
