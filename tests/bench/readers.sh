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

# flap STOPFILE: fail bond0 over until STOPFILE exists.
flap() {
	while [[ ! -e "$1" ]]; do veth_failover bond0; done
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
	lags=$({ bg_line REC; bg_output REC; } | awk '$2 == 5 && $3 { print $4 - $3 }')
	log "$out; failovers $((f1 - f0)); failover publications recorded $(grep -c . <<<"$lags" || true)"
	rows+=("$out failovers $((f1 - f0)) lag $(printf '%s' "$lags" | quantiles 1000)")
done

echo "report: Setting: active-backup bond of two veth members, miimon 10, failing over continuously (a shell loop flaps the active member's peer); each N ran ${seconds} s. A reader takes snapshots in bursts of 64, each timed alone (CLOCK_MONOTONIC before and after), then sleeps 1 ms. Guest: 2 vCPUs under TCG."
echo "report:"
echo "report: | readers | snapshots | failed | saw a new generation | min ns | p50 ns | p90 ns | p99 ns | p99.9 ns | max ns | failovers | writer: publication lag of the failovers, median / p99 / max us |"
echo "report: |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for r in "${rows[@]}"; do
	read -r _ n _ snaps _ failed _ changed _ mn _ p50 _ p90 _ p99 _ p999 _ mx _ fo _ lmed lp99 lmax <<<"$r"
	echo "report: | $n | $snaps | $failed | $changed | $mn | $p50 | $p90 | $p99 | $p999 | $mx | $fo | $lmed / $lp99 / $lmax |"
done
