#!/bin/bash
# vm-timeout: 900
# Benchmark, not a test: what it costs a reader to learn the active member
# of a bond that exabond.ko manages. The page's hot word and snapshot run
# side by side with a bare atomic load, a memcpy of the bytes a snapshot
# copies, an Exasock-style 32-bit word, sysfs bonding/active_slave,
# /proc/net/bonding and an rtnetlink RTM_GETLINK, each idle and with the
# module publishing continuously: a thread on the other vCPU writes the
# bond's updelay through sysfs back to back, and the module publishes each
# change (tests/bench/reader/reader_bench.cpp). The figures are printed as
# "report:" lines, which `make bench` copies to tests/bench/REPORT.md.
#
# EXABOND_BENCH_MIN_TIME (s, default 0.1) and EXABOND_BENCH_REPS (default
# 5) size the run: about a minute and a half of the software-emulated VM.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

bin=$EXABOND_BUILD/tests/bench/exabond-bench-reader
[[ -x "$bin" ]] || fail "$bin missing: build userspace with EXABOND_BENCH=ON"
node=/dev/exabond-bond0

veth_ab_bond bond0 100 va vb
manage bond0
check "the page is quiet" wait_for 10 page_settled "$node"

# The benchmark's writer: an updelay write through sysfs must publish.
g0=$(page "$node" .generation)
echo 100 > /sys/class/net/bond0/bonding/updelay
echo 0 > /sys/class/net/bond0/bonding/updelay
g1=$(page "$node" .generation)
check "two updelay writes, two publications ($g0 -> $g1)" test $((g1 - g0)) -eq 2
check_eq "the page shows updelay" 0 "$(page "$node" .bond.updelay)"

run "$bin" --mode=vm --bond=bond0 \
	--benchmark_min_time="${EXABOND_BENCH_MIN_TIME:-0.1}" \
	--benchmark_repetitions="${EXABOND_BENCH_REPS:-5}" \
	--benchmark_out="$PWD/reader.json" --benchmark_out_format=json
check_eq "updelay restored" 0 "$(cat /sys/class/net/bond0/bonding/updelay)"
python3 "$EXABOND_REPO/tests/bench/tools/reader_report.py" "$PWD/reader.json" |
	sed 's/^/report: /'
