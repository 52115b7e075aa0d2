#!/bin/bash
# A real active-backup bond over both ports of the dual-port card, driven by
# real carrier loss: cutting the active port's link makes bonding fail over
# to the other port, and the bond keeps its carrier throughout.
#
#   bond0 (active-backup, miimon 50)
#     +-- card0p0 --+
#     +-- card0p1 --+-- QEMU hub
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

p0=$(nic card0p0)
p1=$(nic card0p1)

run ip link add bond0 type bond mode active-backup miimon 50
on_exit ip link del bond0
run ip link set "$p0" master bond0
run ip link set "$p1" master bond0
run ip link set bond0 up
check "a member is active" wait_for 5 active_is bond0 ""
first=$(bond_active bond0)
log "active: $first"
check_eq "mode" active-backup "$(ip -j -d link show bond0 | jq -r '.[0].linkinfo.info_data.mode')"

if [[ "$first" == "$p0" ]]; then cut=card0p0 second=$p1; else cut=card0p1 second=$p0; fi
set_link "$cut" down
check "failover to $second" wait_for 5 active_is bond0 "$second"
check_eq "bond carrier after failover" 1 "$(carrier_of bond0)"
grep -A3 "Slave Interface: $first" /proc/net/bonding/bond0 | sed 's/^/  /'
check "bonding saw $first go down" \
	grep -q "Slave Interface: $first" /proc/net/bonding/bond0

set_link "$cut" up
check "$first back up in the bond" wait_for 5 \
	mii_status_is "$first" UP
