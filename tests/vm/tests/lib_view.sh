#!/bin/bash
# vm-timeout: 240
# libexabond's view of a real bond (exabond-libcheck: exabond::Bond::open
# and Snapshot, nothing else) equals rtnetlink, /proc/net/bonding and
# ethtool, after manage and after each of several failovers of an
# active-backup bond on veth members: a peer down, a second one down (one
# member left), both back, a forced active_slave. The same on the virtio
# NICs: lib_view_virtio; in another namespace: lib_open.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

# --- veth members: peer down twice, then a forced active_slave -----------------

veth_pair va0 va1
veth_pair vb0 vb1
veth_pair vc0 vc1
managed_ab_bond bond0 va0 vb0 vc0
check "an active member" wait_for 5 active_is bond0 ""
check_eq "open: the kernel node" "device /dev/exabond-bond0" "$(libcheck open bond0)"
lib_settled "managed" bond0

a=$(bond_active bond0)
run ip link set "${a/0/1}" down
check "failover 1 in rtnetlink" wait_for 5 active_is_not bond0 "$a"
lib_settled "failover 1 (peer of $a down)" bond0
b=$(bond_active bond0)
check "library: $b active" lib_active_is bond0 "$b"

run ip link set "${b/0/1}" down
check "failover 2 in rtnetlink" wait_for 5 active_is_not bond0 "$b"
lib_settled "failover 2 (peer of $b down)" bond0
c=$(bond_active bond0)
check "library: $c active" lib_active_is bond0 "$c"
check_eq "library: $a and $b DOWN" "DOWN DOWN" \
	"$(libcheck names bond0 | jq -r --arg a "$a" --arg b "$b" \
		'[.members[] | select(.ifname == $a or .ifname == $b) | .mii_status] | join(" ")')"

run ip link set "${a/0/1}" up
run ip link set "${b/0/1}" up
check "$a back up" wait_for 5 mii_status_is "$a" UP
check "$b back up" wait_for 5 mii_status_is "$b" UP
lib_settled "members back" bond0
run ip link set bond0 type bond active_slave "$a"
check "forced failover in rtnetlink" wait_for 5 active_is bond0 "$a"
lib_settled "forced failover to $a" bond0
check "library: $a active" lib_active_is bond0 "$a"
