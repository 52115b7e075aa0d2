#!/bin/bash
# veth members, the other kind of member tests get: a bond in its own
# namespace over two veth pairs whose peers live in a second namespace.
# Taking the active member's peer down fails the bond over.
#
#   ns $bns: bond0 (active-backup, miimon 50) over va, vb
#   ns $pns: pa, pb (peers of va, vb)
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

netns_new bns bond
netns_new pns peer
run ip -n "$bns" link add va type veth peer name pa netns "$pns"
run ip -n "$bns" link add vb type veth peer name pb netns "$pns"
run ip -n "$bns" link add bond0 type bond mode active-backup miimon 50
run ip -n "$bns" link set va master bond0
run ip -n "$bns" link set vb master bond0
run ip -n "$bns" link set bond0 up
run ip -n "$pns" link set pa up
run ip -n "$pns" link set pb up

active() { ip -n "$bns" -j -d link show bond0 | jq -r '.[0].linkinfo.info_data.active_slave // empty'; }
active_in_ns() { [[ -n "$(active)" && ( -z "${1:-}" || "$(active)" == "$1" ) ]]; }
check "a member is active" wait_for 5 active_in_ns
first=$(active)
peer=p${first#v}
other=v$([[ $first == va ]] && echo b || echo a)
run ip -n "$pns" link set "$peer" down
check "failover from $first to $other" wait_for 5 active_in_ns "$other"
check "the control file exists in the bond's namespace" \
	ip netns exec "$bns" test -f /sys/class/net/exabond_masters
