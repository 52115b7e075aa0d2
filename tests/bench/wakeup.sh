#!/bin/bash
# vm-timeout: 900
# Benchmark, not a test: wake-up, from a publication of exabond's page to a
# reader noticing it, blocked in poll(), in an epoll loop and busy-polling
# on the other vCPU, next to the floor: the same three kinds of reader woken
# by a stored memory word and by eventfds, in the same rounds
# (tests/bench/wakeup/wakeup_bench.cpp). The figures are printed as
# "report:" lines, which `make bench` copies to tests/bench/REPORT.md;
# tools/reader_host.sh measures the floor on the host too.
#
# EXABOND_BENCH_WAKEUP_ROUNDS (default 500) sizes the run.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
source "$EXABOND_REPO/tests/bench/wakeup/layouts.sh"

bin=$EXABOND_BUILD/tests/bench/exabond-bench-wakeup
[[ -x "$bin" ]] || fail "$bin missing: build userspace with EXABOND_BENCH=ON"
rounds=${EXABOND_BENCH_WAKEUP_ROUNDS:-500}

veth_ab_bond bond0 100 va vb
manage bond0
check "the page is quiet" wait_for 10 page_settled /dev/exabond-bond0

# The layouts of wakeup/layouts.sh; one kind of blocked reader per run
# (wakeup_bench.cpp).
outs=()
for layout in "${WAKEUP_LAYOUTS[@]}"; do
	mapfile -t args < <(wakeup_args "$layout")
	for kind in poll epoll; do
		out=$PWD/wakeup-$layout-$kind.txt
		log "+ exabond-bench-wakeup --bond bond0 --rounds $rounds --blocked $kind ${args[*]} > $out"
		"$bin" --bond bond0 --rounds "$rounds" --blocked "$kind" "${args[@]}" > "$out" ||
			fail "exabond-bench-wakeup ($layout, $kind) failed"
		check_eq "$layout, $kind: every reader noticed every round" "# missed 0" \
			"$(tail -n1 "$out" | cut -d' ' -f1-3)"
		check_eq "$layout, $kind: updelay restored" 0 \
			"$(cat /sys/class/net/bond0/bonding/updelay)"
		outs+=("$out")
	done
done
python3 "$EXABOND_REPO/tests/bench/tools/wakeup_report.py" vm "${outs[@]}" |
	sed 's/^/report: /'
