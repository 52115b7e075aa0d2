#!/bin/bash
# reader_host.sh BUILD OUT: the host's benchmarks, each a markdown section
# that report.sh puts into tests/bench/REPORT.md:
#   OUT/reader_host.{json,md}	the reader benchmark on a synthetic page
#				(tests/bench/reader/reader_bench.cpp,
#				tools/reader_report.py); the VM's half is
#				tests/bench/reader_vm.sh
#   OUT/wakeup_host*.{txt,md}	the wake-up floor, natively
#				(tests/bench/wakeup/wakeup_bench.cpp without
#				a bond, tools/wakeup_report.py); the VM's half
#				is tests/bench/wakeup.sh
#
# EXABOND_BENCH_MIN_TIME (s, default 0.2) and EXABOND_BENCH_REPS (default
# 5) size the reader run; EXABOND_BENCH_NETLINK_IF (default lo) is the link
# the rtnetlink reader asks about. EXABOND_BENCH_WAKEUP_ROUNDS (default
# 500) sizes the wake-up run.
set -euo pipefail
build=$1 out=$2
bin=$build/tests/bench/exabond-bench-reader
wakeup=$build/tests/bench/exabond-bench-wakeup
tools=$(dirname "$(readlink -f "$0")")

for b in "$bin" "$wakeup"; do
	[[ -x "$b" ]] || { echo "$b missing: build userspace with EXABOND_BENCH=ON" >&2; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/reader_host.{json,md} "$out"/wakeup_host*
"$bin" --mode=host --netlink-if="${EXABOND_BENCH_NETLINK_IF:-lo}" \
	--benchmark_min_time="${EXABOND_BENCH_MIN_TIME:-0.2}" \
	--benchmark_repetitions="${EXABOND_BENCH_REPS:-5}" \
	--benchmark_out="$out/reader_host.json" --benchmark_out_format=json
python3 "$tools/reader_report.py" "$out/reader_host.json" > "$out/reader_host.md.tmp"
mv "$out/reader_host.md.tmp" "$out/reader_host.md"

# The VM's layouts and runs (tests/bench/wakeup.sh).
source "$tools/../wakeup/layouts.sh"
rounds=${EXABOND_BENCH_WAKEUP_ROUNDS:-500}
runs=()
for layout in "${WAKEUP_LAYOUTS[@]}"; do
	mapfile -t args < <(wakeup_args "$layout")
	for kind in poll epoll; do
		runs+=("$out/wakeup_host-$layout-$kind.txt")
		"$wakeup" --rounds "$rounds" --blocked "$kind" "${args[@]}" > "${runs[-1]}"
	done
done
python3 "$tools/wakeup_report.py" host "${runs[@]}" > "$out/wakeup_host.md.tmp"
mv "$out/wakeup_host.md.tmp" "$out/wakeup_host.md"
