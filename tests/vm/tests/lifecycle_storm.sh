#!/bin/bash
# vm-timeout: 900
# The lifecycle storm. For EXABOND_STORM_SECONDS (default 60) concurrent
# writers churn four bond slots (sbN, renamed sbNr) every way the product
# allows: members enslaved and released (eight veths and the two ports of
# the dual-port card, by netlink and sysfs, moved between bonds), forced
# failovers (sysfs and netlink), carrier flaps (veth peers, and QMP link
# cuts on the card), bonds up and down, +bond and -bond, renames, deletion
# and re-creation under the same names (netlink and bonding_masters),
# policy changes that make bonds non-compliant and back, and mode changes
# (refused on managed bonds, taken on unmanaged ones). Refusals and races
# (a device gone between two commands) are counted by kind; an error of a
# kind the operation cannot legitimately produce fails the test.
#
# Meanwhile three exabond-storm-readers discover, map and check every page
# (two snapshot in a loop, one waits in poll() and read()): every snapshot
# consistent, the hot word in step, generations monotonic, dead pages final
# and only for bonds deleted or released. Then everything is deleted: no
# bond is managed, no node is left, and exabond unloads and loads again.
# The kernel log must stay free of splats (the runner checks it).
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

seconds=${EXABOND_STORM_SECONDS:-60}
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || fail "EXABOND_STORM_SECONDS=$seconds: not a number of seconds"
# Setup and the end take a minute or two, more on a debug kernel: a longer
# storm needs a larger vm-timeout above.
((seconds <= 600)) || fail "EXABOND_STORM_SECONDS=$seconds: over 600 s, raise vm-timeout first"
reader=$EXABOND_BUILD/tests/vm/tools/exabond-storm-reader
[[ -x "$reader" ]] || fail "$reader is not built"
dir=$PWD

# Modes no policy of the storm ever allows: a managed bond is never in one.
forbidden_modes="balance-rr broadcast balance-alb"
forbidden_numbers=0,3,6
# shellcheck disable=SC2034 # read through pick's nameref
modes=(balance-rr broadcast balance-alb active-backup balance-xor 802.3ad balance-tlb)

nslots=4
p0=$(nic card0p0)
p1=$(nic card0p1)
pool=("$p0" "$p1")
for k in 0 1 2 3 4 5 6 7; do
	veth_pair "sm$k" "sp$k"
	pool+=("sm$k")
done

del_bonds() {
	local i
	for i in $(seq 0 $((nslots - 1))); do
		ip link del "sb$i" 2>/dev/null || true
		ip link del "sb${i}r" 2>/dev/null || true
	done
	return 0
}
on_exit del_bonds
on_exit policy_reset
# The card's links are cut from a writer, whose on_exit would be lost.
on_exit host set_link card0p0 up
on_exit host set_link card0p1 up

for i in $(seq 0 $((nslots - 1))); do
	run ip link add "sb$i" type bond mode active-backup miimon 100
	run ip link set "sm$i" master "sb$i"
	run ip link set "sm$((i + 4))" master "sb$i"
	run ip link set "sb$i" up
	manage "sb$i"
done

# --- operations and their accounting -------------------------------------------

# What each kind of operation may legitimately fail with. ENODEV/ENOENT: a
# bond, member or sysfs file gone between two commands; exabond: a policy
# refusal with its extended ack; EOPNOTSUPP: the same through sysfs or the
# control file; EEXIST: a name taken by a bond created meanwhile, or +bond
# of a bond managed meanwhile; EBUSY and ENOTEMPTY: bonding's own refusal
# of a mode change or a rename (netlink: "the bond is up", "has slaves") on
# a bond another writer brought up or enslaved to in between; EINVAL and
# EACCES: bonding's refusal of an active member that is down or no longer
# its member, or of any active member in a mode that has none. Enslaving
# also meets EBUSY (the other members writer took the device first) and
# EINVAL (ip looks the master's name up in a request of its own, and the
# bond was deleted in between: rtnetlink's do_set_master finds no ifindex).
# Releasing through sysfs meets EINVAL when the device left that bond after
# the writer looked (__bond_release_one: "cannot release slave").
declare -A expected=(
	[enslave]="ENODEV ENOENT exabond EOPNOTSUPP EBUSY EINVAL"
	[release]="ENODEV ENOENT EINVAL"
	[failover]="ENODEV ENOENT EINVAL EACCES"
	[carrier]=""
	[qmp]=""
	[updown]="ENODEV exabond"
	[manage]="ENODEV EEXIST EOPNOTSUPP"
	[unmanage]="ENODEV ENOENT"
	[rename]="ENODEV EEXIST EBUSY"
	[delete]="ENODEV"
	[create]="EEXIST"
	[policy]=""
	[mode]="ENODEV ENOENT exabond EOPNOTSUPP EBUSY ENOTEMPTY"
	[mode_restore]="ENODEV ENOENT EBUSY ENOTEMPTY"
)
declare -A ops=() errs=()

# tally KIND CLASS [DETAIL]: one operation of KIND that ended in CLASS
# ("ok", an errno name or "exabond"); an unexpected CLASS is logged with
# DETAIL.
tally() {
	local kind=$1 class=$2
	ops[$kind]=$((${ops[$kind]:-0} + 1))
	[[ "$class" != ok ]] || return 0
	if [[ " ${expected[$kind]} " != *" $class "* ]]; then
		printf '%s: %s\n' "$kind" "${3:-$class}" >> "$dir/unexpected"
		class="UNEXPECTED-$class"
	fi
	errs[$kind/$class]=$((${errs[$kind/$class]:-0} + 1))
}

# The writers fork only to run ip: under TCG a fork costs more than the
# operation, and the fewer they cost the harder they storm. Results come
# back in globals (REPLY, class, b, master) instead of $(...).

# classify MESSAGE: set class from an error message of ip or bash (whose
# write errors end in strerror's text).
classify() {
	case $1 in
	*"Error: exabond: "*) class=exabond ;;
	*"Cannot find device"* | *"Device does not exist"*) class=ENODEV ;;
	*"bond is up"*) class=EBUSY ;;
	*"has slaves"*) class=ENOTEMPTY ;;
	*"invalid option value"*) class=EINVAL ;;
	*"not supported in mode"*) class=EACCES ;;
	*"No such device or address"*) class=ENXIO ;;
	*"No such device"*) class=ENODEV ;;
	*"No such file or directory"*) class=ENOENT ;;
	*"File exists"*) class=EEXIST ;;
	*"Device or resource busy"*) class=EBUSY ;;
	*"Directory not empty"*) class=ENOTEMPTY ;;
	*"Operation not supported"*) class=EOPNOTSUPP ;;
	*"Invalid argument"*) class=EINVAL ;;
	*"Operation not permitted"*) class=EPERM ;;
	*"Permission denied"*) class=EACCES ;;
	*"Input/output error"*) class=EIO ;;
	*"Cannot allocate memory"*) class=ENOMEM ;;
	*) class=other ;;
	esac
}

# ip_op KIND ARGS...: ip ARGS as one operation of KIND.
ip_op() {
	local kind=$1 err=
	shift
	if ip "$@" 2> "$errf" > /dev/null; then
		tally "$kind" ok
		return 0
	fi
	read -r -d '' err < "$errf"
	classify "$err"
	tally "$kind" "$class" "ip $*: ${err//$'\n'/ }"
	return 1
}

# sys_op KIND FILE DATA: DATA and a newline to FILE in one write(2), as
# echo does, as an operation of KIND.
sys_op() {
	local kind=$1 err=
	if { printf '%s\n' "$3" > "$2"; } 2> "$errf"; then
		tally "$kind" ok
		return 0
	fi
	read -r -d '' err < "$errf"
	classify "$err"
	tally "$kind" "$class" "write '$3' to $2: ${err//$'\n'/ }"
	return 1
}

# bond_of SLOT: b is the slot's bond as it is called now, or its plain name
# if it has none (the operation then meets ENODEV, as any racing client
# would; bond_of fails then).
bond_of() {
	if [[ -e "/sys/class/net/sb$1" ]]; then
		b=sb$1
	elif [[ -e "/sys/class/net/sb$1r" ]]; then
		b=sb$1r
	else
		b=sb$1
		return 1
	fi
}

# master_of DEV: master is the bond DEV is a member of, or "".
master_of() {
	local line
	master=
	[[ -e "/sys/class/net/$1/master" ]] || return 0
	{
		while read -r line; do
			[[ "$line" != INTERFACE=* ]] || master=${line#INTERFACE=}
		done < "/sys/class/net/$1/master/uevent"
	} 2> /dev/null
	return 0
}

# members_of BOND: the array members is BOND's members.
members_of() {
	members=()
	{ read -r -a members < "/sys/class/net/$1/bonding/slaves"; } 2> /dev/null || true
}

pick() { local -n __a=$1; REPLY=${__a[RANDOM % ${#__a[@]}]}; }
coin() { ((RANDOM % 2)); }
nap() { read -rt "$1" <> "$dir/nap" || true; }

# writer NAME N: run writer_NAME until the deadline, then save its counts.
# A failed command is an outcome to count, not a reason to stop: the
# writers run without errexit (|| true).
writer() {
	local k out=$dir/counts.$1.$2 b master members
	errf=$dir/err.$1.$2
	RANDOM=$((BASHPID ^ 10#$(date +%N)))
	while ((EPOCHSECONDS < deadline)); do
		"writer_$1" || true
	done
	for k in "${!ops[@]}"; do echo "op $k ${ops[$k]}"; done > "$out"
	for k in "${!errs[@]}"; do echo "err $k ${errs[$k]}"; done >> "$out"
}

# Enslave a free device (netlink or sysfs; it must be down first, as
# bonding wants), release a member (either path), or move a member to
# another bond in one netlink request.
writer_members() {
	pick pool
	local dev=$REPLY
	bond_of $((RANDOM % nslots))
	master_of "$dev"
	if [[ -z "$master" ]]; then
		ip link set "$dev" down
		if coin; then
			ip_op enslave link set "$dev" master "$b"
		else
			sys_op enslave "/sys/class/net/$b/bonding/slaves" "+$dev"
		fi
	elif coin; then
		ip_op enslave link set "$dev" master "$b"
	elif coin; then
		ip_op release link set "$dev" nomaster
	else
		sys_op release "/sys/class/net/$master/bonding/slaves" "-$dev"
	fi
}

writer_failover() {
	bond_of $((RANDOM % nslots)) || return 0
	members_of "$b"
	((${#members[@]})) || return 0
	pick members
	if coin; then
		sys_op failover "/sys/class/net/$b/bonding/active_slave" "$REPLY"
	else
		ip_op failover link set "$b" type bond active_slave "$REPLY"
	fi
}

# A veth member's carrier follows its peer's admin state.
writer_carrier() {
	local k=$((RANDOM % 8))
	if coin; then
		ip_op carrier link set "sp$k" down
	else
		ip_op carrier link set "sp$k" up
	fi
}

# QMP link cuts on the card's ports, at a modest rate: each goes through the
# host's control port, which serves one request at a time.
writer_qmp() {
	local id state
	id=card0p$((RANDOM % 2))
	if coin; then state=down; else state=up; fi
	if host set_link "$id" "$state" > /dev/null 2>&1; then
		tally qmp ok
	else
		tally qmp failed "set_link $id $state: no answer"
	fi
	nap 1
}

writer_updown() {
	bond_of $((RANDOM % nslots))
	if coin; then
		ip_op updown link set "$b" up
	else
		ip_op updown link set "$b" down
	fi
	nap 0.05
}

writer_manage() {
	bond_of $((RANDOM % nslots))
	if coin; then
		sys_op manage "$EXABOND_CTL" "+$b"
	else
		sys_op unmanage "$EXABOND_CTL" "-$b"
	fi
	nap 0.05
}

# Down, renamed, up again (the node follows the bond); and back.
writer_rename() {
	local i=$((RANDOM % nslots)) to
	bond_of "$i" || return 0
	if [[ "$b" == "sb$i" ]]; then to=sb${i}r; else to=sb$i; fi
	ip_op updown link set "$b" down || return 0
	ip_op rename link set "$b" name "$to" || return 0
	if coin; then ip_op updown link set "$to" up; fi
	nap 0.1
}

# Deleted and created again under the same name, by netlink or through
# bonding_masters; sometimes without a link monitor, sometimes up and
# managed at once.
writer_recreate() {
	local i=$((RANDOM % nslots))
	if bond_of "$i"; then
		if coin; then
			ip_op delete link del "$b"
		else
			sys_op delete /sys/class/net/bonding_masters "-$b"
		fi
	fi
	if coin; then
		if coin; then
			ip_op create link add "sb$i" type bond mode active-backup miimon 100
		else
			ip_op create link add "sb$i" type bond mode active-backup
		fi || return 0
	else
		sys_op create /sys/class/net/bonding_masters "+sb$i" || return 0
		# Created in balance-rr, bonding's default: the mode writer
		# puts that right eventually, or this does now.
		sys_op mode_restore "/sys/class/net/sb$i/bonding/mode" active-backup
		sys_op mode_restore "/sys/class/net/sb$i/bonding/miimon" 100
	fi
	if coin; then ip_op updown link set "sb$i" up; fi
	if coin; then sys_op manage "$EXABOND_CTL" "+sb$i"; fi
	nap 0.2
}

# Policies that managed bonds meet or do not; none ever allows a mode of
# $forbidden_modes.
# shellcheck disable=SC2034 # read through pick's nameref
policy_modes=(active-backup "active-backup,balance-xor" roce-lag "active-backup balance-tlb 802.3ad")
# shellcheck disable=SC2034
policy_drivers=("" veth virtio_net "veth,virtio_net")
writer_policy() {
	case $((RANDOM % 4)) in
	0)
		pick policy_modes
		sys_op policy "$EXABOND_PARAMS/allowed_modes" "$REPLY"
		;;
	1) sys_op policy "$EXABOND_PARAMS/max_members" $((RANDOM % 4)) ;;
	2)
		if coin; then REPLY=Y; else REPLY=N; fi
		sys_op policy "$EXABOND_PARAMS/require_link_monitor" "$REPLY"
		;;
	3)
		pick policy_drivers
		sys_op policy "$EXABOND_PARAMS/allowed_drivers" "$REPLY"
		;;
	esac
	nap 0.5
}

# managed_now BOND: BOND is in the control file's list.
managed_now() {
	local list=
	read -r list < "$EXABOND_CTL"
	[[ " $list " == *" $1 "* ]]
}

# ready_for_mode: bond b down and without members, as bonding requires
# for a mode change (another writer may undo it at once: EBUSY, ENOTEMPTY).
ready_for_mode() {
	local m
	ip link set "$b" down 2> /dev/null
	members_of "$b"
	for m in "${members[@]}"; do
		{ printf '%s\n' "-$m" > "/sys/class/net/$b/bonding/slaves"; } 2> /dev/null
	done
	return 0
}

# A mode change, through netlink or sysfs, mostly on a bond made ready for
# it. A bond that takes a mode no policy allows must not be managed; an
# unmanaged bond in another mode than active-backup is put back later, so
# that it can be managed again.
writer_mode() {
	local cur
	bond_of $((RANDOM % nslots)) || return 0
	{ read -r cur _ < "/sys/class/net/$b/bonding/mode"; } 2> /dev/null || return 0
	if [[ "$cur" != active-backup ]] && coin; then
		ready_for_mode
		if coin; then
			ip_op mode_restore link set "$b" type bond mode active-backup
		else
			sys_op mode_restore "/sys/class/net/$b/bonding/mode" active-backup
		fi
		return 0
	fi
	((RANDOM % 4 == 0)) || ready_for_mode
	pick modes
	if coin; then
		ip_op mode link set "$b" type bond mode "$REPLY"
	else
		sys_op mode "/sys/class/net/$b/bonding/mode" "$REPLY"
	fi || return 0
	if [[ " $forbidden_modes " == *" $REPLY "* ]] && managed_now "$b" &&
		{ read -r cur _ < "/sys/class/net/$b/bonding/mode"; } 2> /dev/null &&
		[[ "$cur" == "$REPLY" ]]; then
		printf 'mode: managed bond %s took mode %s\n' "$b" "$REPLY" >> "$dir/unexpected"
	fi
}

# --- the storm --------------------------------------------------------------------

writers=(members members failover carrier qmp updown manage rename recreate policy mode)
readers=(rA rB rW)
declare -A reader_pid=()
writer_pids=()

stop_writers() {
	local p
	((${#writer_pids[@]})) || return 0
	for p in "${writer_pids[@]}"; do kill "$p" 2>/dev/null; done
	wait "${writer_pids[@]}" 2>/dev/null
	return 0
}
stop_readers() {
	local r
	for r in "${readers[@]}"; do
		[[ -z "${reader_pid[$r]:-}" ]] || kill "${reader_pid[$r]}" 2>/dev/null
	done
	return 0
}
on_exit stop_readers
on_exit stop_writers
mkfifo "$dir/nap"
: > "$dir/unexpected"

for r in "${readers[@]}"; do
	args=(--name "$r" --forbid-modes "$forbidden_numbers")
	[[ "$r" != rW ]] || args+=(--wait)
	"$reader" "${args[@]}" > "$dir/reader.$r" 2>&1 &
	reader_pid[$r]=$!
done
for r in "${readers[@]}"; do
	check "$r started" wait_for 10 grep -q "^$r: started" "$dir/reader.$r"
done

klog_mark
log "storm: ${#writers[@]} writers, ${#readers[@]} readers, $seconds s"
start=$EPOCHSECONDS
deadline=$((start + seconds))
n=0
for w in "${writers[@]}"; do
	writer "$w" "$n" > "$dir/writer.$w.$n" 2>&1 &
	writer_pids+=($!)
	n=$((n + 1))
done
rc=0
for p in "${writer_pids[@]}"; do
	wait "$p" || rc=$?
done
writer_pids=()
elapsed=$((EPOCHSECONDS - start))
# A writer prints nothing unless something is wrong with the test itself.
for f in "$dir"/writer.*; do
	[[ ! -s "$f" ]] || { echo "--- ${f##*/}:"; head -n 20 "$f"; }
done
((rc == 0)) || fail "a writer failed (status $rc)"
log "storm over after ${elapsed} s"

# --- the end: everything deleted, readers see the last pages die ------------------

host set_link card0p0 up >/dev/null
host set_link card0p1 up >/dev/null
del_bonds
policy_reset >/dev/null
sleep 2
stop_readers
declare -A reader_rc=()
for r in "${readers[@]}"; do
	reader_rc[$r]=0
	wait "${reader_pid[$r]}" || reader_rc[$r]=$?
	reader_pid[$r]=
	cat "$dir/reader.$r"
done

# The summary: operations and errors per kind over every writer.
# total TYPE: "KIND=N ..." summed over the writers' counts, sorted.
total() {
	cat "$dir"/counts.* | awk -v t="$1" '$1 == t { n[$2] += $3 }
		END { for (k in n) print k "=" n[k] }' | sort | paste -sd' '
}
nops=$(cat "$dir"/counts.* | awk '$1 == "op" { n += $3 } END { print n + 0 }')
summary="$nops operations: $(total op); errors: $(total err)"
stats=$(cat "$dir"/reader.* | awk '
	$2 == "snapshots" { for (i = 2; i < NF; i += 2) sum[$i] += $(i + 1) }
	END { printf "snapshots %d retries %d pages %d dead %d hup %d wakeups %d sleeps %d violations %d",
		sum["snapshots"], sum["retries"], sum["pages"], sum["dead"], sum["hup"],
		sum["wakeups"], sum["sleeps"], sum["violations"] }')
log "summary: ${elapsed} s; $summary; $stats"

# Soft checks: a storm that went wrong should still say everything it saw.
read -r snaps pages dead hup violations < <(awk '{ print $2, $6, $8, $10, $16 }' <<<"$stats")
soft_check_eq "page invariants broken (VIOLATION lines above)" 0 "$violations"
for r in "${readers[@]}"; do
	soft_check_eq "$r: exit status" 0 "${reader_rc[$r]}"
done
sort "$dir/unexpected" | uniq -c | sort -rn | head -n 40
soft_check_eq "operations failed in a way they cannot legitimately fail" 0 \
	"$(wc -l < "$dir/unexpected")"
soft_check "snapshots were taken" test "$snaps" -gt 0
soft_check "pages were seen" test "$pages" -gt 0
soft_check "pages were seen dying" test "$dead" -gt 0
soft_check "the waiting reader saw POLLHUP" test "$hup" -gt 0
for kind in enslave release failover manage unmanage rename delete create mode; do
	soft_check "$kind succeeded at least once" \
		test "$(cat "$dir"/counts.* | awk -v k="$kind" '$1 == "op" && $2 == k { n += $3 } END { print n + 0 }')" \
		-gt "$(cat "$dir"/counts.* | awk -v k="$kind/" '$1 == "err" && index($2, k) == 1 { n += $3 } END { print n + 0 }')"
done
log "kernel log during the storm: $(klog_since | wc -l) lines," \
	"$(klog_count 'no longer meets the policy') 'no longer meets the policy'," \
	"$(klog_count 'refused') refusals"

# --- nothing left, and the module comes and goes cleanly -------------------------

check_eq "nothing managed" "" "$(cat "$EXABOND_CTL")"
check_eq "no node left" "" "$(find /dev -maxdepth 1 -name 'exabond-*' -printf '%f ')"
check_eq "no class device left" "" "$(ls /sys/class/exabond)"
check_eq "module unused" 0 "$(cat /sys/module/exabond/refcnt)"
reload_if_gone() { grep -q '^exabond ' /proc/modules || insmod "$EXABOND_MODULE"; }
on_exit reload_if_gone
run rmmod exabond
check "unloaded" test ! -e /sys/module/exabond
run insmod "$EXABOND_MODULE"
check "loaded again" test -e "$EXABOND_CTL"
check_eq "nothing managed after reload" "" "$(cat "$EXABOND_CTL")"
check_eq "default policy after reload" active-backup "$(policy_get allowed_modes)"
soft_verdict
