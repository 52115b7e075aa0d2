#!/bin/bash
# Bonds in several network namespaces, two of them with the same name: each
# namespace's control file manages and lists only its own bonds, and every
# node has a unique documented name and sysfs attributes that lead back to
# its bond.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

netns_new ns1 exa
netns_new ns2 exa
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip -n "$ns1" link add bond0 type bond mode active-backup miimon 100
run ip -n "$ns2" link add bond0 type bond mode active-backup miimon 100
ino1=$(ip netns exec "$ns1" stat -L -c %i /proc/self/ns/net)
ino2=$(ip netns exec "$ns2" stat -L -c %i /proc/self/ns/net)

manage bond0 "$ns1"
check_eq "ns1 lists its bond" bond0 "$(managed_list "$ns1")"
check_eq "initial namespace lists nothing" "" "$(managed_list)"
check_eq "ns2 lists nothing" "" "$(managed_list "$ns2")"
check "ns1's node: name:netns" test -c "/dev/exabond-bond0:$ino1"
check "no initial-namespace node" test ! -e /dev/exabond-bond0
check_eq "ns1 node netns attribute" "$ino1" \
	"$(cat "/sys/class/exabond/exabond-bond0:$ino1/netns")"
check_eq "ns1 node ifindex attribute" \
	"$(ip netns exec "$ns1" cat /sys/class/net/bond0/ifindex)" \
	"$(cat "/sys/class/exabond/exabond-bond0:$ino1/ifindex")"
check_eq "page knows its namespace" "$ino1" \
	"$(page "/dev/exabond-bond0:$ino1" .bond.netns_ino)"
check "ns1 page equals ns1's rtnetlink" \
	page_matches "/dev/exabond-bond0:$ino1" bond0 "$ns1"

manage bond0 "$ns2"
manage bond0
check "ns2's node" test -c "/dev/exabond-bond0:$ino2"
check "initial namespace node keeps the Exasock name" test -c /dev/exabond-bond0
check_eq "three nodes" 3 "$(ls /sys/class/exabond | wc -l)"
check_eq "EEXIST is per namespace" EEXIST "$(ctl_write "b'+bond0\n'" "$ns2")"
check_eq "-bond in ns2 leaves the others" ok "$(ctl_write "b'-bond0\n'" "$ns2")"
check "ns2 node gone" test ! -e "/dev/exabond-bond0:$ino2"
check "ns1 node stays" test -c "/dev/exabond-bond0:$ino1"
check_eq "initial list unchanged" bond0 "$(managed_list)"

# Deleting a namespace deletes its bonds: their nodes go with them.
bg_start HOLD probe hold "/dev/exabond-bond0:$ino1"
ready=$(bg_line HOLD)
run ip netns del "$ns1"
check "ns1 node gone with its namespace" \
	wait_for 10 test ! -e "/dev/exabond-bond0:$ino1"
bg_finish HOLD
final=$(bg_output HOLD)
check_eq "ns1 holder sees the final state" 1 "$(jq -r .hot_dead <<<"$final")"
check_eq "initial namespace's bond still managed" bond0 "$(managed_list)"
