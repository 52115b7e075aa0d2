#!/bin/bash
# rmmod bonding while bonds are managed: the bonds are unregistered, their
# pages get the final state with the dead flag, their nodes go, and
# exabond stays loaded and usable once bonding is back. Its hooks on
# bonding's functions go with bonding and come back with it.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

hooks() {
	[[ -e /sys/kernel/tracing/enabled_functions ]] ||
		mount -t tracefs nodev /sys/kernel/tracing
	grep -c '\[exabond\]' /sys/kernel/tracing/enabled_functions || true
}
check_eq "bonding's four functions hooked" 4 "$(hooks)"

veth_pair va0 va1
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link set va0 master bond0
run ip link set bond0 up
run ip link add bond1 type bond mode active-backup
on_exit ip link del bond1
manage bond0
manage bond1
bg_start HOLD probe hold /dev/exabond-bond0
check_eq "holder ready" ready "$(bg_line HOLD)"

run rmmod bonding
on_exit modprobe bonding
check "nodes gone" test ! -e /dev/exabond-bond0 -a ! -e /dev/exabond-bond1
check_eq "nothing listed" "" "$(managed_list)"
bg_finish HOLD
final=$(bg_output HOLD)
check_eq "holder: dead" 1 "$(jq -r .hot_dead <<<"$final")"
check_eq "holder: bond deleted" 3 "$(jq -r .event <<<"$final")"
# bonding's own unload releases every member before it deletes the bonds
# (its notifier's unregistration replays NETDEV_UNREGISTER to itself), and
# the page followed that.
check_eq "holder: the bond as bonding left it" "bond0 0" \
	"$(jq -r '"\(.bond.name) \(.bond.member_count)"' <<<"$final")"
check "exabond still loaded" grep -q '^exabond ' /proc/modules
check_eq "no hook left on the unloaded bonding" 0 "$(hooks)"

run modprobe bonding
check_eq "hooked again" 4 "$(hooks)"
run ip link add bond0 type bond mode active-backup
manage bond0
check "managed again after bonding's reload" test -c /dev/exabond-bond0
run ip link add d0 type dummy
on_exit ip link del d0
run ip link add link d0 name d0.5 type vlan id 5
out=$(ip link set d0.5 master bond0 2>&1) && fail "VLAN enslaved: $out"
check_eq "the reloaded bonding is policed" \
	"Error: exabond: a VLAN device cannot be a member of a managed bond." \
	"$out"
check_eq "bond0 still empty" "" "$(cat /sys/class/net/bond0/bonding/slaves)"
