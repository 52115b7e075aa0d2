#!/bin/bash
# examples/setupbonding refuses, before changing anything, every command
# that breaks a rule: it exits 3 (2 for a usage error), prints exactly one
# line "setupbonding: ..." naming the thing and the rule, and the state
# (links, addresses, managed bonds and their pages, modules, policy) is
# what it was. One case each:
#   names, members (missing, enslaved elsewhere, the bond itself, given
#   twice, a bond, a VLAN, not Ethernet), existing BOND (not a bond,
#   another mode, an address with another prefix), syntax (mode, miimon,
#   addresses), --primary, and exabond's policy (allowed_modes,
#   allowed_drivers, max_members, require_link_monitor, roce-lag's
#   same-card rule).
# And the rules are not over-eager: the same setups that break nothing
# pass (dry runs).
# vm-timeout: 420
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
source "$EXABOND_REPO/tests/vm/guest/setupbonding_lib.sh"

c00=$(nic card0p0)
c01=$(nic card0p1)
c10=$(nic card1p0)
bus00=$(nic_pci card0p0)
bus10=$(nic_pci card1p0)
P="setupbonding:"
on_exit policy_reset

veth_pair sva0 sva1
veth_pair svb0 svb1
veth_pair svc0 svc1
# An unmanaged bond that has one member, and a VLAN, a tun device.
run ip link add svother type bond mode active-backup miimon 100
on_exit ip link del svother
run ip link set dev sva0 master svother
sb_state=
run ip link add link svb0 name svb0.10 type vlan id 10
on_exit ip link del svb0.10
run modprobe tun
run ip tuntap add svtun0 mode tun
on_exit ip link del svtun0
# An existing bond in another mode, and a managed one with an address.
run ip link add svxor type bond mode balance-xor miimon 100
on_exit ip link del svxor
run ip link add svab type bond mode active-backup miimon 100
on_exit ip link del svab
run ip addr add 10.44.0.1/24 dev svab
manage svab
check "svab's page is quiet" wait_for 10 page_settled /dev/exabond-svab

### usage (exit 2)
expect_invalid 2 "$P no BOND given (see setupbonding --help)"
expect_invalid 2 "$P no MEMBER given for svnew (see setupbonding --help)" svnew
expect_invalid 2 "$P unknown option '--bogus' (see setupbonding --help)" --bogus svnew "$c00"
expect_invalid 2 "$P option --miimon needs a value (see setupbonding --help)" svnew "$c00" --miimon

### names
expect_invalid 3 "$P bond name 'sv/new' contains '/', ':' or whitespace" "sv/new" "$c00"
expect_invalid 3 "$P bond name 'sv:new' contains '/', ':' or whitespace" "sv:new" "$c00"
expect_invalid 3 "$P bond name 'sv new' contains '/', ':' or whitespace" "sv new" "$c00"
expect_invalid 3 "$P bond name 'svnew4567890123456' is longer than 15 characters" svnew4567890123456 "$c00"
expect_invalid 3 "$P member name 'a/b' contains '/', ':' or whitespace" svnew "$c00" a/b

### members
expect_invalid 3 "$P member svnosuch0: no such device" svnew "$c00" svnosuch0
expect_invalid 3 "$P member sva0 is already enslaved to svother (release it first: ip link set dev sva0 nomaster)" \
	svnew "$c00" sva0
expect_invalid 3 "$P member svnew is the bond itself" svnew "$c00" svnew
expect_invalid 3 "$P member svab is the bond itself" svab svab
expect_invalid 3 "$P member $c00 is given twice" svnew "$c00" "$c01" "$c00"
expect_invalid 3 "$P member svother is a bond (exabond: a bond cannot be a member of a managed bond)" \
	svnew "$c00" svother
expect_invalid 3 "$P member svb0.10 is a VLAN device (exabond: a VLAN device cannot be a member of a managed bond)" \
	svnew "$c00" svb0.10
expect_invalid 3 "$P member svtun0 is not an Ethernet device (link type none, ARPHRD 65534): exabond allows only Ethernet members" \
	svnew "$c00" svtun0

### an existing BOND
expect_invalid 3 "$P svb0 exists and is not a bond (link kind: veth)" svb0 "$c00"
expect_invalid 3 "$P lo exists and is not a bond (no link kind; link type loopback)" lo "$c00"
expect_invalid 3 "$P svxor exists in mode balance-xor, not active-backup; setupbonding does not change the mode of an existing bond (delete it first: ip link del svxor)" \
	svxor "$c00"
expect_invalid 3 "$P address 10.44.0.1 is already on svab with prefix /24, not /16 (remove it first: ip addr del 10.44.0.1/24 dev svab)" \
	-a 10.44.0.1/16 svab "$c00"

### syntax
expect_invalid 3 "$P mode 'active-standby' is not a bonding mode (balance-rr active-backup balance-xor broadcast 802.3ad balance-tlb balance-alb, or 0-6)" \
	-m active-standby svnew "$c00"
expect_invalid 3 "$P mode '7' is not a bonding mode (balance-rr active-backup balance-xor broadcast 802.3ad balance-tlb balance-alb, or 0-6)" \
	-m 7 svnew "$c00"
for bad in -1 0100 2147483648 ""; do
	expect_invalid 3 "$P miimon '$bad' is not a whole number of milliseconds from 0 to 2147483647" \
		--miimon="$bad" svnew "$c00"
done
for bad in 10.0.0.1 10.0.0.256/24 10.0.0.1/33 2001:db8::1::2/64 \
	2001:db8::1/129 fe80::1%eth0/64; do
	expect_invalid 3 "$P address '$bad' is not an IPv4 or IPv6 address with a prefix length (e.g. 192.0.2.1/24, 2001:db8::1/64)" \
		-a "$bad" svnew "$c00"
done
expect_invalid 3 "$P address 10.1.0.1 is given twice ('10.1.0.1/24' and '10.1.0.1/16')" \
	-a 10.1.0.1/24 -a 10.1.0.1/16 svnew "$c00"

### --primary
expect_invalid 3 "$P primary $c10 is not a member of svnew" --primary "$c10" svnew "$c00" "$c01"
expect_invalid 3 "$P primary svnosuch0: no such device" --primary svnosuch0 svnew "$c00"

### exabond's policy
# allowed_modes (default active-backup), by name and by number.
expect_invalid 3 "$P mode balance-rr is not in exabond's allowed_modes (active-backup)" \
	-m balance-rr svnew "$c00" "$c01"
expect_invalid 3 "$P mode balance-alb is not in exabond's allowed_modes (active-backup)" \
	-m 6 svnew "$c00"
policy_set allowed_modes active-backup,balance-xor
sb_state=
expect_invalid 3 "$P --primary needs mode active-backup, balance-tlb or balance-alb, not balance-xor" \
	-m balance-xor --primary "$c00" svnew "$c00"
sb -n -m balance-xor svnew "$c00" "$c01"
soft_check_eq "a mode in allowed_modes passes" 0 "$rc"
policy_reset
sb_state=

# allowed_drivers
policy_set allowed_drivers virtio_net
sb_state=
expect_invalid 3 "$P member svb0's driver veth is not in exabond's allowed_drivers (virtio_net)" \
	svnew "$c00" svb0
sb -n svnew "$c00" "$c01"
soft_check_eq "virtio_net members pass allowed_drivers virtio_net" 0 "$rc"
policy_reset
sb_state=
# The members a bond has already count.
run ip link set dev svc0 master svab
sb_state=
policy_set allowed_drivers virtio_net
sb_state=
expect_invalid 3 "$P member svc0's driver veth is not in exabond's allowed_drivers (virtio_net)" \
	svab "$c00"
policy_reset
sb_state=
run ip link set dev svc0 nomaster
sb_state=

# max_members
policy_set max_members 1
sb_state=
expect_invalid 3 "$P svnew would have 2 members, more than exabond's max_members (1)" \
	svnew "$c00" "$c01"
sb -n svnew "$c00"
soft_check_eq "one member passes max_members 1" 0 "$rc"
policy_reset
sb_state=

# require_link_monitor
policy_set require_link_monitor Y
sb_state=
expect_invalid 3 "$P exabond's require_link_monitor is set, but svnew would have neither miimon nor arp_interval (give --miimon)" \
	-i 0 svnew "$c00"
sb -n -i 100 svnew "$c00"
soft_check_eq "miimon passes require_link_monitor" 0 "$rc"
policy_reset
sb_state=

# roce-lag: two ports of one card, and only those.
policy_set allowed_modes roce-lag
sb_state=
expect_invalid 3 "$P members $c00 ($bus00) and $c10 ($bus10) are not two ports of one card, which exabond's roce-lag policy requires" \
	svnew "$c00" "$c10"
expect_invalid 3 "$P member svb0 is not a port of a PCI card (bus-info (none)), which exabond's roce-lag policy requires" \
	svnew svb0
expect_invalid 3 "$P svnew would have 3 members; exabond's roce-lag policy allows two, the ports of one card" \
	svnew "$c00" "$c01" "$c10"
expect_invalid 3 "$P mode balance-rr is not in exabond's allowed_modes (roce-lag)" \
	-m balance-rr svnew "$c00" "$c01"
for mode in active-backup balance-xor 802.3ad; do
	sb -n -m "$mode" svnew "$c00" "$c01"
	soft_check_eq "roce-lag: $mode on the two ports of one card passes" 0 "$rc"
done
policy_reset
sb_state=

soft_verdict
