#!/bin/bash
# Helpers for VM tests; source it first thing:
#
#	source "$EXABOND_REPO/tests/vm/guest/lib.sh"
#
# A test is a bash script run as root in the VM, in a scratch directory, with
# `set -euo pipefail`. Exit 0 passes, skip REASON skips (a missing feature;
# exit 4, as in the kernel's selftests, but only through skip), anything else
# fails. It must leave nothing behind: namespaces, bonds, moved NICs, cut
# links, changed links, addresses or sysctls fail it (check_clean in
# tests/vm/guest/run.sh). Register cleanups with on_exit; they run in
# reverse order.
#
# The machine has real NICs named by the role they play, not by ifname:
#	card0p0, card0p1	virtio-net functions 0 and 1 of one PCI slot:
#				a "dual-port card"
#	card1p0			virtio-net on another slot
# All three sit on one QEMU hub, so frames sent by one reach the others.

set -euo pipefail

: "${EXABOND_REPO:?run me inside the VM harness}"
: "${EXABOND_VM_PLAN:?run me inside the VM harness}"

readonly KSFT_SKIP=4

# Under software emulation every fork and exec costs tens of milliseconds of
# a CPU the kernel under test needs too; the helpers below keep them out of
# their loops. sleep is bash's loadable builtin (Debian's bash-builtins,
# make deps): wait_for sleeps between polls without a process.
enable -f /usr/lib/bash/sleep sleep ||
	{ echo "no loadable sleep builtin: install bash-builtins (make deps)" >&2; exit 1; }
__exabond_ncleanups=0

__exabond_run_cleanups() {
	local rc=$? i
	set +e
	for ((i = __exabond_ncleanups - 1; i >= 0; i--)); do
		local -n __cmd=__exabond_cleanup_$i
		"${__cmd[@]}" >/dev/null 2>&1
		unset -n __cmd
	done
	exit "$rc"
}
trap __exabond_run_cleanups EXIT

# on_exit CMD [ARG...]: run CMD when the test exits, last registered first.
# Not from a subshell ($(...), a pipeline): the registration would be lost.
on_exit() {
	declare -ga "__exabond_cleanup_$__exabond_ncleanups"
	local -n __slot=__exabond_cleanup_$__exabond_ncleanups
	__slot=("$@")
	unset -n __slot
	__exabond_ncleanups=$((__exabond_ncleanups + 1))
}

log() { printf '%s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
# skip REASON: the test cannot run here. Only this counts as a skip: a
# command that happens to exit 4 is a failure.
skip() {
	printf 'SKIP: %s\n' "$*"
	printf '%s\n' "$*" > "$EXABOND_SKIP_FILE"
	exit "$KSFT_SKIP"
}

# run CMD...: echo the command, then run it.
run() {
	printf '+ %s\n' "$*"
	"$@"
}

# check DESCRIPTION CMD...: CMD must succeed. Only CMD's exit status counts:
# bash ignores set -e inside a function run as a condition, so a function
# given to check (or wait_for) must end with the test that decides.
check() {
	local what=$1
	shift
	if "$@"; then
		printf 'ok: %s\n' "$what"
	else
		fail "$what (command: $*)"
	fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [[ "$2" == "$3" ]]; then
		printf 'ok: %s = %q\n' "$1" "$3"
	else
		fail "$1: expected $(printf %q "$2"), got $(printf %q "$3")"
	fi
}

# wait_for TIMEOUT_S CMD...: poll real state until CMD succeeds. CMD runs
# anew each time: pass a command or function that reads the state itself
# (carrier_is, active_is, ...), never a "$(...)" expanded once by the caller.
# TIMEOUT_S is for the packaged kernel; a slower one (run.py --slowdown N)
# multiplies it by N.
wait_for() {
	local limit=$(($1 * ${EXABOND_TIMEOUT_SCALE:-1})) deadline
	shift
	deadline=$((${EPOCHREALTIME/./} + limit * 1000000))
	until "$@"; do
		if ((${EPOCHREALTIME/./} > deadline)); then
			printf 'timed out after %ss waiting for: %s\n' "$limit" "$*"
			return 1
		fi
		sleep 0.05
	done
}

# nic_pci ID: the PCI address of a NIC of the machine.
nic_pci() {
	local key id pci
	while read -r key id pci; do
		if [[ "$key" == nic && "$id" == "$1" ]]; then
			echo "$pci"
			return 0
		fi
	done < "$EXABOND_VM_PLAN"
	echo "no NIC called $1 in this machine" >&2
	return 1
}

# nic ID: the current interface name of a NIC (in the initial namespace).
nic() {
	local pci dir
	pci=$(nic_pci "$1") || return 1
	for dir in /sys/bus/pci/devices/"$pci"/virtio*/net/*; do
		[[ -e "$dir" ]] || break
		echo "${dir##*/}"
		return 0
	done
	echo "NIC $1 ($pci) has no interface in this namespace" >&2
	return 1
}

source "$EXABOND_REPO/tests/vm/guest/ctl.sh"

# host CMD...: one request to the host over the control port; prints the
# rest of the reply and fails unless it starts with "ok".
host() {
	local reply
	reply=$(ctl_request "$@") || { echo "host did not answer: $*" >&2; return 1; }
	[[ "$reply" == ok* ]] || { echo "host: $*: $reply" >&2; return 1; }
	echo "${reply#ok}"
}

# set_link ID up|down: cut or restore a NIC's carrier from outside, as a
# pulled cable would (QMP set_link). The link is restored after the test.
set_link() {
	printf '+ set_link %s %s (QMP)\n' "$1" "$2"
	host set_link "$1" "$2" >/dev/null
	[[ "$2" != down ]] || on_exit host set_link "$1" up
}

carrier_of() { cat "/sys/class/net/$1/carrier" 2>/dev/null || echo none; }

# carrier_is DEV 0|1: for wait_for.
carrier_is() { [[ "$(carrier_of "$1")" == "$2" ]]; }

# netns_new VAR PREFIX: create a namespace with a unique name, store the
# name in VAR, delete the namespace when the test exits.
netns_new() {
	local name
	name="$2-$(mktemp -u XXXXXX)"
	ip netns add "$name"
	on_exit ip netns del "$name"
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# bond_active BOND: the active member, as bonding reports it.
bond_active() {
	ip -j -d link show "$1" |
		json_get --null '' .[0].linkinfo.info_data.active_slave
}

# active_is BOND DEV: for wait_for ("" waits for any active member).
active_is() {
	local a
	a=$(bond_active "$1")
	if [[ -z "$2" ]]; then [[ -n "$a" ]]; else [[ "$a" == "$2" ]]; fi
}

# active_is_not BOND DEV: bonding no longer names DEV active; for wait_for.
active_is_not() { [[ "$(bond_active "$1")" != "$2" ]]; }

# mii_status_is MEMBER UP|DOWN|GOING_DOWN|GOING_BACK: bonding's view of a
# member's link, for wait_for.
mii_status_is() {
	[[ "$(ip -j -d link show "$1" |
		json_get .[0].linkinfo.info_slave_data.mii_status)" == "$2" ]]
}

# --- exabond.ko -------------------------------------------------------------

readonly EXABOND_CTL=/sys/class/net/exabond_masters
readonly EXABOND_PROBE=$EXABOND_BUILD/tests/vm/tools/exabond-probe

# probe ARGS...: tests/vm/tools/exabond-probe (dump, read, wait, hold, try).
probe() { "$EXABOND_PROBE" "$@"; }

# json_get [-c] [--null TEXT] PATH...: `jq -r PATH` for plain paths (.a.b,
# .[0].c, .members[1].ifname), one line per PATH, in a seventh of jq's time
# (tests/vm/tools/exabond-json-get.cpp); --null TEXT is jq's `// TEXT`.
readonly EXABOND_JSON_GET=$EXABOND_BUILD/tests/vm/tools/exabond-json-get
json_get() { "$EXABOND_JSON_GET" "$@"; }

# ctl_write BYTES [NETNS]: one write(2) of BYTES, a Python bytes literal
# (b'+bond0\n', b'+a\x00b'), to the control file of NETNS (default: this
# one); prints "ok" or the errno name (ENODEV, EINVAL, ...).
ctl_write() {
	local py='
import ast, errno, os, sys
data = ast.literal_eval(sys.argv[1])
fd = os.open("/sys/class/net/exabond_masters", os.O_WRONLY)
try:
    os.write(fd, data)
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])'
	if [[ -n "${2:-}" ]]; then
		ip netns exec "$2" python3 -c "$py" "$1"
	else
		python3 -c "$py" "$1"
	fi
}

# manage BOND [NETNS]: place BOND under management; released after the
# test if still managed.
manage() {
	local r
	r=$(in_netns "${2:-}" "$EXABOND_PROBE" write "$EXABOND_CTL" "+$1\\n")
	[[ "$r" == ok ]] || { echo "+$1: $r" >&2; return 1; }
	on_exit in_netns "${2:-}" "$EXABOND_PROBE" write "$EXABOND_CTL" "-$1\\n"
}

# managed_list [NETNS]: the control file's content.
managed_list() {
	if [[ -n "${1:-}" ]]; then
		ip netns exec "$1" cat "$EXABOND_CTL"
	else
		cat "$EXABOND_CTL"
	fi
}

# page NODE JQ-FILTER: one field of a consistent snapshot of the page (a
# plain path through json_get, anything else through jq).
page() {
	if [[ $2 == .* && $2 =~ ^(\.[A-Za-z_][A-Za-z0-9_]*|\.?\[[0-9]+\])+$ ]]; then
		probe dump "$1" | json_get "$2"
	else
		probe dump "$1" | jq -r "$2"
	fi
}

# page_is NODE JQ-FILTER VALUE: that field of the page is VALUE; for wait_for.
page_is() { [[ "$(page "$1" "$2")" == "$3" ]]; }

# page_matches NODE BOND [NETNS]: every published field equals what
# rtnetlink shows (tests/vm/guest/compare_page.py); for wait_for.
page_matches() {
	"$EXABOND_REPO/tests/vm/guest/compare_page.py" -q "$1" "$2" \
		${3:+--netns "$3"}
}

# veth_pair NAME PEER: a veth pair, both ends up, deleted after the test.
veth_pair() {
	ip link add "$1" type veth peer name "$2"
	on_exit ip link del "$1"
	ip link set "$2" up
}

# page_active_is NODE IFNAME: the page's hot word names IFNAME; for wait_for.
page_active_is() {
	[[ "$(page "$1" .hot_ifindex)" == "$(cat "/sys/class/net/$2/ifindex")" ]]
}

# Background helpers with a line-based conversation, safe where bash's
# coproc is not (it drops the descriptors and PID once the child exits).
#	bg_start VAR CMD...	run CMD with its stdin on a pipe we hold and
#				its stdout in a file; killed after the test
#	bg_line VAR [TIMEOUT]	wait for and print CMD's first output line
#	bg_finish VAR		send one line, close stdin, wait for CMD (its
#				status is bg_finish's); not in $(...), since
#				only this shell can wait for CMD
#	bg_output VAR		CMD's output after its first line
bg_start() {
	local var=$1 dir fd
	shift
	dir=$(mktemp -d)
	mkfifo "$dir/in"
	"$@" < "$dir/in" > "$dir/out" &
	printf -v "${var}_pid" '%s' "$!"
	exec {fd}> "$dir/in"
	printf -v "${var}_fd" '%s' "$fd"
	printf -v "${var}_dir" '%s' "$dir"
	on_exit kill "$!"
}

bg_line() {
	local -n __dir=${1}_dir
	wait_for "${2:-10}" test -s "$__dir/out" || return 1
	wait_for 2 grep -q $'\n' "$__dir/out" 2>/dev/null || true
	head -n1 "$__dir/out"
}

bg_finish() {
	local -n __pid=${1}_pid __fd=${1}_fd __dir=${1}_dir
	local rc=0
	# CMD may be gone already: a failed write, not a SIGPIPE to the test.
	(trap '' PIPE; echo >&"$__fd") 2>/dev/null || true
	exec {__fd}>&-
	wait "$__pid" || rc=$?
	return "$rc"
}

bg_output() {
	local -n __dir=${1}_dir
	tail -n +2 "$__dir/out"
}

# --- exabond policy (module parameters) ---------------------------------------

readonly EXABOND_PARAMS=/sys/module/exabond/parameters

# write_file FILE DATA: one write(2) of DATA (escapes \n \t \\ \xHH) to FILE;
# prints "ok" or the errno name (EOPNOTSUPP, EINVAL, ...).
write_file() { probe write "$1" "$2"; }

# policy_get NAME: a parameter's value (allowed_modes, allowed_drivers,
# max_members, require_link_monitor), without the newline.
policy_get() { cat "$EXABOND_PARAMS/$1"; }

# policy_reset: every parameter back to its default.
policy_reset() {
	write_file "$EXABOND_PARAMS/allowed_modes" 'active-backup\n'
	write_file "$EXABOND_PARAMS/allowed_drivers" '\n'
	write_file "$EXABOND_PARAMS/max_members" '0\n'
	write_file "$EXABOND_PARAMS/require_link_monitor" 'N\n'
}

# policy_set NAME VALUE: write VALUE and a newline, as echo does; fails
# unless the write succeeds. The first call registers policy_reset for
# the test's exit.
__exabond_policy_reset_armed=
policy_set() {
	local r
	if [[ -z "$__exabond_policy_reset_armed" ]]; then
		on_exit policy_reset
		__exabond_policy_reset_armed=1
	fi
	printf '+ policy %s=%s\n' "$1" "$2"
	r=$(write_file "$EXABOND_PARAMS/$1" "$2\\n")
	[[ "$r" == ok ]] || { echo "policy $1=$2: $r" >&2; return 1; }
}

# ip_result ARGS...: run ip ARGS; prints "ok", or what ip printed on
# stderr (e.g. "Error: exabond: ..." from an extended ack) when it failed.
ip_result() {
	local err
	if err=$(ip "$@" 2>&1 >/dev/null); then
		echo ok
	else
		echo "$err"
	fi
}

# klog_mark: remember the end of the kernel log; klog_has and klog_count
# look only at what was logged after the latest mark.
__exabond_klog_mark=
klog_mark() {
	__exabond_klog_mark="exabond-test: mark $BASHPID.$RANDOM.$EPOCHREALTIME"
	echo "$__exabond_klog_mark" > /dev/kmsg
}

# klog_since: the kernel log after the latest mark, without timestamps.
klog_since() {
	dmesg | sed 's/^\[[ 0-9.]*\] //' |
		awk -v m="$__exabond_klog_mark" 'f; $0 == m { f = 1 }'
}

# klog_has FIXED-STRING: a line containing it was logged since the mark;
# for check and wait_for.
klog_has() { klog_since | grep -qF -- "$1"; }

# klog_count FIXED-STRING: how many lines since the mark contain it.
klog_count() { klog_since | grep -cF -- "$1" || true; }

# link_state DEV [NETNS]: what enslaving may change on a device, one line:
# "NAME ADDR mtu MTU FLAGS master MASTER TYPE", FLAGS without the carrier
# ones (LOWER_UP, NO-CARRIER, M-DOWN, DORMANT); "-" where there is none.
link_state() {
	local out f flags=() v all
	out=$(ip ${2:+-n "$2"} -j link show dev "$1" |
		json_get -c --null - .[0].ifname .[0].address .[0].mtu \
			.[0].master .[0].link_type .[0].flags) || return
	mapfile -t v <<<"$out"
	((${#v[@]} == 6)) || { echo "link_state $1: $out" >&2; return 1; }
	IFS=, read -r -a all <<<"${v[5]//[\[\]\"]/}"
	for f in "${all[@]}"; do
		case $f in
		LOWER_UP | NO-CARRIER | M-DOWN | DORMANT) ;;
		*) flags+=("$f") ;;
		esac
	done
	printf '%s %s mtu %s %s master %s %s\n' "${v[0]}" "${v[1]}" "${v[2]}" \
		"$(IFS=,; echo "${flags[*]}")" "${v[3]}" "${v[4]}"
}

# members BOND: the bond's members, as bonding lists them.
members() { cat "/sys/class/net/$1/bonding/slaves"; }

# enslave_via PATH BOND DEV: make DEV a member of BOND through PATH (DEV
# must be down: bonding refuses an up device itself, before anyone can
# veto). Prints what the client reported:
#	sysfs	  write of "+DEV" to bonding/slaves: "ok" or the errno name
#	ip	  ip link set dev DEV master BOND: "ok" or ip's stderr
#	ioctl	  SIOCBONDENSLAVE (exabond-probe): "ok" or the errno name
#	ifenslave Debian's ifenslave package: ifup DEV with the stanza
#		  "bond-master BOND" (its if-pre-up.d hook writes sysfs and
#		  keeps the errno to itself): "ok", or its "Failed to
#		  enslave DEV to BOND." line. ifupdown brings DEV up after its
#		  hooks, whatever they did; release_via ifenslave runs ifdown.
# release_via PATH BOND DEV: the matching release (ifenslave: ifdown DEV,
# whose if-post-down.d hook writes "-DEV" to bonding/slaves).
enslave_via() {
	case $1 in
	sysfs) write_file "/sys/class/net/$2/bonding/slaves" "+$3\\n" ;;
	ip) ip_result link set dev "$3" master "$2" ;;
	ioctl) probe try enslave-ioctl "$2" "$3" ;;
	ifenslave) __ifupdown up "$2" "$3" ;;
	*) echo "enslave_via: no path $1" >&2; return 1 ;;
	esac
}

release_via() {
	case $1 in
	sysfs) write_file "/sys/class/net/$2/bonding/slaves" "-$3\\n" ;;
	ip) ip_result link set dev "$3" nomaster ;;
	ioctl) probe try release-ioctl "$2" "$3" ;;
	ifenslave) __ifupdown down "$2" "$3" ;;
	*) echo "release_via: no path $1" >&2; return 1 ;;
	esac
}

# __ifupdown up|down BOND DEV: ifup/ifdown in a private mount namespace
# with its own /etc/network/interfaces and /run (state kept per DEV in the
# test's scratch directory from an ifup to the next ifdown; each ifup
# starts afresh). The master is treated as being configured already
# (IFUPDOWN_<bond>, which ifupdown itself sets while it brings a master
# up), so the hook does not ifup it.
readonly __exabond_scratch=$PWD
__ifupdown() {
	local op=$1 bond=$2 dev=$3 out rc=0
	local dir=$__exabond_scratch/.ifupdown/$dev
	if [[ ! -x /etc/network/if-pre-up.d/ifenslave ]]; then
		echo "Debian's ifenslave package is not installed (make deps)"
		return 0
	fi
	if [[ $op == up ]]; then
		rm -rf "$dir"
		mkdir -p "$dir/run/network"
		printf 'iface %s inet manual\n\tbond-slaves none\n\niface %s inet manual\n\tbond-master %s\n' \
			"$bond" "$dev" "$bond" > "$dir/interfaces"
	elif [[ ! -d "$dir" ]]; then
		echo "ifdown $dev without an ifup"
		return 0
	fi
	out=$(env "IFUPDOWN_$bond=parent-lock" unshare -m sh -c '
		mount --bind "$1/run" /run &&
		mount --bind "$1/interfaces" /etc/network/interfaces &&
		exec "$2" "$3"' sh "$dir" "if$op" "$dev" 2>&1) || rc=$?
	if grep -q '^Failed to enslave' <<<"$out"; then
		grep '^Failed to enslave' <<<"$out"
	elif ((rc)); then
		echo "if$op exit status $rc: $out"
	else
		echo ok
	fi
}

# Soft checks, for matrices where every cell should be reported: they
# print and count a failure instead of exiting. End the test with
# soft_verdict, which fails it if any soft check failed.
__exabond_soft_failures=()
soft_check() {
	local what=$1
	shift
	if "$@"; then
		printf 'ok: %s\n' "$what"
	else
		printf 'FAIL: %s (command: %s)\n' "$what" "$*"
		__exabond_soft_failures+=("$what")
	fi
}

soft_check_eq() {
	if [[ "$2" == "$3" ]]; then
		printf 'ok: %s = %q\n' "$1" "$3"
	else
		printf 'FAIL: %s: expected %q, got %q\n' "$1" "$2" "$3"
		__exabond_soft_failures+=("$1")
	fi
}

soft_verdict() {
	local f
	((${#__exabond_soft_failures[@]})) || return 0
	printf '%d soft check(s) failed:\n' "${#__exabond_soft_failures[@]}"
	for f in "${__exabond_soft_failures[@]}"; do
		printf '  %s\n' "$f"
	done
	fail "${#__exabond_soft_failures[@]} check(s) failed"
}

# page_dumps NODE...: every node's probe dump, one after another.
page_dumps() {
	local n
	for n in "$@"; do probe dump "$n"; done
}

# check_dumps_unchanged BEFORE NODE...: fail, showing the difference, if the
# nodes' dumps are no longer BEFORE (an earlier page_dumps of them).
check_dumps_unchanged() {
	local before=$1 after
	shift
	after=$(page_dumps "$@")
	if [[ "$after" != "$before" ]]; then
		diff <(jq -S . <<<"$before") <(jq -S . <<<"$after") || true
		fail "a page changed (probe dump, < before, > after)"
	fi
	log "ok: every page's dump unchanged"
}

# page_settled NODE: the page's generation stays put for 1.5 s; for
# wait_for, before a step that must not publish anything. Longer than
# linkwatch's batching (a carrier change reaches operstate, and the event
# exabond publishes, up to a second later; a bond that just chose its
# active member has such a change pending), with a margin for a loaded
# emulated guest.
page_settled() {
	local g
	g=$(page "$1" .generation) || return 1
	sleep 1.5
	[[ "$(page "$1" .generation)" == "$g" ]]
}

# enslave_state BOND DEV [noadmin]: what a refused enslave must leave
# alone: BOND's members and link state, DEV's link state (without the UP
# flag with noadmin: ifupdown brings DEV up whatever its hook did), and
# the generation of BOND's page when it is managed.
enslave_state() {
	local node=/dev/exabond-$1
	echo "members: $(members "$1")"
	link_state "$1"
	if [[ "${3:-}" == noadmin ]]; then
		link_state "$2" | sed -E 's/(^| )UP,|,UP( )/\1\2/'
	else
		link_state "$2"
	fi
	[[ ! -e "$node" ]] || echo "generation: $(page "$node" .generation)"
}

# expect_enslave_refused PATH BOND DEV MESSAGE: enslaving DEV into BOND
# through PATH is refused with EOPNOTSUPP (ip: "Error: MESSAGE."; the
# ifenslave hook: its failure line), nothing changes, and the kernel logs
# "exabond: BOND: refused DEV: ". Soft checks; DEV is down again after.
expect_enslave_refused() {
	local path=$1 bond=$2 dev=$3 msg=$4 want before after r admin=
	ip link set dev "$dev" down
	[[ $path != ifenslave ]] || admin=noadmin
	before=$(enslave_state "$bond" "$dev" $admin)
	klog_mark
	r=$(enslave_via "$path" "$bond" "$dev")
	case $path in
	sysfs | ioctl) want=EOPNOTSUPP ;;
	ip) want="Error: $msg." ;;
	ifenslave) want="Failed to enslave $dev to $bond." ;;
	esac
	soft_check_eq "$path: $dev into $bond: refused" "$want" "$r"
	after=$(enslave_state "$bond" "$dev" $admin)
	soft_check_eq "$path: $dev into $bond: nothing changed" "$before" "$after"
	soft_check "$path: $dev into $bond: logged" \
		wait_for 2 klog_has "exabond: $bond: refused $dev: "
	# Undo a refusal that did not happen, so the next cell starts clean.
	[[ ! -e "/sys/class/net/$dev/master" ]] || ip link set dev "$dev" nomaster
	ip link set dev "$dev" down
}

# expect_enslave_allowed PATH BOND DEV: DEV joins BOND through PATH (and
# the page, when BOND is managed, counts it), then leaves through the same
# path, with its address and MTU back and down again. Soft checks.
expect_enslave_allowed() {
	local path=$1 bond=$2 dev=$3 before n node=/dev/exabond-$2
	ip link set dev "$dev" down
	before=$(link_state "$dev")
	n=$(wc -w < "/sys/class/net/$bond/bonding/slaves")
	soft_check_eq "$path: $dev into $bond: allowed" ok "$(enslave_via "$path" "$bond" "$dev")"
	soft_check "$path: $dev listed in $bond" grep -qw -- "$dev" "/sys/class/net/$bond/bonding/slaves"
	[[ ! -e "$node" ]] || soft_check "$path: the page counts $dev" \
		wait_for 5 page_is "$node" .bond.members_total $((n + 1))
	soft_check_eq "$path: $dev released from $bond" ok "$(release_via "$path" "$bond" "$dev")"
	soft_check "$path: $dev no longer in $bond" \
		wait_for 2 eval "! grep -qw -- '$dev' /sys/class/net/$bond/bonding/slaves"
	soft_check_eq "$path: $dev as before" "$before" "$(link_state "$dev")"
}

# page_bits_are NODE JQ-FILTER MASK VALUE: (field & MASK) == VALUE, e.g.
# page_bits_are "$node" .policy.flags 2 2; for wait_for.
page_bits_are() { (( ($(page "$1" "$2") & $3) == $4 )); }

# compliance NODE: "COMPLIANT VIOLATIONS NONCOMPLIANT" from one snapshot:
# policy.flags bit 0, policy.violations, the hot word's NONCOMPLIANT flag
# ("1 0 0" for a bond that meets the policy).
compliance() {
	local out v
	out=$(probe dump "$1" |
		json_get .policy.flags .policy.violations .hot_noncompliant) || return
	mapfile -t v <<<"$out"
	echo "$((v[0] % 2)) ${v[1]} ${v[2]}"
}

# compliance_is NODE "C V N": for wait_for.
compliance_is() { [[ "$(compliance "$1")" == "$2" ]]; }

# ping_ok ADDR [COUNT]: COUNT (default 3) echo requests, every one answered.
# busybox's ping: iputils-ping is not among the packages.
ping_ok() {
	local n=${2:-3}
	busybox ping -q -c "$n" -i 0.2 -W 5 "$1" 2>&1 | grep -q "^$n packets transmitted, $n packets received"
}

# managed_ab_bond NAME [MEMBER...]: an active-backup bond (miimon 100) with
# those members, up, managed, its page quiet; deleted after the test.
managed_ab_bond() {
	local name=$1 m
	shift
	run ip link add "$name" type bond mode active-backup miimon 100
	on_exit ip link del "$name"
	for m in "$@"; do
		run ip link set dev "$m" master "$name"
	done
	run ip link set dev "$name" up
	manage "$name"
	check "$name's page is quiet" wait_for 10 page_settled "/dev/exabond-$name"
}

# veth_ab_bond BOND MIIMON PREFIX...: an active-backup bond with that
# miimon, up, whose members are PREFIX0 of new veth pairs PREFIX0/PREFIX1,
# once it has an active member; not managed; deleted after the test.
veth_ab_bond() {
	local bond=$1 miimon=$2 p
	shift 2
	run ip link add "$bond" type bond mode active-backup miimon "$miimon"
	on_exit ip link del "$bond"
	for p in "$@"; do
		veth_pair "${p}0" "${p}1"
		run ip link set "${p}0" master "$bond"
	done
	run ip link set "$bond" up
	check "$bond: an active member" wait_for 5 active_is "$bond" ""
}

# veth_failover BOND: one failover of a veth_ab_bond: the active member's
# peer goes down until bonding has chosen another member, then comes back;
# returns once the old member has its carrier again. Bash builtins in the
# waits: a fork costs more than a failover here.
veth_failover() {
	local active cur
	read -r active < "/sys/class/net/$1/bonding/active_slave"
	ip link set "${active%0}1" down
	until read -r cur < "/sys/class/net/$1/bonding/active_slave" &&
		[[ "$cur" != "$active" ]]; do :; done
	ip link set "${active%0}1" up
	until read -r cur < "/sys/class/net/$active/carrier" &&
		[[ "$cur" == 1 ]]; do :; done
}

# quantiles [DIV]: "MEDIAN P99 MAX" of the numbers on stdin, one a line
# (nearest rank), each divided by DIV with one decimal when DIV is given;
# "- - -" when there are none.
quantiles() {
	sort -n | awk -v d="${1:-}" '
		function f(x) { return d == "" ? x : sprintf("%.1f", x / d) }
		{ v[NR] = $1 }
		END {
			if (!NR) { print "- - -"; exit }
			print f(v[int((NR + 1) / 2)]),
				f(v[int(0.99 * (NR - 1) + 0.5) + 1]), f(v[NR])
		}'
}

# lacp_bonds BOND NETNS PEER PORT...: BOND here and PEER in NETNS, both
# 802.3ad with miimon 100 and fast LACP, joined by one veth pair per PORT
# (PORT0 a member of BOND, PORT1 in NETNS a member of PEER), both up: LACP
# negotiates, so BOND has a partner. BOND and the pairs are deleted after
# the test.
lacp_bonds() {
	local bond=$1 ns=$2 peer=$3 p
	shift 3
	run ip link add "$bond" type bond mode 802.3ad miimon 100 lacp_rate fast
	on_exit ip link del "$bond"
	run ip -n "$ns" link add "$peer" type bond mode 802.3ad miimon 100 lacp_rate fast
	for p in "$@"; do
		run ip link add "${p}0" type veth peer name "${p}1" netns "$ns"
		on_exit ip link del "${p}0"
		run ip link set "${p}0" master "$bond"
		run ip -n "$ns" link set "${p}1" master "$peer"
	done
	run ip -n "$ns" link set "$peer" up
	run ip link set "$bond" up
}

# --- libexabond (tests/vm/tools/exabond-libcheck) -----------------------------

readonly EXABOND_LIBCHECK=$EXABOND_BUILD/tests/vm/tools/exabond-libcheck

# libcheck ARGS...: exabond-libcheck (dump, names, open, wait, epoll), which
# reads pages through libexabond's public API only.
libcheck() { "$EXABOND_LIBCHECK" "$@"; }

# in_netns NETNS CMD...: CMD (a program) in NETNS, or here if NETNS is "".
in_netns() {
	local ns=$1
	shift
	if [[ -n "$ns" ]]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# lib_matches BOND [NETNS]: every field of the library's snapshot of BOND,
# opened by name in NETNS, equals rtnetlink's view (compare_page.py);
# for wait_for.
lib_matches() {
	"$EXABOND_REPO/tests/vm/guest/compare_page.py" -q --tool libcheck \
		"$1" "$1" ${2:+--netns "$2"}
}

# lib_same_as_probe BOND [NETNS]: the library's dump is exabond-probe's (the
# ABI alone) of the node Bond::open chose, character for character; for
# wait_for.
lib_same_as_probe() {
	local path
	path=$(in_netns "${2:-}" "$EXABOND_LIBCHECK" open "$1") || return 1
	[[ "$(probe dump "${path#* }")" == \
		"$(in_netns "${2:-}" "$EXABOND_LIBCHECK" dump "$1")" ]]
}

# lib_view BOND [NETNS]: the library's decoded view of BOND, sorted lines:
# mode and operstate, the active member's name and ifindex, each member's
# mii_status, state and operstate as ip spells them, and as /proc does.
lib_view() {
	in_netns "${2:-}" "$EXABOND_LIBCHECK" names "$1" | jq -r '
		"mode \(.bond.mode) oper \(.bond.operstate)",
		"active \(.bond.active_slave // "none") \(.bond.active_ifindex)",
		(.members[] | "member \(.ifname) \(.ifindex) mii \(.mii_status)" +
			" state \(.state) oper \(.operstate)"),
		"proc active \(.bond.active_slave // "none")",
		(.members[] | "proc \(.ifname) mii \(.mii_status_proc)")' | sort
}

# truth_view BOND [NETNS]: the same lines from `ip -d -j link` and
# /proc/net/bonding/BOND.
truth_view() {
	{
		ip ${2:+-n "$2"} -d -j link show | jq -r --arg b "$1" '
			(map({key: .ifname, value: .ifindex}) | from_entries) as $ix |
			(map(select(.ifname == $b))[0]) as $bond |
			($bond.linkinfo.info_data) as $d |
			"mode \($d.mode) oper \($bond.operstate)",
			"active \($d.active_slave // "none") \($ix[$d.active_slave // ""] // 0)",
			(map(select(.master == $b))[] |
				"member \(.ifname) \(.ifindex)" +
				" mii \(.linkinfo.info_slave_data.mii_status)" +
				" state \(.linkinfo.info_slave_data.state)" +
				" oper \(.operstate)")'
		in_netns "${2:-}" cat "/proc/net/bonding/$1" | awk '
			/^Currently Active Slave:/ {
				print "proc active " ($4 == "None" ? "none" : $4)
			}
			/^Slave Interface:/ { s = $3 }
			/^MII Status:/ && s != "" { print "proc " s " mii " substr($0, 13) }'
	} | sort
}

# lib_agrees BOND [NETNS]: lib_view equals truth_view; for wait_for.
lib_agrees() { [[ "$(lib_view "$@")" == "$(truth_view "$@")" ]]; }

# lib_settled WHAT BOND [NETNS]: the library's snapshot converges to
# rtnetlink's view field by field, to exabond-probe's dump, and its names
# to ip's and /proc's; fails the test otherwise.
lib_settled() {
	local what=$1
	shift
	check "$what: library dump equals rtnetlink" wait_for 10 lib_matches "$@"
	check "$what: library dump equals exabond-probe's" \
		wait_for 10 lib_same_as_probe "$@"
	if ! wait_for 10 lib_agrees "$@"; then
		diff <(truth_view "$@") <(lib_view "$@") | sed 's/^/    /' || true
		fail "$what: the library's names differ from ip and /proc (< truth, > library)"
	fi
	log "ok: $what: the library's names equal ip's and /proc's:"
	lib_view "$@" | sed 's/^/    /'
}

# lib_active_is BOND DEV [NETNS]: the library names DEV active, with DEV's
# ifindex; for check and wait_for.
lib_active_is() {
	local ix
	ix=$(in_netns "${3:-}" cat "/sys/class/net/$2/ifindex")
	[[ "$(in_netns "${3:-}" "$EXABOND_LIBCHECK" names "$1" |
		json_get .bond.active_slave .bond.active_ifindex)" == "$2"$'\n'"$ix" ]]
}

# --- exabond-monitor -----------------------------------------------------------

readonly EXABOND_MONITOR=$EXABOND_BUILD/monitor/exabond-monitor

# monitor_start VAR ARGS...: exabond-monitor ARGS, logging to a file, in the
# background; stopped after the test. Returns once it follows its bonds.
# $VAR_pid and $VAR_log name the process and its log.
monitor_start() {
	local var=$1 log
	shift
	log=$(mktemp)
	"$EXABOND_MONITOR" --log stderr "$@" 2> "$log" &
	printf -v "${var}_pid" '%s' "$!"
	printf -v "${var}_log" '%s' "$log"
	on_exit kill "$!"
	if ! wait_for 10 grep -q "following [0-9]* bond" "$log"; then
		sed 's/^/    /' "$log"
		fail "exabond-monitor $* did not start"
	fi
	log "started: exabond-monitor $*"
}

# monitor_stop VAR: SIGTERM, then wait; returns its exit status.
monitor_stop() {
	local -n __pid=${1}_pid
	local rc=0
	kill -TERM "$__pid"
	wait "$__pid" || rc=$?
	return "$rc"
}

# monitor_log VAR: the monitor's log so far, without the time stamps.
monitor_log() {
	local -n __log=${1}_log
	cut -d' ' -f2- "$__log"
}

# monitor_logged VAR TEXT: the log has a line with TEXT; for wait_for.
monitor_logged() { monitor_log "$1" | grep -qF -- "$2"; }

# metrics [PORT]: the monitor's /metrics; metric SERIES [PORT]: one value.
metrics() { curl -sf "http://127.0.0.1:${1:-9467}/metrics"; }
metric() {
	metrics "${2:-}" | awk -v s="$1" '$1 == s { print $2; found = 1 }
		END { if (!found) print "absent" }'
}
metric_is() { [[ "$(metric "$1" "${3:-}")" == "$2" ]]; }

# status_json [PORT]: the monitor's /status document.
status_json() { curl -sf "http://127.0.0.1:${1:-9467}/status"; }

# comparable NODE: the page's fields that the kernel and the monitor must
# agree on (audit.hpp): the dump without header, times, counts since
# start, the policy's bookkeeping and the kernel-only no_hook flag.
comparable() {
	probe dump "$1" | jq -S '
		del(.seq, .generation, .hot, .hot_epoch, .event, .event_ifindex,
		    .event_ns, .publish_ns, .publisher, .bond.failover_count, .bond.last_failover_ns,
		    .policy.refreshed, .policy.refresh_interval_ms,
		    .policy.last_refresh_ns, .policy.managed_since_ns) |
		.policy.flags = (.policy.flags - (.policy.flags % 64 -
			.policy.flags % 32)) |
		.members |= map(del(.carrier_changed_ns, .link_changed_ns))'
}

# pages_agree A B: comparable(A) == comparable(B); for wait_for.
pages_agree() { [[ "$(comparable "$1")" == "$(comparable "$2")" ]]; }

# --- exabondctl ------------------------------------------------------------------

readonly EXABONDCTL=$EXABOND_BUILD/ctl/exabondctl

# ctl ARGS...: run exabondctl; its stdout in $out, stderr in $err, exit
# status in $rc (never fails the test by itself).
ctl() {
	local e
	e=$(mktemp)
	rc=0
	out=$("$EXABONDCTL" "$@" 2>"$e") || rc=$?
	err=$(cat "$e")
	rm -f "$e"
	printf '+ exabondctl %s -> %s\n' "$*" "$rc"
	[[ -z "$err" ]] || sed 's/^/    stderr: /' <<<"$err"
}

# expect_fail RC TEXT ARGS...: exit status RC, and stderr's first line is
# "exabondctl: ..." containing TEXT.
expect_fail() {
	local want=$1 text=$2 first
	shift 2
	ctl "$@"
	first=$(head -n1 <<<"$err")
	check_eq "exabondctl $*: exit status" "$want" "$rc"
	check "exabondctl $*: one line \"exabondctl: ...\"" \
		grep -qF -- "exabondctl: " <<<"$first"
	check "exabondctl $*: says \"$text\"" grep -qF -- "$text" <<<"$first"
}
