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
wait_for() {
	local limit=$1 deadline
	shift
	deadline=$(($(date +%s%N) + limit * 1000000000))
	until "$@"; do
		if (($(date +%s%N) > deadline)); then
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
	ip -j -d link show "$1" | jq -r '.[0].linkinfo.info_data.active_slave // empty'
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
	[[ "$(ip -j -d link show "$1" | jq -r '.[0].linkinfo.info_slave_data.mii_status')" == "$2" ]]
}

# --- exabond.ko -------------------------------------------------------------

readonly EXABOND_CTL=/sys/class/net/exabond_masters
readonly EXABOND_PROBE=$EXABOND_BUILD/tests/vm/tools/exabond-probe

# probe ARGS...: tests/vm/tools/exabond-probe (dump, read, wait, hold, try).
probe() { "$EXABOND_PROBE" "$@"; }

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
	r=$(ctl_write "b'+$1\\n'" "${2:-}")
	[[ "$r" == ok ]] || { echo "+$1: $r" >&2; return 1; }
	on_exit ctl_write "b'-$1\\n'" "${2:-}"
}

# managed_list [NETNS]: the control file's content.
managed_list() {
	if [[ -n "${1:-}" ]]; then
		ip netns exec "$1" cat "$EXABOND_CTL"
	else
		cat "$EXABOND_CTL"
	fi
}

# page NODE JQ-FILTER: one field of a consistent snapshot of the page.
page() { probe dump "$1" | jq -r "$2"; }

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
