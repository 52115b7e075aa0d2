#!/bin/bash
# `make demo`, inside the VM: Debian's packaged kernel with exabond.ko
# loaded and a virtio "dual-port card" (card0p0, card0p1: two functions of
# one PCI slot). examples/setupbonding makes bond0 over both ports and
# places it under exabond's management; exabond-monitor follows it; the
# example hot-loop reader (examples/hotloop, C++) spins on its page. The
# active port's carrier is then cut from outside, through QEMU's monitor,
# as a pulled cable would be, and the demo shows the raw carrier loss, the
# bond's failover and the reader's reaction with their timestamps, and puts
# the link back; then the same with the other port (the failback), so the
# figures come in pairs. Deleting the bond ends the reader; a summary of
# figures ends the demo.
#
# It fails (exit status 1) if bonding does not fail over, or the reader or
# the monitor does not see it.
#
# The guest runs under TCG next to a reader that spins on one of its two
# CPUs: the demo's shell keeps to CPU 0 and mostly to bash builtins, since
# every program it starts is slow here.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

readonly HOTLOOP=$EXABOND_BUILD/examples/hotloop/exabond-hotloop
readonly SETUPBONDING=$EXABOND_REPO/examples/setupbonding
demo_start=${EPOCHREALTIME/./}	# microseconds
nstep=0

# step TITLE: a numbered header with the seconds since the demo started.
step() {
	local t=$((${EPOCHREALTIME/./} - demo_start))
	nstep=$((nstep + 1))
	printf '\n=== %d/9 %s   [%d.%d s]\n' "$nstep" "$*" $((t / 1000000)) $((t / 100000 % 10))
}

# ms NS: nanoseconds as milliseconds with three decimals ("27.562").
ms() {
	local ns=$1 sign=
	((ns >= 0)) || { sign=-; ns=$((-ns)); }
	printf '%s%d.%03d' "$sign" $((ns / 1000000)) $((ns / 1000 % 1000))
}
# us NS: nanoseconds as microseconds with one decimal ("57.9").
us() { printf '%d.%d' $(($1 / 1000)) $(($1 / 100 % 10)); }

# dur NS: a duration, in us below a millisecond, else in ms.
dur() {
	if (($1 < 1000000 && $1 > -1000000)); then echo "$(us "$1") us"; else echo "$(ms "$1") ms"; fi
}

# await SECONDS CMD...: until CMD succeeds, for at most SECONDS; like
# lib.sh's wait_for, with the shell's own clock.
await() {
	local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@"; do
		if ((${EPOCHREALTIME/./} > deadline)); then
			echo "timed out waiting for: $*"
			return 1
		fi
		sleep 0.05
	done
}

# http_get PATH: the body of the monitor's answer to GET PATH, through
# bash's /dev/tcp (curl takes seconds to load in this VM).
http_get() {
	local fd line body=
	exec {fd}<>/dev/tcp/127.0.0.1/9467 || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&"$fd"
	while IFS= read -r line <&"$fd"; do
		[[ -n "$body" || "$line" != $'\r' ]] || { body=1; continue; }
		[[ -z "$body" ]] || printf '%s\n' "$line"
	done
	exec {fd}>&-
}

# field LINE NAME: the value of NAME=VALUE in a reader's line.
field() {
	local w
	for w in $1; do
		[[ "$w" != "$2="* ]] || { echo "${w#*=}"; return 0; }
	done
	return 1
}

# line_in FILE ERE [SKIP]: FILE's first line matching ERE after its first
# SKIP lines; fails if none.
line_in() {
	local l n=0
	while IFS= read -r l; do
		((++n > ${3:-0})) || continue
		[[ "$l" =~ $2 ]] && { printf '%s\n' "$l"; return 0; }
	done < "$1"
	return 1
}

# lines_of FILE: how many lines FILE has.
lines_of() {
	local n=0
	while IFS= read -r _; do n=$((n + 1)); done < "$1"
	echo "$n"
}

reader_out=$PWD/hotloop.out
# reader_printed ERE [SKIP], monitor_printed ERE [SKIP]: for await.
reader_printed() { line_in "$reader_out" "$@" >/dev/null; }
monitor_printed() { line_in "$mon_log" "$@" >/dev/null; }

# sysfs FILE: the first line of FILE in $REPLY ("" if it has none).
sysfs() { REPLY=; read -r REPLY < "$1" || true; }
# active_now_is DEV: bonding's active member is DEV ("": any); for await.
active_now_is() {
	sysfs /sys/class/net/bond0/bonding/active_slave
	[[ "$REPLY" == "$1" || ( -z "$1" && -n "$REPLY" ) ]]
}
mii_now_is() { sysfs "/sys/class/net/$1/bonding_slave/mii_status"; [[ "$REPLY" == "$2" ]]; }

# metric_in TEXT SERIES: one value of a /metrics text.
metric_in() {
	local name value
	while read -r name value; do
		[[ "$name" != "$2" ]] || { echo "$value"; return 0; }
	done <<<"$1"
	echo absent
}

# realtime_minus_monotonic: CLOCK_REALTIME - CLOCK_MONOTONIC in ns, to put
# the monitor's log (stamped with the wall clock) on the page's clock:
# /proc/timer_list's "now at N nsecs" (ktime_get()) between two reads of
# the wall clock, builtins only.
realtime_minus_monotonic() {
	local t1 t2 line
	t1=${EPOCHREALTIME/./}
	while read -r line; do
		[[ "$line" =~ ^now\ at\ ([0-9]+)\ nsecs ]] && break
	done < /proc/timer_list
	t2=${EPOCHREALTIME/./}
	echo $(((t1 + t2) * 500 - BASH_REMATCH[1]))
}

# live PID FILE LABEL: FILE's lines as they are written, prefixed with
# LABEL, until process PID ends.
live() {
	tail --pid="$1" -s 0.1 -n +1 -f "$2" | sed -u "s/^/      $3| /" &
}

for f in "$HOTLOOP" "$SETUPBONDING"; do
	[[ -x "$f" ]] || fail "$f is missing (examples/ built with EXABOND_EXAMPLES=ON?)"
done
taskset -pc 0 $$ >/dev/null	# CPU 1 is the reader's

# --- 1 -----------------------------------------------------------------------------
step "the machine: kernel $(uname -r), exabond.ko, a dual-port card"
while read -r l; do [[ "$l" != "exabond "* ]] || echo "  /proc/modules: $l"; done < /proc/modules
p0=$(nic card0p0)
p1=$(nic card0p1)
declare -A bus
driver=$(readlink "/sys/class/net/$p0/device/driver")
driver=${driver##*/}
bus[$p0]=$(nic_pci card0p0)
bus[$p1]=$(nic_pci card0p1)
printf '  %s: %s, PCI %s\n  %s: %s, PCI %s\n' "$p0" "$driver" "${bus[$p0]}" \
	"$p1" "$driver" "${bus[$p1]}"

# --- 2 -----------------------------------------------------------------------------
step "examples/setupbonding: bond0 over $p0 and $p1, managed by exabond"
on_exit ip link del bond0
run "$SETUPBONDING" --miimon 100 --address 192.0.2.1/24 bond0 "$p0" "$p1"
node=/dev/exabond-bond0
check "bond0 is managed: $node" test -c "$node"
check "bond0 has an active member" await 10 active_now_is ""
first=$REPLY
if [[ "$first" == "$p0" ]]; then cut=card0p0 second=$p1; else cut=card0p1 second=$p0; fi
sysfs /sys/class/net/bond0/bonding/miimon
miimon=$REPLY
sysfs /sys/class/net/bond0/bonding/mode
printf '  bond0: %s, miimon %s ms, active %s; exabond_masters: %s\n' \
	"${REPLY%% *}" "$miimon" "$first" "$(< /sys/class/net/exabond_masters)"

# --- 3 -----------------------------------------------------------------------------
step "exabond-monitor: logs transitions, serves http://127.0.0.1:9467/metrics"
mon_log=$PWD/monitor.log
printf '+ %s --log stderr\n' "$EXABOND_BUILD/monitor/exabond-monitor"
"$EXABOND_BUILD/monitor/exabond-monitor" --log stderr 2> "$mon_log" &
mon_pid=$!
on_exit kill "$mon_pid"
live "$mon_pid" "$mon_log" monitor
check "the monitor follows bond0" await 10 monitor_printed ' following 1 bond: bond0$'

# --- 4 -----------------------------------------------------------------------------
step "the example hot-loop reader spins on bond0's page (C++, pinned to CPU 1)"
printf '+ %s --cpu 1 bond0\n' "$HOTLOOP"
"$HOTLOOP" --cpu 1 bond0 > "$reader_out" 2>&1 &
reader_pid=$!
on_exit kill "$reader_pid"
live "$reader_pid" "$reader_out" hotloop
check "the reader is watching" await 10 reader_printed '^watching bond0: '
metrics=$(http_get /metrics)
failovers_before=$(metric_in "$metrics" 'exabond_failovers_total{bond="bond0"}')
printf '  GET /metrics: exabond_failovers_total{bond="bond0"} %s (bring-up made %s active: that counts)\n' \
	"$failovers_before" "$first"

# cut_and_restore N FIRST SECOND CARD: step N cuts CARD, whose FIRST is
# active, and shows the failover to SECOND with its timeline; step N+1
# restores it. Sets fo_ms[N], pub_us[N], seen_us[N], raw_us[N], mon_ms[N],
# back_ms[N] for the summary.
declare -A fo_ms pub_us seen_us raw_us mon_ms back_ms
cut_and_restore() {
	local n=$1 first=$2 second=$3 card=$4 rskip mskip mark l after
	local carrier failover monline t0 carrier_pub carrier_seen fo fo_pub fo_seen
	local offset mon_seen back_carrier back_link active_members
	local before=$failovers_now

	step "cut $first's carrier from outside (QMP set_link $card down)"
	rskip=$(lines_of "$reader_out")
	mskip=$(lines_of "$mon_log")
	mark="exabond-demo: cut $first at $EPOCHREALTIME"
	echo "$mark" > /dev/kmsg
	set_link "$card" down
	check "bonding failed over to $second" await 10 active_now_is "$second"
	check "the reader saw the failover" \
		await 10 reader_printed "^[0-9]+ failover $first -> $second " "$rskip"
	check "the monitor logged it" \
		await 10 monitor_printed " bond0: failover $first -> $second," "$mskip"
	offset=$(realtime_minus_monotonic)
	sysfs "/sys/class/net/$first/carrier"
	printf '  /sys/class/net/%s/carrier: %s; ' "$first" "$REPLY"
	sysfs "/sys/class/net/$first/bonding_slave/mii_status"
	printf 'bonding_slave/mii_status: %s\n' "$REPLY"
	echo "  kernel log, bonding's words:"
	after=
	while IFS= read -r l; do
		if [[ -n "$after" && "$l" == *"bond0: (slave"* ]]; then
			echo "    ${l#\[*\] }"	# without printk's own clock
		elif [[ "$l" == *"$mark"* ]]; then
			after=1
		fi
	done < <(dmesg)

	carrier=$(line_in "$reader_out" "^[0-9]+ carrier $first down " "$rskip")
	failover=$(line_in "$reader_out" "^[0-9]+ failover $first -> $second " "$rskip")
	monline=$(line_in "$mon_log" " bond0: failover $first -> $second," "$mskip")
	t0=$(field "$carrier" changed_ns)
	carrier_pub=$(field "$carrier" published_ns)
	carrier_seen=${carrier%% *}
	fo=$(field "$failover" failover_ns)
	fo_pub=$(field "$failover" published_ns)
	fo_seen=${failover%% *}
	mon_seen=$(($(date -d "${monline%% *}" +%s%N) - offset))
	echo
	echo "  timeline from $first's raw carrier loss, in ms (CLOCK_MONOTONIC; kernel times as the page has them):"
	printf '  %10s  %s\n' \
		"$(ms 0)" "$first lost carrier (the NIC driver told the kernel)" \
		"$(ms $((carrier_pub - t0)))" "exabond.ko published the carrier loss" \
		"$(ms $((carrier_seen - t0)))" "the hot-loop reader saw the carrier loss" \
		"$(ms $((fo - t0)))" "bonding failed over $first -> $second (its miimon tick)" \
		"$(ms $((fo_pub - t0)))" "exabond.ko published the failover" \
		"$(ms $((fo_seen - t0)))" "the hot-loop reader saw the failover" \
		"$(ms $((mon_seen - t0)))" "exabond-monitor logged the failover"
	fo_ms[$n]=$(dur $((fo - t0)))
	pub_us[$n]=$(dur $((fo_pub - fo)))
	seen_us[$n]=$(dur $((fo_seen - fo_pub)))
	raw_us[$n]=$(dur $((carrier_seen - t0)))
	mon_ms[$n]=$(dur $((mon_seen - t0)))

	step "restore $first's carrier (QMP set_link $card up): it comes back as a backup"
	set_link "$card" up
	check "the reader saw $first's link come up" \
		await 10 reader_printed "^[0-9]+ link $first up " "$rskip"
	check "bonding: $first's link is up" mii_now_is "$first" up
	sysfs "/sys/class/net/$first/bonding_slave/state"
	check_eq "bonding: $first's role" backup "$REPLY"
	check "bonding: $second stays active" active_now_is "$second"
	back_carrier=$(line_in "$reader_out" "^[0-9]+ carrier $first up " "$rskip")
	back_link=$(line_in "$reader_out" "^[0-9]+ link $first up " "$rskip")
	back_ms[$n]=$(dur $(($(field "$back_link" changed_ns) - $(field "$back_carrier" changed_ns))))
	printf '  %s had carrier again; bonding took it back as a backup %s later\n' \
		"$first" "${back_ms[$n]}"
	metrics=$(http_get /metrics) || fail "no answer from the monitor on 127.0.0.1:9467"
	failovers_now=$(metric_in "$metrics" 'exabond_failovers_total{bond="bond0"}')
	active_members=$(metric_in "$metrics" 'node_bonding_active{master="bond0"}')
	printf '  GET /metrics: exabond_failovers_total{bond="bond0"} %s, node_bonding_active{master="bond0"} %s\n' \
		"$failovers_now" "$active_members"
	check_eq "/metrics counted the failover" $((before + 1)) "$failovers_now"
	[[ "$monline" =~ \(failover\ ([0-9]+)\)$ ]] || fail "no failover count in: $monline"
	check_eq "the monitor's log counted it too" "$failovers_now" "${BASH_REMATCH[1]}"
	check_eq "/metrics: both members up" 2 "$active_members"
}

failovers_now=$failovers_before
# --- 5, 6: fail over ------------------------------------------------------------------
cut_and_restore 1 "$first" "$second" "$cut"
# --- 7, 8: and back -------------------------------------------------------------------
if [[ "$cut" == card0p0 ]]; then card2=card0p1; else card2=card0p0; fi
cut_and_restore 2 "$second" "$first" "$card2"

# --- 9 -----------------------------------------------------------------------------
step "delete bond0: the reader sees its page go, and exits"
run ip link del bond0
check "the reader printed gone" await 10 reader_printed '^[0-9]+ gone '
rc=0
wait "$reader_pid" || rc=$?
check_eq "the reader's exit status" 0 "$rc"
sleep 0.3	# the live views' last lines

demo_us=$((${EPOCHREALTIME/./} - demo_start))
printf '\n=== summary\n'
printf '  %-26s %s\n' \
	kernel "$(uname -r)" \
	bond "bond0 active-backup, miimon $miimon ms, managed ($node)" \
	members "$p0 ($driver ${bus[$p0]}), $p1 ($driver ${bus[$p1]})" \
	"cuts (carrier off, QMP)" "$first, then $second" \
	"failovers" "$first -> $second, $second -> $first" \
	"carrier -> failover" "${fo_ms[1]}, ${fo_ms[2]} (bonding's miimon $miimon ms)" \
	"failover -> published" "${pub_us[1]}, ${pub_us[2]}" \
	"published -> reader" "${seen_us[1]}, ${seen_us[2]} (hot loop, C++, TCG guest)" \
	"carrier -> reader" "${raw_us[1]}, ${raw_us[2]} (the raw loss, before bonding acted)" \
	"carrier -> monitor log" "${mon_ms[1]}, ${mon_ms[2]}" \
	"carrier back -> backup" "${back_ms[1]}, ${back_ms[2]}" \
	"monitor failovers_total" "$failovers_before -> $failovers_now" \
	"demo steps (in the VM)" "$((demo_us / 1000000)).$((demo_us / 100000 % 10)) s"
