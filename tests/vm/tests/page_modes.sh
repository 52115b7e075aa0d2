#!/bin/bash
# The modes whose changes 6.1 makes without a netdevice event: 802.3ad (an
# LACP partner in another namespace) and balance-tlb (active member moves
# on failover with no member state change). Both are refreshed while
# managed, and the page converges to rtnetlink's view; an up active-backup
# bond is not refreshed at all.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

policy_set allowed_modes active-backup,802.3ad,balance-tlb

netns_new peer exa

# 802.3ad on both sides, fast LACP.
lacp_bonds bond0 "$peer" bond9 va vb
manage bond0
node=/dev/exabond-bond0
check_eq "802.3ad is refreshed" 1 "$(( $(page "$node" .policy.refreshed) & 1 ))"
partner=$(ip -n "$peer" -j link show bond9 | jq -r '.[0].address')
check "LACP partner in the page" wait_for 20 \
	page_is "$node" .ad.partner_mac "$partner"
check "both ports in the aggregator" wait_for 20 \
	page_is "$node" .ad.num_ports 2
check "page equals rtnetlink (802.3ad)" wait_for 5 page_matches "$node" bond0
check "refresh time recorded" test "$(page "$node" .policy.last_refresh_ns)" -gt 0
run ip link del bond0
run ip -n "$peer" link del bond9

# balance-tlb: the active member changes with no event; the refresh sees it.
run ip -n "$peer" link set va1 up
run ip -n "$peer" link set vb1 up
run ip link add bond1 type bond mode balance-tlb miimon 100
on_exit ip link del bond1
run ip link set va0 master bond1
run ip link set vb0 master bond1
run ip link set bond1 up
manage bond1
node=/dev/exabond-bond1
check "tlb: an active member" wait_for 5 active_is bond1 ""
check "page equals rtnetlink (tlb)" wait_for 5 page_matches "$node" bond1
first=$(bond_active bond1)
run ip -n "$peer" link set "${first/0/1}" down
check "tlb: failover" wait_for 5 active_is_not bond1 "$first"
check "page follows the tlb failover" wait_for 5 page_matches "$node" bond1
run ip -n "$peer" link set "${first/0/1}" up
run ip link del bond1

# An up active-backup bond: nothing refreshed, no timer.
run ip link add bond2 type bond mode active-backup miimon 100
on_exit ip link del bond2
run ip link set bond2 up
manage bond2
check_eq "active-backup, up: nothing refreshed" 0 "$(page /dev/exabond-bond2 .policy.refreshed)"
check_eq "no refresh interval" 0 "$(page /dev/exabond-bond2 .policy.refresh_interval_ms)"
t=$(page /dev/exabond-bond2 .policy.last_refresh_ns)
sleep 0.5
check_eq "no refresh ran" "$t" "$(page /dev/exabond-bond2 .policy.last_refresh_ns)"
