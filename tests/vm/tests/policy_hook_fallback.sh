#!/bin/bash
# Enforcement without the ftrace hooks (hook_bonding=N, which is also what a
# kernel gets when they cannot be installed): the notifier vetoes still
# hold the policy, the page says NO_HOOK, and what the user sees is the
# documented 6.1 behaviour (kmod/events.c): a member refused at
# NETDEV_PRECHANGEUPPER is rolled back by bonding, a refused first member
# leaves the bond a new random MAC, a disallowed mode can be written to a
# down bond but the bond cannot be brought up in it.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

readonly P=/sys/module/exabond/parameters
readonly F_COMPLIANT=1 F_NO_HOOK=32 V_MODE=1

reload() {
	rmmod exabond && insmod "$EXABOND_MODULE" "$@"
}
tracefs() {
	[[ -e /sys/kernel/tracing/enabled_functions ]] ||
		mount -t tracefs nodev /sys/kernel/tracing
	cat /sys/kernel/tracing/enabled_functions
}

# With the defaults, every hook is in and the pages do not say NO_HOOK.
check_eq "hooked by default" 4 "$(tracefs | grep -c '\[exabond\]')"

run reload hook_bonding=N
on_exit reload
check_eq "nothing hooked with hook_bonding=N" 0 \
	"$(tracefs | grep -c '\[exabond\]' || true)"
check "the log says what is not enforced early" \
	grep -q 'hook_bonding=N' <(dmesg)

veth_pair va0 va1
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link set va0 master bond0
run ip link set bond0 up
manage bond0
node=/dev/exabond-bond0
check_eq "NO_HOOK and compliant" $((F_NO_HOOK | F_COMPLIANT)) \
	"$(page $node '.policy.flags')"

# A member the policy refuses, through ip: refused at PRECHANGEUPPER, with
# the reason in the extended ack, and bonding's rollback puts it back.
run ip link add d0 type dummy
on_exit ip link del d0
run ip link set d0 mtu 1400
d0_mac=$(cat /sys/class/net/d0/address)
echo veth > $P/allowed_drivers
on_exit eval "echo > $P/allowed_drivers"
out=$(ip link set d0 master bond0 2>&1) && fail "d0 enslaved: $out"
check_eq "ip prints the rule" \
	"Error: exabond: member driver is not in allowed_drivers." "$out"
check_eq "members unchanged" va0 "$(cat /sys/class/net/bond0/bonding/slaves)"
check_eq "d0: no master" "" \
	"$(ip -j link show d0 | jq -r '.[0].master // empty')"
check_eq "d0: MTU restored" 1400 "$(cat /sys/class/net/d0/mtu)"
check_eq "d0: MAC unchanged" "$d0_mac" "$(cat /sys/class/net/d0/address)"
check_eq "d0: closed again" false \
	"$(ip -j link show d0 | jq '.[0].flags | index(["UP"]) != null')"
check_eq "page still lists one member" 1 "$(page $node .bond.member_count)"

# The same through sysfs: EOPNOTSUPP.
out=$( (echo +d0 > /sys/class/net/bond0/bonding/slaves) 2>&1) &&
	fail "sysfs enslaved d0"
check "sysfs: Operation not supported" grep -q 'Operation not supported' \
	<<<"$out"
check_eq "members unchanged (sysfs)" va0 \
	"$(cat /sys/class/net/bond0/bonding/slaves)"
check "the log names bond, device and rule" grep -q \
	"exabond: bond0: refused d0: d0's driver dummy is not in allowed_drivers" \
	<(dmesg)

# The first-member trap: bond1 is empty, so bonding gives it d0's MAC
# before the veto, and its rollback draws a new random one.
run ip link add bond1 type bond mode active-backup miimon 100
on_exit ip link del bond1
manage bond1
bond1_mac=$(cat /sys/class/net/bond1/address)
out=$(ip link set d0 master bond1 2>&1) && fail "d0 enslaved to bond1: $out"
check_eq "bond1: still empty" "" "$(cat /sys/class/net/bond1/bonding/slaves)"
new_mac=$(cat /sys/class/net/bond1/address)
check "bond1: a new random MAC (documented)" \
	test "$new_mac" != "$bond1_mac" -a "$new_mac" != "$d0_mac"

# Mode: without the hook the write goes through on a down, empty bond; the
# page says the bond breaks the policy, and it cannot be brought up.
run ip link set bond1 type bond mode balance-rr
check_eq "mode written" "balance-rr 0" \
	"$(cat /sys/class/net/bond1/bonding/mode)"
# A netlink option change on a down bond raises no event: the page shows
# it within the refresh bound (EXABOND_REFRESH_MODE, kmod/refresh.c).
mode_violation_shown() {
	[[ "$(page /dev/exabond-bond1 '"\(.policy.violations) \(.policy.flags % 2)"')" == "$V_MODE 0" ]]
}
check "page: mode violation, within the refresh bound" \
	wait_for 5 mode_violation_shown
out=$(ip link set bond1 up 2>&1) && fail "bond1 came up: $out"
check_eq "ip prints the rule" \
	"Error: exabond: bond mode is not in allowed_modes." "$out"
check_eq "bond1 stays down" false \
	"$(ip -j link show bond1 | jq '.[0].flags | index(["UP"]) != null')"
run ip link set bond1 type bond mode active-backup
run ip link set bond1 up
check_eq "compliant again" 0 "$(page /dev/exabond-bond1 .policy.violations)"
