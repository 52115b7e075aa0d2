#!/bin/bash
# Failover as a reader of the page sees it, on veth members (peer down) and
# on the dual-port virtio-net card (QMP set_link off): the hot word names the
# new active member, the generation advanced, every field equals rtnetlink,
# and the lost member's raw carrier bit was published before the bond's
# failover, as its timestamps show.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

# failover BOND NODE CUT_FN CUT_ARG OTHER: cut the active member, verify.
failover() {
	local bond=$1 node=$2 cut_fn=$3 cut_arg=$4 lost=$5 other=$6
	local gen epoch snap lost_ix carrier_ns failover_ns
	check "$lost is active" wait_for 5 page_active_is "$node" "$lost"
	check "page equals rtnetlink before" wait_for 5 page_matches "$node" "$bond"
	gen=$(page "$node" .generation)
	epoch=$(page "$node" .hot_epoch)

	"$cut_fn" "$cut_arg" down
	check "reader sees $other active" wait_for 5 page_active_is "$node" "$other"
	check "page equals rtnetlink after" wait_for 5 page_matches "$node" "$bond"
	snap=$(probe dump "$node")
	check "generation advanced" test "$(jq .generation <<<"$snap")" -gt "$gen"
	check_eq "active epoch +1" $(((epoch + 1) % 65536)) "$(jq .hot_epoch <<<"$snap")"
	lost_ix=$(cat "/sys/class/net/$lost/ifindex")
	carrier_ns=$(jq ".members[] | select(.ifindex == $lost_ix) | .carrier_changed_ns" <<<"$snap")
	failover_ns=$(jq .bond.last_failover_ns <<<"$snap")
	check_eq "$lost raw carrier down" 0 \
		"$(jq ".members[] | select(.ifindex == $lost_ix) | .carrier" <<<"$snap")"
	log "carrier lost at $carrier_ns ns, failover at $failover_ns ns:" \
		"$(((failover_ns - carrier_ns) / 1000)) us head start"
	check "raw carrier published before the failover" \
		test "$carrier_ns" -gt 0 -a "$carrier_ns" -lt "$failover_ns"
	check "failover counted" test "$(jq .bond.failover_count <<<"$snap")" -ge 1

	"$cut_fn" "$cut_arg" up
	check "$lost back up in the page" wait_for 5 page_matches "$node" "$bond"
}

veth_link() { ip link set "$1" "$2"; }

# veth members
veth_pair va0 va1
veth_pair vb0 vb1
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link set va0 master bond0
run ip link set vb0 master bond0
run ip link set bond0 up
manage bond0
check "veth bond: an active member" wait_for 5 active_is bond0 ""
first=$(bond_active bond0)
if [[ "$first" == va0 ]]; then peer=va1 other=vb0; else peer=vb1 other=va0; fi
failover bond0 /dev/exabond-bond0 veth_link "$peer" "$first" "$other"

# virtio-net members, carrier cut from outside through QMP
p0=$(nic card0p0)
p1=$(nic card0p1)
run ip link add bond1 type bond mode active-backup miimon 100
on_exit ip link del bond1
manage bond1
run ip link set "$p0" master bond1
run ip link set "$p1" master bond1
run ip link set bond1 up
check "virtio bond: an active member" wait_for 5 active_is bond1 ""
first=$(bond_active bond1)
if [[ "$first" == "$p0" ]]; then cut=card0p0 other=$p1; else cut=card0p1 other=$p0; fi
failover bond1 /dev/exabond-bond1 set_link "$cut" "$first" "$other"
check_eq "dual-port card: RoCE LAG eligible" 2 \
	"$(( $(page /dev/exabond-bond1 .policy.flags) & 2 ))"

# With downdelay, bonding holds a member in FAIL (then DOWN) without an event
# for either step; the refresh publishes both (kmod/refresh.c). The delays
# are long so that a slow guest's polling cannot miss the 100 ms refresh
# inside them (500 ms once left the page's BACK unseen by the test).
run ip link add bond2 type bond mode active-backup miimon 50 downdelay 2000 updelay 2000
on_exit ip link del bond2
veth_pair vd0 vd1
veth_pair ve0 ve1
run ip link set vd0 master bond2
run ip link set ve0 master bond2
run ip link set bond2 up
manage bond2
check "downdelay bond settled" wait_for 5 page_matches /dev/exabond-bond2 bond2
check "settled (enslaved members count updelay too): nothing refreshed" \
	wait_for 5 page_is /dev/exabond-bond2 .policy.refreshed 0
backup=$(ip -j -d link show bond2 | jq -r '.[0].linkinfo.info_data.active_slave')
backup=$([[ "$backup" == vd0 ]] && echo ve0 || echo vd0)
backup_ix=$(cat "/sys/class/net/$backup/ifindex")
run ip link set "${backup/0/1}" down
link=".members[] | select(.ifindex == $backup_ix) | .link"
check "page shows the backup in FAIL (downdelay)" wait_for 5 \
	page_is /dev/exabond-bond2 "$link" 1
check "then DOWN" wait_for 5 page_is /dev/exabond-bond2 "$link" 2
check "equal to rtnetlink" page_matches /dev/exabond-bond2 bond2
run ip link set "${backup/0/1}" up
check "page shows it BACK (updelay)" wait_for 5 \
	page_is /dev/exabond-bond2 "$link" 3
check "then UP" wait_for 5 page_is /dev/exabond-bond2 "$link" 0
check "equal to rtnetlink" page_matches /dev/exabond-bond2 bond2
check_eq "settled again: nothing refreshed" 0 "$(page /dev/exabond-bond2 .policy.refreshed)"
