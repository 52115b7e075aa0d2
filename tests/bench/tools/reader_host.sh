#!/bin/bash
# reader_host.sh BUILD OUT: the reader benchmark on the host (a synthetic
# page; tests/bench/reader/reader_bench.cpp), its JSON and its markdown
# section (tools/reader_report.py) into OUT/reader_host.{json,md}, which
# report.sh puts into tests/bench/REPORT.md. The VM's half is
# tests/bench/reader_vm.sh.
#
# EXABOND_BENCH_MIN_TIME (s, default 0.2) and EXABOND_BENCH_REPS (default
# 5) size the run; EXABOND_BENCH_NETLINK_IF (default lo) is the link the
# rtnetlink reader asks about.
set -euo pipefail
build=$1 out=$2
bin=$build/tests/bench/exabond-bench-reader
tools=$(dirname "$(readlink -f "$0")")

[[ -x "$bin" ]] || { echo "$bin missing: build userspace with EXABOND_BENCH=ON" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out/reader_host.json" "$out/reader_host.md"
"$bin" --mode=host --netlink-if="${EXABOND_BENCH_NETLINK_IF:-lo}" \
	--benchmark_min_time="${EXABOND_BENCH_MIN_TIME:-0.2}" \
	--benchmark_repetitions="${EXABOND_BENCH_REPS:-5}" \
	--benchmark_out="$out/reader_host.json" --benchmark_out_format=json
python3 "$tools/reader_report.py" "$out/reader_host.json" > "$out/reader_host.md.tmp"
mv "$out/reader_host.md.tmp" "$out/reader_host.md"
