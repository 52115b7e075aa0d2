#!/bin/bash
# The foundation demo, run by `make demo` inside the VM: the packaged kernel
# with exabond.ko loaded, a real active-backup bond over the two ports of a
# virtio "dual-port card", and a failover caused by cutting the active
# port's link from outside (QMP set_link), as a pulled cable would.
# (exabond's bond management and page arrive with the module-core issue.)
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
step() { printf '\n--- %s\n' "$*"; }

step "kernel $(uname -r), exabond.ko loaded"
grep '^exabond ' /proc/modules
dmesg | grep 'exabond:' | tail -n 2
run ls -l /sys/class/net/exabond_masters

p0=$(nic card0p0)
p1=$(nic card0p1)
step "NICs: $p0 and $p1 are ports 0 and 1 of one card"
for dev in "$p0" "$p1"; do
	printf '%s: %s %s\n' "$dev" "$(ethtool -i "$dev" | sed -n 's/^driver: //p')" \
		"$(ethtool -i "$dev" | sed -n 's/^bus-info: //p')"
done

step "create bond0: active-backup, miimon 100"
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link set "$p0" master bond0
run ip link set "$p1" master bond0
run ip link set bond0 up
wait_for 5 active_is bond0 ""
run ip -d -br link show bond0
ip -d link show bond0 | grep -o 'bond mode [^ ]* active_slave [^ ]* miimon [0-9]*'
sed -n '/^Slave Interface/q;p' /proc/net/bonding/bond0 | grep -E 'Mode|Currently Active|MII Status|Polling'

first=$(bond_active bond0)
[[ "$first" == "$p0" ]] && cut=card0p0 second=$p1 || cut=card0p1 second=$p0
step "cut $first's link ($cut) from outside"
t0=$(date +%s%N)
set_link "$cut" down
wait_for 5 carrier_is "$first" 0
t_carrier=$(ms_since "$t0")
wait_for 5 active_is bond0 "$second"
t_failover=$(ms_since "$t0")
printf 'carrier of %s lost after %d ms; bonding made %s active after %d ms\n' \
	"$first" "$t_carrier" "$second" "$t_failover"
grep -A2 "Slave Interface: $first" /proc/net/bonding/bond0

step "restore $cut's link"
t0=$(date +%s%N)
set_link "$cut" up
wait_for 5 mii_status_is "$first" UP
t_back=$(ms_since "$t0")
printf '%s is back as a backup after %d ms; active stays %s\n' "$first" "$t_back" "$(bond_active bond0)"

step "summary"
printf 'kernel %s | bond0 active-backup miimon 100 | failover %s -> %s: carrier %d ms, bond %d ms | link back %d ms\n' \
	"$(uname -r)" "$first" "$second" "$t_carrier" "$t_failover" "$t_back"
