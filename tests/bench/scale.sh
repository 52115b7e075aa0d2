#!/bin/bash
# vm-timeout: 1500
# Benchmark, not a test: exabond with 1, 10, 100 and 1,000 managed bonds
# (bond0, with a veth member, and empty active-backup bonds). Per
# population, in one boot:
#   memory	the kernel's used memory (MemTotal - MemFree - Buffers -
#		Cached) and its slab, after dropping caches, before and after
#		managing the bonds: the difference per bond
#   manage	the wall time of "+bond" writes to the control file, one per
#		bond from one shell (echo, a builtin: one write(2) each),
#		per bond; unmanage likewise with "-bond"
#   event	the wall time per event of `ip -batch` for an unrelated
#		device (500 MTU changes of a dummy) and for a managed bond's
#		member (200 MTU changes of bond0's veth member, each re-read
#		and published); it includes ip and every other notifier
#   notifier	exabond's notifier alone for those events, timed from the
#		outside by tests/bench/kmod/exabond_bench_notifier.ko (no
#		kernel text patched: ftrace's stalled the emulated guest):
#		the median time between notifier blocks just before and just
#		after exabond's, less the median between a pair of blocks with
#		nothing between them, per NETDEV_CHANGEMTU of that device;
#		and the p99 of the first. The member's with no reader waiting
#		on the page, then with one blocked in poll() (the recorder
#		below), which each publication wakes
#   lag		publish_ns - event_ns of those member publications (exabond-
#		probe record, blocked in poll())
# EXABOND_BENCH_SCALE_POPULATIONS (default "1 10 100 1000") picks the
# populations. The figures are printed as "report:" lines; nothing here
# judges them.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

probe_ko=$EXABOND_REPO/tests/bench/kmod/exabond_bench_notifier.ko
probe_proc=/proc/exabond_bench_notifier
[[ -f "$probe_ko" ]] || fail "$probe_ko missing: make bench builds it (_bench-module)"
run insmod "$probe_ko"
on_exit rmmod exabond_bench_notifier

run ip link add dummy0 type dummy
on_exit ip link del dummy0
veth_ab_bond bond0 100 vm
dir=$(mktemp -d)

# used_kb: "USED SLAB" in kB, caches dropped first.
used_kb() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } /^Buffers:/ { b = $2 }
		/^Cached:/ { c = $2 } /^Slab:/ { s = $2 }
		END { print t - f - b - c, s }' /proc/meminfo
}

# ctl_all SIGN BOND...: one write of SIGN+BOND per bond to the control
# file, timed; prints the microseconds per write.
ctl_all() {
	local sign=$1 fd b t0 t1
	shift
	exec {fd}> "$EXABOND_CTL"
	t0=${EPOCHREALTIME/./}
	for b in "$@"; do
		echo "$sign$b" >&"$fd" || { exec {fd}>&-; fail "$sign$b refused"; }
	done
	t1=${EPOCHREALTIME/./}
	exec {fd}>&-
	echo $(((t1 - t0) / $#))
}

# batch_us BATCH: the wall time of `ip -batch BATCH` per line, in us; the
# notifier probe's samples are cleared first.
batch_us() {
	local t0 t1
	echo > "$probe_proc"
	t0=${EPOCHREALTIME/./}
	ip -batch "$1"
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) / $(wc -l < "$1")))
}

# notifier_ns DEV: "EXABOND P99 EMPTY EVENTS" in ns, from the probe's
# samples of DEV's NETDEV_CHANGEMTU (7; an MTU change also raises
# PRECHANGEMTU, which exabond passes over): the median of pair 0 (around
# exabond's block) less the median of pair 1 (around nothing), pair 0's
# p99, pair 1's median, and how many events pair 0 timed. One read of the
# probe's file.
notifier_ns() {
	local idx samples ex ex99 empty n
	idx=$(cat "/sys/class/net/$1/ifindex")
	samples=$(awk -v i="$idx" '$2 == i && $3 == 7 { print $1, $4 }' "$probe_proc")
	n=$(awk '$1 == 0' <<<"$samples" | wc -l)
	((n)) || { echo "the notifier probe timed no CHANGEMTU of $1"; return 1; }
	read -r ex ex99 _ < <(awk '$1 == 0 { print $2 }' <<<"$samples" | quantiles)
	read -r empty _ < <(awk '$1 == 1 { print $2 }' <<<"$samples" | quantiles)
	[[ $ex =~ ^[0-9]+$ && $empty =~ ^[0-9]+$ ]] ||
		{ echo "the notifier probe's samples of $1 are not numbers"; return 1; }
	echo "$((ex - empty)) $ex99 $empty $n"
}

for i in $(seq 1 500); do echo "link set dummy0 mtu $((1000 + i % 2))"; done > "$dir/unrelated"
for i in $(seq 1 200); do echo "link set vm0 mtu $((1400 + i % 2))"; done > "$dir/member"

rows=()
for pop in ${EXABOND_BENCH_SCALE_POPULATIONS:-1 10 100 1000}; do
	extra=()
	for ((k = 1; k < pop; k++)); do extra+=("sb$k"); done
	for b in "${extra[@]}"; do echo "link add $b type bond mode active-backup"; done > "$dir/add"
	((${#extra[@]} == 0)) || run ip -batch "$dir/add"
	read -r used0 slab0 < <(used_kb)
	manage_us=$(ctl_all + bond0 "${extra[@]}")
	read -r used1 slab1 < <(used_kb)
	# (the control file lists what fits in a page, then "++more++")
	check_eq "$pop bonds managed" "$pop" "$(ls /sys/class/exabond | wc -l)"

	unrelated_us=$(batch_us "$dir/unrelated")
	res=$(notifier_ns dummy0) || fail "$res"
	read -r un_ns un_p99 un_empty un_n <<<"$res"
	# The member's events with no reader waiting on the page, then with
	# one blocked in poll() (the recorder): publishing wakes it.
	batch_us "$dir/member" > /dev/null
	res=$(notifier_ns vm0) || fail "$res"
	read -r alone_ns alone_p99 _ <<<"$res"
	bg_start REC probe record /dev/exabond-bond0
	sleep 0.2
	member_us=$(batch_us "$dir/member")
	res=$(notifier_ns vm0) || fail "$res"
	read -r mem_ns mem_p99 mem_empty mem_n <<<"$res"
	unmanage_us=$(ctl_all - bond0 "${extra[@]}")
	bg_finish REC
	read -r lag_med lag_p99 _ < <({ bg_line REC; bg_output REC; } |
		awk '$3 { print $4 - $3 }' | quantiles 1000)
	check_eq "none managed after" 0 "$(ls /sys/class/exabond | wc -l)"
	for b in "${extra[@]}"; do echo "link del $b"; done > "$dir/del"
	((${#extra[@]} == 0)) || run ip -batch "$dir/del"

	row="| $pop | $(((used1 - used0) / pop)) | $(((slab1 - slab0) / pop)) | $manage_us | $unmanage_us | $unrelated_us | $member_us | $un_ns ($un_p99) | $alone_ns ($alone_p99) | $mem_ns ($mem_p99) | $un_empty, $mem_empty | $un_n, $mem_n | $lag_med | $lag_p99 |"
	log "$row"
	rows+=("$row")
done

echo "report: Setting: bond0 (active-backup, miimon 100, one veth member) and pop - 1 empty active-backup bonds, all managed; guest of 2 vCPUs under TCG, so absolute times are inflated: compare populations. Memory: the difference in used memory and slab (caches dropped) before and after managing, per bond; at 1 and 10 bonds it is within the noise of everything else the guest does. Events: wall time per line of \`ip -batch\` for 500 MTU changes of an unrelated dummy device and 200 of bond0's member (each re-read and published), ip's own work and every notifier included. Exabond's notifier: for the same events, timed from the outside by a bench-only module (tests/bench/kmod/exabond_bench_notifier.ko): the median time between notifier blocks just before and just after exabond's, less the median between two blocks with nothing between them (the probe's own cost, shown), in ns per NETDEV_CHANGEMTU of that device (p99 of the first in brackets); the member's include re-reading and publishing the page, first with no reader waiting on it, then with one blocked in poll() (the lag's recorder), which the publication wakes: the difference is one wake-up of a sleeping reader, paid inside the notifier, under RTNL, once per blocked reader. The probe's four blocks run on every event, so the ip -batch columns include their cost. Lag: publish_ns - event_ns of bond0's publications meanwhile."
echo "report:"
echo "report: | managed bonds | used kB / bond | slab kB / bond | manage us / bond | unmanage us / bond | ip -batch, unrelated device: us / event | ip -batch, managed member: us / event | exabond's notifier, unrelated device: ns / event (p99) | exabond's notifier, managed member, no reader waiting: ns / event (p99) | the same, one reader blocked in poll() | probe alone: ns (unrelated, member) | events timed (unrelated, member) | lag median us | lag p99 us |"
echo "report: |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${rows[@]}"; do echo "report: $r"; done
