#!/bin/bash
# The roce-lag profile's member rules (a member is a PCI function, of the
# other member's card, and there are two at most) x every enslave path
# (sysfs bonding/slaves, ip link set master, the SIOCBONDENSLAVE ioctl,
# Debian's ifenslave hooks run by ifup) x (refused, allowed), as in
# policy_enslave_matrix_rules.sh: a refusal is EOPNOTSUPP with the rule's
# extended ack and a log line and changes nothing; an allowed device joins
# and leaves through the same path. What each client reports is described
# in policy_enslave_matrix_types.sh.
# vm-timeout: 240
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

paths=(sysfs ip ioctl ifenslave)
c00=$(nic card0p0)
c01=$(nic card0p1)
c10=$(nic card1p0)
veth_pair vd0 vd1
run ip link set dev vd0 mtu 1400	# not the bonds' MTU: a change shows
managed_ab_bond bond0

### roce-lag: a PCI function, of the other member's card, two at most
policy_set allowed_modes roce-lag
msg="exabond: roce-lag: member is not a function of a PCI card"
for path in "${paths[@]}"; do
	expect_enslave_refused "$path" bond0 vd0 "$msg"
done
managed_ab_bond bond3 "$c00"
msg="exabond: roce-lag: member is not a port of the other member's card"
for path in "${paths[@]}"; do
	expect_enslave_refused "$path" bond3 "$c10" "$msg"
done
for path in "${paths[@]}"; do
	expect_enslave_allowed "$path" bond3 "$c01"
done
run ip link set "$c01" master bond3
check "bond3's page counts two members" \
	wait_for 5 page_is /dev/exabond-bond3 .bond.members_total 2
msg="exabond: roce-lag: a RoCE LAG has exactly two members"
for path in "${paths[@]}"; do
	expect_enslave_refused "$path" bond3 "$c10" "$msg"
done
expect_enslave_refused ip bond3 vd0 "$msg"
soft_check_eq "bond3 kept its two members" "$c00 $c01" "$(members bond3)"
soft_check_eq "managed" "bond0 bond3" "$(managed_list)"

soft_verdict
