#!/bin/bash
# Every published field equals what rtnetlink, /proc/net/bonding and
# ethtool report, after each kind of change: enslave (netlink and sysfs),
# failover, option changes (sysfs, netlink on an up bond, netlink on a down
# bond, which 6.1 does not notify), primary, MAC and MTU changes, member and
# bond renames, release, and a member moved to another namespace.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

node=/dev/exabond-bond0
# settled WHAT: the page converges to rtnetlink's view.
settled() { check "page equals rtnetlink after: $1" wait_for 5 page_matches "$node" bond0; }

veth_pair va0 va1
veth_pair vb0 vb1
veth_pair vc0 vc1
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
manage bond0
settled "manage an empty, down bond"

run ip link set va0 master bond0
settled "enslave through netlink"
run bash -c 'echo +vb0 > /sys/class/net/bond0/bonding/slaves'
settled "enslave through sysfs"
run ip link set bond0 up
check "an active member" wait_for 5 active_is bond0 ""
settled "bond up"
gen=$(page "$node" .generation)

first=$(bond_active bond0)
run ip link set "${first/0/1}" down
check "failover" wait_for 5 active_is_not bond0 "$first"
settled "failover"
run ip link set "${first/0/1}" up
settled "member link back"

run bash -c 'echo 200 > /sys/class/net/bond0/bonding/miimon'
run bash -c 'echo 400 > /sys/class/net/bond0/bonding/updelay'
settled "options through sysfs"
check_eq "updelay in ms" 400 "$(page "$node" .bond.updelay)"
run ip link set bond0 type bond downdelay 600 primary_reselect better
settled "options through netlink"
run ip link set bond0 type bond primary vb0
settled "primary"
check_eq "primary published" vb0 "$(page "$node" .bond.primary)"
run ip link set bond0 address 02:00:00:00:00:42
settled "bond MAC"
run ip link set bond0 mtu 1400
settled "MTU"

run ip link set va0 down
run ip link set va0 name vaX
run ip link set vaX up
settled "member rename"
run ip link set vaX down
run ip link set vaX name va0
run ip link set va0 up

run ip link set vc0 master bond0
settled "third member"
run ip link set vc0 nomaster
settled "release"
netns_new other exa
run ip link set vb1 netns "$other"
run ip link set vb0 netns "$other"
settled "member moved to another namespace"
run ip -n "$other" link set vb0 netns 1
run ip -n "$other" link set vb1 netns 1
run ip link set vb1 up

run ip link set bond0 down
run ip link set bond0 name bondR
node=/dev/exabond-bondR
check "page equals rtnetlink after: bond rename" wait_for 5 page_matches "$node" bondR
run ip link set bondR name bond0
node=/dev/exabond-bond0
settled "rename back"

# A down bond: netlink changes are not notified; the refresh catches them.
check_eq "a down bond is refreshed" 8 "$(( $(page "$node" .policy.refreshed) & 8 ))"
check_eq "refresh interval" 100 "$(page "$node" .policy.refresh_interval_ms)"
run ip link set va0 nomaster
policy_set allowed_modes active-backup,balance-xor
run ip link set bond0 type bond mode balance-xor xmit_hash_policy layer3+4
settled "mode change on a down bond (refresh)"
check_eq "event: refresh" 12 "$(page "$node" .event)"
run ip link set bond0 type bond arp_interval 100 arp_ip_target 192.0.2.1,192.0.2.2
settled "ARP monitor options on a down bond"
check "generation only moved forward" test "$(page "$node" .generation)" -gt "$gen"
