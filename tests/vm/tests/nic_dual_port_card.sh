#!/bin/bash
# The machine's real NICs: card0p0 and card0p1 are two functions of one PCI
# slot (a dual-port card), card1p0 sits on another slot; all use virtio_net.
# Cutting a NIC's link from outside (QMP set_link) drops its raw carrier
# and restoring it brings the carrier back: the failover driver for tests.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

slot() { local b; b=$(ethtool -i "$1" | sed -n 's/^bus-info: //p'); echo "${b%.*}"; }

p0=$(nic card0p0)
p1=$(nic card0p1)
other=$(nic card1p0)
log "card0p0=$p0 card0p1=$p1 card1p0=$other"

for dev in "$p0" "$p1" "$other"; do
	check_eq "$dev driver" virtio_net "$(ethtool -i "$dev" | sed -n 's/^driver: //p')"
done
check_eq "card0 ports share a slot" "$(slot "$p0")" "$(slot "$p1")"
[[ "$(slot "$p0")" != "$(slot "$other")" ]] || fail "card1p0 shares card0's slot"
check_eq "card0p0 bus-info" "$(nic_pci card0p0)" \
	"$(ethtool -i "$p0" | sed -n 's/^bus-info: //p')"

run ip link set "$p0" up
on_exit ip link set "$p0" down
check "carrier up at start" wait_for 5 carrier_is "$p0" 1
before=$(cat "/sys/class/net/$p0/carrier_down_count")
before_p1=$(cat "/sys/class/net/$p1/carrier_down_count")

set_link card0p0 down
check "carrier lost after the link is cut" wait_for 5 carrier_is "$p0" 0
check_eq "one carrier-down transition" "$((before + 1))" \
	"$(cat "/sys/class/net/$p0/carrier_down_count")"
check_eq "the other port is unaffected" "$before_p1" \
	"$(cat "/sys/class/net/$p1/carrier_down_count")"

set_link card0p0 up
check "carrier back after the link is restored" wait_for 5 carrier_is "$p0" 1
