#!/bin/bash
# The policy's member rules allowed_drivers and max_members (the roce-lag
# ones are in policy_enslave_matrix_roce.sh) x every enslave path (sysfs
# bonding/slaves, ip link set master, the SIOCBONDENSLAVE ioctl, Debian's
# ifenslave hooks run by ifup) x (refused, allowed). A refusal is
# EOPNOTSUPP with the rule's extended ack and a log line, and changes
# nothing (membership, the device's address, MTU and flags, the bond's,
# the page's generation); an allowed device joins and leaves through the
# same path. An unmanaged bond is never affected. What each client
# reports is described in policy_enslave_matrix_types.sh.
# vm-timeout: 240
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

paths=(sysfs ip ioctl ifenslave)
c00=$(nic card0p0)
c10=$(nic card1p0)
veth_pair vd0 vd1
run ip link set dev vd0 mtu 1400	# not the bonds' MTU: a change shows
check_eq "vd0's driver" veth "$(ethtool -i vd0 | sed -n 's/^driver: //p')"
check_eq "card1p0's driver" virtio_net "$(ethtool -i "$c10" | sed -n 's/^driver: //p')"

### allowed_drivers
managed_ab_bond bond0
managed_ab_bond bond2 "$c10"
policy_set allowed_drivers virtio_net
msg="exabond: member driver is not in allowed_drivers"
for path in "${paths[@]}"; do
	expect_enslave_refused "$path" bond0 vd0 "$msg"
	expect_enslave_refused "$path" bond2 vd0 "$msg"
done
for path in "${paths[@]}"; do
	expect_enslave_allowed "$path" bond0 "$c00"
done
policy_set allowed_drivers virtio_net,veth
for path in "${paths[@]}"; do
	expect_enslave_allowed "$path" bond0 vd0
done

# An unmanaged bond is not the policy's business.
policy_set allowed_drivers virtio_net
run ip link add bondu type bond mode active-backup miimon 100
on_exit ip link del bondu
for path in "${paths[@]}"; do
	expect_enslave_allowed "$path" bondu vd0
done
# ip link set X master B for an X in another bond: the kernel releases X
# from that bond before B is asked (rtnetlink's do_set_master), so a
# refusal leaves X in no bond, and down. Not exabond's to prevent; this
# is what the user sees.
run ip link set dev vd0 master bondu
soft_check_eq "ip: vd0 from bondu into bond0: refused" \
	"Error: exabond: member driver is not in allowed_drivers." \
	"$(ip_result link set dev vd0 master bond0)"
soft_check_eq "  vd0 left bondu all the same, is in no bond, down" \
	"vd0 mtu 1400 BROADCAST,MULTICAST master - ether" \
	"$(link_state vd0 | cut -d' ' -f1,3-)"
soft_check_eq "  bondu is empty" "" "$(members bondu)"
soft_check_eq "  bond0 is empty" "" "$(members bond0)"
run ip link del bondu
run ip link del bond2
policy_set allowed_drivers ""

### max_members
veth_pair vm0 vm1
managed_ab_bond bond1 vm0
policy_set max_members 1
msg="exabond: managed bond already has max_members members"
for path in "${paths[@]}"; do
	expect_enslave_refused "$path" bond1 vd0 "$msg"
done
# The first member of an empty bond is within max_members=1.
for path in "${paths[@]}"; do
	expect_enslave_allowed "$path" bond0 vd0
done
policy_set max_members 2
for path in "${paths[@]}"; do
	expect_enslave_allowed "$path" bond1 vd0
done
soft_check_eq "bond1 kept its member" vm0 "$(members bond1)"
policy_set max_members 0

soft_check_eq "managed" "bond0 bond1" "$(managed_list)"

soft_verdict
