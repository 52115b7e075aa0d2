#!/bin/bash
# The roce-lag profile (allowed_modes=roce-lag: modes 1, 2 and 4 and the
# same-card rule) on the machine's virtio NICs: card0p0 and card0p1 are
# two functions of PCI slot 5, card1p0 is on slot 6.
#  - card0p0 + card0p1 form an eligible LAG (ROCE_LAG) in active-backup,
#    balance-xor and 802.3ad; the page also says the rule is in force
#    (SAME_CARD_RULE);
#  - other modes, ports of two cards, or a third member are refused, at
#    +bond and at enslave;
#  - without the profile, card0p0 + card1p0 is allowed but not eligible,
#    and neither is balance-rr over card0p0 + card0p1: eligibility is
#    computed whatever the profile;
#  - switching to the profile flags a managed bond across two cards.
# 802.3ad finds no LACP partner on the hub; eligibility is about the mode
# and the members only.
# vm-timeout: 180
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

F_COMPLIANT=1 F_ROCE_LAG=2 F_SAME_CARD_RULE=8
V_SAME_CARD=16
c00=$(nic card0p0)
c01=$(nic card0p1)
c10=$(nic card1p0)

# policy_flags NODE: policy.flags, the bits this test knows (0..5).
policy_flags() { echo $(( $(page "$1" .policy.flags) & 63 )); }
policy_flags_are() { [[ "$(policy_flags "$1")" == "$2" ]]; }

# lag NAME MODE MEMBER...: a bond (miimon 100) with those members, not
# managed yet; deleted after the test.
lag() {
	local name=$1 mode=$2 m
	shift 2
	run ip link add "$name" type bond mode "$mode" miimon 100
	on_exit ip link del "$name"
	for m in "$@"; do
		run ip link set "$m" master "$name"
	done
}

# manage_refused BOND: +BOND is EOPNOTSUPP, logged, not managed.
manage_refused() {
	klog_mark
	check_eq "+$1 refused" EOPNOTSUPP "$(write_file "$EXABOND_CTL" "+$1\\n")"
	check "  no node" test ! -e "/dev/exabond-$1"
	check "  logged" wait_for 2 klog_has "exabond: $1: not managed: "
}

### under the profile
policy_set allowed_modes roce-lag
for mode in active-backup balance-xor 802.3ad; do
	lag rl "$mode" "$c00" "$c01"
	manage rl
	node=/dev/exabond-rl
	check_eq "$mode: eligible, compliant, rule in force" \
		$((F_COMPLIANT | F_ROCE_LAG | F_SAME_CARD_RULE)) "$(policy_flags "$node")"
	check_eq "$mode: no violation" "1 0 0" "$(compliance "$node")"
	check_eq "$mode: two ports of one slot in the page" \
		"$(nic_pci card0p0) $(nic_pci card0p1)" \
		"$(page "$node" '[.members[].bus_info] | join(" ")')"
	check_eq "$mode: a third member refused" \
		"Error: exabond: roce-lag: a RoCE LAG has exactly two members." \
		"$(ip_result link set dev "$c10" master rl)"
	check_eq "$mode: still two members" "$c00 $c01" "$(members rl)"
	run ip link del rl
done

# Modes outside the profile.
for mode in balance-rr broadcast balance-alb; do
	lag rl "$mode" "$c00" "$c01"
	manage_refused rl
	run ip link del rl
done

# Ports of two cards; a device that is no PCI function.
lag rl active-backup "$c00" "$c10"
manage_refused rl
run ip link del rl
veth_pair vq0 vq1
lag rl active-backup vq0
manage_refused rl
run ip link del rl

# Built one member at a time: a device that is no PCI function is not
# fine, the first port is, the other card's port is not, the same card's
# is, and nothing after it.
lag rl active-backup
run ip link set rl up
manage rl
node=/dev/exabond-rl
veth_pair vp0 vp1
check_eq "+veth refused" \
	"Error: exabond: roce-lag: member is not a function of a PCI card." \
	"$(ip_result link set dev vp0 master rl)"
check_eq "+card0p0" ok "$(ip_result link set dev "$c00" master rl)"
check "one member: compliant, not (yet) a LAG" wait_for 5 \
	policy_flags_are "$node" $((F_COMPLIANT | F_SAME_CARD_RULE))
check_eq "+card1p0 refused" \
	"Error: exabond: roce-lag: member is not a port of the other member's card." \
	"$(ip_result link set dev "$c10" master rl)"
check_eq "+card0p1" ok "$(ip_result link set dev "$c01" master rl)"
check "two ports of one card: a LAG" wait_for 5 \
	policy_flags_are "$node" $((F_COMPLIANT | F_ROCE_LAG | F_SAME_CARD_RULE))
check_eq "+card1p0 refused (third)" \
	"Error: exabond: roce-lag: a RoCE LAG has exactly two members." \
	"$(ip_result link set dev "$c10" master rl)"
check_eq "-card0p1" ok "$(ip_result link set dev "$c01" nomaster)"
check "one member again: not a LAG" wait_for 5 \
	policy_flags_are "$node" $((F_COMPLIANT | F_SAME_CARD_RULE))
run ip link del rl

### without the profile
policy_set allowed_modes balance-rr,active-backup,balance-xor,802.3ad
lag rl active-backup "$c00" "$c10"
manage rl
check_eq "two cards: allowed, not eligible" $F_COMPLIANT "$(policy_flags /dev/exabond-rl)"
check_eq "  no violation" "1 0 0" "$(compliance /dev/exabond-rl)"
# Switching to the profile flags it, and keeps it managed.
policy_set allowed_modes roce-lag
check "  roce-lag: SAME_CARD violation" wait_for 5 \
	compliance_is /dev/exabond-rl "0 $V_SAME_CARD 1"
check_eq "  rule in force" $F_SAME_CARD_RULE \
	$(( $(policy_flags /dev/exabond-rl) & F_SAME_CARD_RULE ))
check_eq "  still managed, same members" "rl $c00 $c10" "$(managed_list) $(members rl)"
policy_set allowed_modes balance-rr,active-backup,balance-xor,802.3ad
check "  compliant again" wait_for 5 compliance_is /dev/exabond-rl "1 0 0"
run ip link del rl

lag rl balance-rr "$c00" "$c01"
manage rl
check_eq "balance-rr over one card: not eligible" $F_COMPLIANT "$(policy_flags /dev/exabond-rl)"
run ip link del rl

for mode in active-backup 802.3ad; do
	lag rl "$mode" "$c00" "$c01"
	manage rl
	check_eq "$mode over one card, no profile: eligible" \
		$((F_COMPLIANT | F_ROCE_LAG)) "$(policy_flags /dev/exabond-rl)"
	check_eq "$mode: the third member is allowed without the profile" ok \
		"$(ip_result link set dev "$c10" master rl)"
	check "$mode: three members: not eligible" wait_for 5 \
		policy_flags_are /dev/exabond-rl $F_COMPLIANT
	run ip link del rl
done
