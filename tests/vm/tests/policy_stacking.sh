#!/bin/bash
# What stays allowed on top of a managed bond: it can be a bridge port and
# carry VLANs, and traffic flows through both; what never is: a bond or a
# VLAN device as one of its members.
#
#   here:  brs (bridge, 10.198.0.1) <- bs (managed, active-backup) <- vk0
#          bs.10 (VLAN 10 on bs, 10.198.10.1)
#   $peer: vk1 (10.198.0.2), vk1.10 (10.198.10.2)
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

netns_new peer stk
veth_pair vk0 vk1
run ip link set vk1 netns "$peer"
run ip -n "$peer" link set vk1 up
run ip -n "$peer" addr add 10.198.0.2/24 dev vk1
run ip -n "$peer" link add link vk1 name vk1.10 type vlan id 10
run ip -n "$peer" link set vk1.10 up
run ip -n "$peer" addr add 10.198.10.2/24 dev vk1.10

run ip link add bs type bond mode active-backup miimon 100
on_exit ip link del bs
run ip link set vk0 master bs
run ip link set bs up
manage bs
node=/dev/exabond-bs
check "vk0 active" wait_for 10 active_is bs vk0

run ip link add brs type bridge
on_exit ip link del brs
check_eq "the managed bond joins a bridge" ok "$(ip_result link set dev bs master brs)"
check_eq "  its master" brs "$(ip -j link show bs | jq -r '.[0].master')"
check_eq "a VLAN on the managed bond" ok "$(ip_result link add link bs name bs.10 type vlan id 10)"
run ip link set brs up
run ip link set bs.10 up
run ip addr add 10.198.0.1/24 dev brs
run ip addr add 10.198.10.1/24 dev bs.10
check "ping through the bridge" ping_ok 10.198.0.2
check "ping through the VLAN" ping_ok 10.198.10.2
check_eq "still managed" bs "$(managed_list)"
check_eq "compliant" "1 0 0" "$(compliance "$node")"
check_eq "up in the page" 1 "$(page "$node" .hot_up)"
check "page equals rtnetlink" wait_for 5 page_matches "$node" bs

# Never members: a bond, a VLAN device, through sysfs and ip. (The bond's
# own VLAN would be a loop, which the core refuses before anyone is asked.)
run ip link add bz type bond mode active-backup miimon 100
on_exit ip link del bz
run ip link add dz type dummy
on_exit ip link del dz
run ip link set dz up
run ip link add link dz name vz7 type vlan id 7
on_exit ip link del vz7
gen=$(page "$node" .generation)
check_eq "sysfs: +bz refused" EOPNOTSUPP \
	"$(write_file /sys/class/net/bs/bonding/slaves '+bz\n')"
check_eq "ip: bz refused" "Error: exabond: a bond cannot be a member of a managed bond." \
	"$(ip_result link set dev bz master bs)"
check_eq "sysfs: +vz7 refused" EOPNOTSUPP \
	"$(write_file /sys/class/net/bs/bonding/slaves '+vz7\n')"
check_eq "ip: vz7 refused" "Error: exabond: a VLAN device cannot be a member of a managed bond." \
	"$(ip_result link set dev vz7 master bs)"
check_eq "members unchanged" vk0 "$(members bs)"
check_eq "page unchanged" "$gen" "$(page "$node" .generation)"
check "still pinging through the bridge" ping_ok 10.198.0.2
check "still pinging through the VLAN" ping_ok 10.198.10.2

# Leaving the bridge is fine too.
check_eq "the bond leaves the bridge" ok "$(ip_result link set dev bs nomaster)"
check_eq "compliant" "1 0 0" "$(compliance "$node")"
