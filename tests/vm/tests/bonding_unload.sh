#!/bin/bash
# rmmod bonding while bonds are managed: the bonds are unregistered, their
# pages get the final state with the dead flag, their nodes go, and
# exabond stays loaded and usable once bonding is back.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

veth_pair va0 va1
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link set va0 master bond0
run ip link set bond0 up
run ip link add bond1 type bond
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

run modprobe bonding
run ip link add bond0 type bond
manage bond0
check "managed again after bonding's reload" test -c /dev/exabond-bond0
