#!/bin/bash
# The member types a managed bond refuses whatever the policy (a bond, a
# VLAN device, a non-Ethernet device) x every enslave path (sysfs
# bonding/slaves, ip link set master, the SIOCBONDENSLAVE ioctl, Debian's
# ifenslave hooks run by ifup) x an empty and a non-empty managed bond:
# EOPNOTSUPP, ip prints the extended ack, the kernel log names the bond and
# the device, and nothing changes (membership, the device's address, MTU
# and flags, the bond's, the page's generation). An Ethernet device joins
# and leaves the same bonds through every path, and gets its MTU back.
#
# What the clients report on a refusal: sysfs and the ioctl the errno; ip
# "Error: <extended ack>."; the ifenslave hook its own "Failed to enslave
# DEV to BOND." and ifup still succeeds (the hook hides the errno), after
# which ifupdown brings DEV up itself, so only there the UP flag is not
# compared.
# vm-timeout: 240
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

paths=(sysfs ip ioctl ifenslave)

# bond0: managed, up, no member. bond1: managed, up, one member (vm0).
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link add bond1 type bond mode active-backup miimon 100
on_exit ip link del bond1
veth_pair vm0 vm1
run ip link set vm0 master bond1
run ip link set bond0 up
run ip link set bond1 up
manage bond0
manage bond1
check "bond1 has an active member" wait_for 10 active_is bond1 vm0
check "bond0's page is quiet" wait_for 10 page_settled /dev/exabond-bond0
check "bond1's page is quiet" wait_for 10 page_settled /dev/exabond-bond1

# The candidates, all down: an (unmanaged) bond, a VLAN device over an up
# dummy, a tun device (ARPHRD_NONE), and an Ethernet veth.
run ip link add bondx type bond mode active-backup miimon 100
on_exit ip link del bondx
run ip link add dl0 type dummy
on_exit ip link del dl0
run ip link set dl0 up
run ip link add link dl0 name vlx5 type vlan id 5
on_exit ip link del vlx5
modprobe tun
run ip tuntap add dev tun0 mode tun
on_exit ip link del tun0
veth_pair va0 va1
check_eq "tun0 is not Ethernet" none "$(ip -j link show tun0 | jq -r '.[0].link_type')"
# Another MTU than the bonds' (which bonding gives a member, and takes
# back on release) so that a change shows.
for dev in bondx vlx5 tun0 va0; do
	run ip link set dev "$dev" mtu 1400
done

for bond in bond0 bond1; do
	for path in "${paths[@]}"; do
		expect_enslave_refused "$path" "$bond" bondx \
			"exabond: a bond cannot be a member of a managed bond"
		expect_enslave_refused "$path" "$bond" vlx5 \
			"exabond: a VLAN device cannot be a member of a managed bond"
	done
done

# Only the first member can change a bond's type, so only an empty bond
# asks exabond about a non-Ethernet device (bonding itself refuses one of
# another type than the members: EINVAL, "Device type is different from
# other slaves").
for path in "${paths[@]}"; do
	expect_enslave_refused "$path" bond0 tun0 \
		"exabond: a member of a managed bond must be an Ethernet device"
done
soft_check_eq "bond0 is still Ethernet" ether "$(ip -j link show bond0 | jq -r '.[0].link_type')"
soft_check_eq "bond0 is still up" true "$(ip -j link show bond0 | jq '.[0].flags | index("UP") != null')"

for bond in bond0 bond1; do
	for path in "${paths[@]}"; do
		expect_enslave_allowed "$path" "$bond" va0
	done
done
soft_check_eq "bond1 kept its member" vm0 "$(members bond1)"
soft_check_eq "still managed" "bond0 bond1" "$(managed_list)"
soft_check_eq "bond1's page: compliant, no violation" "1 0 0" \
	"$(page /dev/exabond-bond1 '"\(.policy.flags % 2) \(.policy.violations) \(.hot_noncompliant)"')"

soft_verdict
