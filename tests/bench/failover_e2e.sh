#!/bin/bash
# vm-timeout: 1500
# Benchmark, not a test: a failover end to end, from the cut of the active
# member's cable (QMP set_link off on a virtio-net NIC) to the application
# knowing the new active member, for every way it could learn it, all
# watching the same failovers in one process (tests/bench/failover/
# failover_bench.cpp): exabond busy-polling its hot word and blocked in
# poll() or epoll, an rtnetlink listener, bonding/active_slave read every
# 1 ms and at the Exasock extension's interval, min(miimon, arp_interval);
# also exabond's raw-carrier bit of the cut member. With miimon 100 and 10,
# EXABOND_BENCH_E2E_CYCLES failovers each (default 200).
#
# Every cycle's figures are printed as "data:" lines, from which `make
# bench` computes the tables of tests/bench/REPORT.md and draws the plots
# on the host (tests/bench/tools/failover_report.py).
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

bin=$EXABOND_BUILD/tests/bench/exabond-bench-failover
[[ -x "$bin" ]] || fail "$bin missing: build userspace with EXABOND_BENCH=ON"
cycles=${EXABOND_BENCH_E2E_CYCLES:-200}
p0=$(nic card0p0)
q0=$(nic card1p0)

for miimon in 100 10; do
	bond=bond$miimon
	run ip link add "$bond" type bond mode active-backup miimon "$miimon"
	run ip link set dev "$p0" master "$bond"
	run ip link set dev "$q0" master "$bond"
	run ip link set dev "$bond" up
	manage "$bond"
	check "$bond: an active member" wait_for 5 active_is "$bond" ""
	check "$bond: the page is quiet" wait_for 10 page_settled "/dev/exabond-$bond"
	out=$PWD/e2e-$miimon.txt
	log "+ exabond-bench-failover --bond $bond ... --cycles $cycles > $out"
	"$bin" --bond "$bond" --nic "card0p0=$p0" --nic "card1p0=$q0" \
		--cycles "$cycles" > "$out" || fail "exabond-bench-failover failed"
	sed "s/^/data: miimon $miimon /" "$out"
	check_eq "$bond: every watcher saw every failover" "# cycles $cycles missed 0" \
		"$(tail -n1 "$out")"
	run ip link del "$bond"
done
