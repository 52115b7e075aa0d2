#!/bin/bash
# vm-timeout: 900
# Benchmark, not a test: publication lag (the page's publish_ns - event_ns:
# from the notifier seeing the event to the page showing it) over 1,000
# failovers of an active-backup bond on veth members, miimon 10. A reader
# blocked in poll() records every publication it wakes for; the figures are
# printed as "report:" lines, which `make bench` copies to
# tests/bench/REPORT.md, and every lag as a "data:" line, which it plots.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

N=${EXABOND_BENCH_FAILOVERS:-1000}
dir=$(mktemp -d)

veth_ab_bond bond0 10 va vb
manage bond0
node=/dev/exabond-bond0
bg_start REC probe record "$node"
sleep 0.2

start=$(page "$node" .bond.failover_count)
t0=$(date +%s%N)
for ((i = 0; i < N; i++)); do
	veth_failover bond0
done
t1=$(date +%s%N)
failovers=$(($(page "$node" .bond.failover_count) - start))
check_eq "failovers done" "$N" "$failovers"
check_eq "-bond0" ok "$(ctl_write "b'-bond0\n'")"
bg_finish REC
bg_output REC > "$dir/rec"
# bg_output drops the recorder's first line; keep it too.
bg_line REC > "$dir/first"
cat "$dir/first" "$dir/rec" > "$dir/all"

python3 - "$dir/all" "$N" "$(((t1 - t0) / 1000000))" <<'PY'
import statistics, sys
names = {1: "manage", 2: "unmanage (final)", 3: "bond deleted (final)",
         4: "bond change", 5: "failover", 6: "member add", 7: "member del",
         8: "member link", 9: "raw carrier", 10: "rename", 12: "refresh"}
rows = {}
gens = []
for line in open(sys.argv[1]):
    gen, ev, ens, pns = map(int, line.split())
    gens.append(gen)
    if ens:
        rows.setdefault(ev, []).append((pns - ens) / 1000.0)
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]
print(f"report: {sys.argv[2]} failovers in {sys.argv[3]} ms; the reader woke "
      f"{len(gens)} times and saw {len(set(gens))} generations "
      f"(of {max(gens) - min(gens) + 1}; the rest were coalesced)")
print("report:")
print("report: | publications seen | count | min us | median us | p99 us | max us |")
print("report: |---|---:|---:|---:|---:|---:|")
for ev in sorted(rows):
    v = rows[ev]
    print(f"report: | {names.get(ev, ev)} | {len(v)} | {min(v):.1f} | "
          f"{statistics.median(v):.1f} | {pct(v, 99):.1f} | {max(v):.1f} |")
# Every lag, for the plot `make bench` draws (tools/failover_report.py).
for ev in sorted(rows):
    for x in rows[ev]:
        print(f"data: lag {names.get(ev, ev).replace(' ', '_')} {x:.3f}")
PY
