#!/bin/bash
# vm-timeout: 240
# libexabond's view of an active-backup bond of the three virtio-net NICs
# (exabond-libcheck: exabond::Bond::open and Snapshot, nothing else) equals
# rtnetlink, /proc/net/bonding and ethtool after manage and after each of
# three failovers caused by a real carrier loss (QMP set_link off, as a
# pulled cable), including one with two members down at once, and after
# the links come back. The same on veth members: lib_view; in another
# network namespace: lib_open.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

p0=$(nic card0p0)
p1=$(nic card0p1)
q0=$(nic card1p0)
declare -A card=(["$p0"]=card0p0 ["$p1"]=card0p1 ["$q0"]=card1p0)
managed_ab_bond bond1 "$p0" "$p1" "$q0"
check "an active member" wait_for 5 active_is bond1 ""
check_eq "open: the kernel node" "device /dev/exabond-bond1" "$(libcheck open bond1)"
lib_settled "managed" bond1

a=$(bond_active bond1)
set_link "${card[$a]}" down
check "failover 1 in rtnetlink" wait_for 5 active_is_not bond1 "$a"
lib_settled "failover 1 (${card[$a]} carrier lost)" bond1
b=$(bond_active bond1)
check "library: $b active" lib_active_is bond1 "$b"

set_link "${card[$b]}" down
check "failover 2 in rtnetlink" wait_for 5 active_is_not bond1 "$b"
lib_settled "failover 2 (${card[$b]} carrier lost too)" bond1
c=$(bond_active bond1)
check "library: $c active" lib_active_is bond1 "$c"
check_eq "library: $a and $b DOWN, no carrier" "DOWN 0 DOWN 0" \
	"$(libcheck dump bond1 | jq -r --argjson a "$(cat "/sys/class/net/$a/ifindex")" \
		--argjson b "$(cat "/sys/class/net/$b/ifindex")" \
		'[.members[] | select(.ifindex == $a or .ifindex == $b) |
		  "\(if .link == 2 then "DOWN" else "link \(.link)" end) \(.carrier)"] | join(" ")')"

set_link "${card[$a]}" up
set_link "${card[$b]}" up
check "$a back up" wait_for 5 mii_status_is "$a" UP
check "$b back up" wait_for 5 mii_status_is "$b" UP
lib_settled "links back" bond1

set_link "${card[$c]}" down
check "failover 3 in rtnetlink" wait_for 5 active_is_not bond1 "$c"
lib_settled "failover 3 (${card[$c]} carrier lost)" bond1
check "library: $(bond_active bond1) active" lib_active_is bond1 "$(bond_active bond1)"
set_link "${card[$c]}" up
check "$c back up" wait_for 5 mii_status_is "$c" UP
lib_settled "all links back" bond1
