#!/bin/bash
# vm-timeout: 900
# Benchmark, not a test: 1, 2, 4 and 8 reader processes snapshot a bond's
# page while it fails over continuously (veth members, miimon 10, the
# active member's peer flapped by a shell loop). Per N: the readers'
# snapshot latency percentiles (tests/bench/readers/readers_bench.cpp)
# and the writer's cost per publication, the publication lag of the
# failovers meanwhile (publish_ns - event_ns, from a reader blocked in
# poll(): exabond-probe record), which readers must not raise: they take
# no lock the writer waits for. EXABOND_BENCH_READERS_SECONDS per N
# (default 20). The table is printed as "report:" lines.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

bin=$EXABOND_BUILD/tests/bench/exabond-bench-readers
[[ -x "$bin" ]] || fail "$bin missing: build userspace with EXABOND_BENCH=ON"
seconds=${EXABOND_BENCH_READERS_SECONDS:-20}

veth_ab_bond bond0 10 va vb
node=/dev/exabond-bond0

# flap STOPFILE: fail the bond over until STOPFILE exists (bash builtins in
# the waits: a fork costs more than a failover here).
flap() {
	local active cur peer
	while [[ ! -e "$1" ]]; do
		read -r active < /sys/class/net/bond0/bonding/active_slave
		peer=${active/0/1}
		ip link set "$peer" down
		until read -r cur < /sys/class/net/bond0/bonding/active_slave &&
			[[ "$cur" != "$active" ]]; do :; done
		ip link set "$peer" up
		until read -r cur < "/sys/class/net/$active/carrier" &&
			[[ "$cur" == 1 ]]; do :; done
	done
}

rows=()
for n in 1 2 4 8; do
	stop=$PWD/stop-$n
	# Managed afresh for each N: -bond0 at the end gives the recorder
	# (blocked in poll()) its POLLHUP, after every line of the window.
	manage bond0
	bg_start REC probe record "$node"
	sleep 0.2
	f0=$(page "$node" .bond.failover_count)
	flap "$stop" &
	flapper=$!
	out=$("$bin" --bond bond0 --readers "$n" --seconds "$seconds")
	touch "$stop"
	wait "$flapper"
	f1=$(page "$node" .bond.failover_count)
	check_eq "-bond0" ok "$(write_file "$EXABOND_CTL" '-bond0\n')"
	check "recorder done" bg_finish REC
	lags=$({ bg_line REC; bg_output REC; } | awk '$2 == 5 && $3 { print $4 - $3 }' | sort -n)
	log "$out; failovers $((f1 - f0)); failover publications recorded $(grep -c . <<<"$lags" || true)"
	rows+=("$out failovers $((f1 - f0)) lag $(awk '{ v[NR] = $1 }
		END { if (!NR) { print "- - -"; exit }
		      p = int(0.99 * (NR - 1) + 0.5) + 1
		      print v[int((NR + 1) / 2)], v[p], v[NR] }' <<<"$lags")")
done

echo "report: Setting: active-backup bond of two veth members, miimon 10, failing over continuously (a shell loop flaps the active member's peer); each N ran ${seconds} s. A reader takes snapshots in bursts of 64, each timed alone (CLOCK_MONOTONIC before and after), then sleeps 1 ms. Guest: 2 vCPUs under TCG."
echo "report:"
echo "report: | readers | snapshots | failed | saw a new generation | min ns | p50 ns | p90 ns | p99 ns | p99.9 ns | max ns | failovers | writer: publication lag of the failovers, median / p99 / max us |"
echo "report: |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
us() { [[ "$1" == - ]] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }'; }
for r in "${rows[@]}"; do
	read -r _ n _ snaps _ failed _ changed _ mn _ p50 _ p90 _ p99 _ p999 _ mx _ fo _ lmed lp99 lmax <<<"$r"
	echo "report: | $n | $snaps | $failed | $changed | $mn | $p50 | $p90 | $p99 | $p999 | $mx | $fo | $(us "$lmed") / $(us "$lp99") / $(us "$lmax") |"
done
