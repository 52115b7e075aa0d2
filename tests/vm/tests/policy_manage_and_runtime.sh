#!/bin/bash
# The policy at +bond, at bring-up and at runtime:
#  - +bond of a bond that breaks the policy (mode, a member's driver or
#    type, max_members, require_link_monitor) is EOPNOTSUPP with a log
#    line, and nothing changes; once the policy allows it, it is managed;
#  - a bond with no link monitor is managed, flagged NO_LINK_MON and
#    warned about;
#  - a managed bond whose mode the policy no longer allows cannot be
#    brought up;
#  - a policy change that managed bonds no longer meet republishes them
#    non-compliant, with the rule broken, and never unmanages them or
#    touches their traffic (a ping runs across every change); restoring
#    the policy republishes them compliant.
# vm-timeout: 180
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

EVENT_POLICY=11

# manage_refused BOND: +BOND is EOPNOTSUPP, logged, and changes nothing.
manage_refused() {
	local before list
	before=$(members "$1"; link_state "$1")
	list=$(managed_list)
	klog_mark
	check_eq "+$1 refused" EOPNOTSUPP "$(write_file "$EXABOND_CTL" "+$1\\n")"
	check_eq "  not listed" "$list" "$(managed_list)"
	check "  no node" test ! -e "/dev/exabond-$1"
	check_eq "  bond unchanged" "$before" "$(members "$1"; link_state "$1")"
	check "  logged" wait_for 2 klog_has "exabond: $1: not managed: "
}

# manage_then_release BOND: +BOND succeeds, the page is compliant.
manage_then_release() {
	check_eq "+$1" ok "$(ctl_write "b'+$1\n'")"
	check_eq "  compliant" "1 0 0" "$(compliance "/dev/exabond-$1")"
	check_eq "-$1" ok "$(ctl_write "b'-$1\n'")"
}

# bond NAME OPTIONS...: a bond, deleted after the test.
bond() {
	local name=$1
	shift
	run ip link add "$name" type bond "$@"
	on_exit ip link del "$name"
}

### +bond against the policy
bond bm mode balance-rr miimon 100
manage_refused bm
policy_set allowed_modes balance-rr,active-backup
manage_then_release bm
policy_set allowed_modes active-backup

veth_pair vd0 vd1
bond bd mode active-backup miimon 100
run ip link set vd0 master bd
policy_set allowed_drivers virtio_net,dummy
manage_refused bd
policy_set allowed_drivers veth
manage_then_release bd
policy_set allowed_drivers ""

# Members no managed bond may have, in bonds that are not managed.
run ip link add dl0 type dummy
on_exit ip link del dl0
run ip link set dl0 up
run ip link add link dl0 name vlx5 type vlan id 5
on_exit ip link del vlx5
bond bv mode active-backup miimon 100
run ip link set vlx5 master bv
manage_refused bv
bond bn mode active-backup miimon 100
bond bb mode active-backup miimon 100
run ip link set bn master bb
manage_refused bb

veth_pair ve0 ve1
veth_pair vf0 vf1
bond bx mode active-backup miimon 100
run ip link set ve0 master bx
run ip link set vf0 master bx
policy_set max_members 1
manage_refused bx
policy_set max_members 2
manage_then_release bx
policy_set max_members 0

### no link monitor: managed, flagged, warned; refused when required
bond bl mode active-backup
check_eq "bl: no miimon" 0 "$(cat /sys/class/net/bl/bonding/miimon)"
check_eq "bl: no arp_interval" 0 "$(cat /sys/class/net/bl/bonding/arp_interval)"
policy_set require_link_monitor Y
manage_refused bl
policy_set require_link_monitor N
klog_mark
manage bl
check "bl: warned" wait_for 2 klog_has "exabond: bl: neither miimon nor arp_interval is set"
check "bl: NO_LINK_MON" page_bits_are /dev/exabond-bl .policy.flags 4 4
check_eq "bl: compliant" "1 0 0" "$(compliance /dev/exabond-bl)"
bond bk mode active-backup miimon 100
klog_mark
manage bk
check "bk: NO_LINK_MON clear" page_bits_are /dev/exabond-bk .policy.flags 4 0
sleep 0.2
check_eq "bk: no warning" 0 "$(klog_count "exabond: bk: neither miimon")"

# Fewer managed bonds, fewer log lines for the rest (the log is
# rate-limited); bl comes back for require_link_monitor at runtime.
check_eq "-bk" ok "$(ctl_write "b'-bk\n'")"
check_eq "-bl" ok "$(ctl_write "b'-bl\n'")"

### bring-up of a managed bond whose mode is no longer allowed
bond bu mode active-backup miimon 100
manage bu
policy_set allowed_modes balance-rr
check "bu flagged" wait_for 5 compliance_is /dev/exabond-bu "0 1 1"
check_eq "ip link set bu up refused" "Error: exabond: bond mode is not in allowed_modes." \
	"$(ip_result link set dev bu up)"
check_eq "bu stays down" false "$(ip -j link show bu | jq '.[0].flags | index("UP") != null')"
check_eq "bu still managed" bu "$(managed_list | tr ' ' '\n' | grep -x bu)"
policy_set allowed_modes active-backup
check "bu compliant again" wait_for 5 compliance_is /dev/exabond-bu "1 0 0"
check_eq "ip link set bu up" ok "$(ip_result link set dev bu up)"
run ip link del bu

### runtime changes never touch a managed bond or its traffic
#   here: br0 (active-backup, primary vr0) over vr0, vs0; 10.199.0.1
#   $peer: vr1 (10.199.0.2), vs1
netns_new peer pol
veth_pair vr0 vr1
veth_pair vs0 vs1
run ip link set vr1 netns "$peer"
run ip link set vs1 netns "$peer"
run ip -n "$peer" link set vr1 up
run ip -n "$peer" link set vs1 up
run ip -n "$peer" addr add 10.199.0.2/24 dev vr1
bond br0 mode active-backup miimon 100 primary vr0
run ip link set vr0 master br0
run ip link set vs0 master br0
run ip link set br0 up
run ip addr add 10.199.0.1/24 dev br0
check "vr0 active" wait_for 10 active_is br0 vr0
manage br0
node=/dev/exabond-br0
check_eq "br0 compliant" "1 0 0" "$(compliance "$node")"
check "ping" ping_ok 10.199.0.2
busybox ping -i 0.2 10.199.0.2 > ping.out 2>&1 &
pinger=$!
on_exit kill "$pinger"
check "the ping gets through" wait_for 10 grep -q 'bytes from' ping.out

before=$(members br0; link_state br0; bond_active br0)
hot_active=$(page "$node" .hot_ifindex)

# policy_breaks PARAM VALUE VIOLATIONS: after PARAM=VALUE, br0 is
# republished non-compliant with VIOLATIONS, and is otherwise untouched.
# The log says so when it was compliant, not again while it is not.
policy_breaks() {
	local gen was
	gen=$(page "$node" .generation)
	was=$(compliance "$node")
	klog_mark
	policy_set "$1" "$2"
	check "br0 flagged ($1=$2)" wait_for 5 compliance_is "$node" "0 $3 1"
	check "  a new generation" test "$(page "$node" .generation)" -gt "$gen"
	check_eq "  event POLICY" "$EVENT_POLICY" "$(page "$node" .event)"
	if [[ "$was" == "1 0 0" ]]; then
		check "  logged" wait_for 2 klog_has "exabond: br0: no longer meets the policy: "
	else
		sleep 0.2
		check_eq "  not logged again" 0 "$(klog_count "exabond: br0: no longer meets")"
	fi
	check_eq "  still managed" br0 "$(managed_list | tr ' ' '\n' | grep -x br0)"
	check_eq "  bond untouched" "$before" "$(members br0; link_state br0; bond_active br0)"
	check_eq "  same active member in the page" "$hot_active" "$(page "$node" .hot_ifindex)"
	check_eq "  up in the page" 1 "$(page "$node" .hot_up)"
}

# policy_restores PARAM VALUE [VIOLATIONS]: br0 is republished with only
# VIOLATIONS left (default none: compliant, which the log says).
policy_restores() {
	local gen want="1 0 0"
	[[ -z "${3:-}" ]] || want="0 $3 1"
	gen=$(page "$node" .generation)
	klog_mark
	policy_set "$1" "$2"
	check "br0 republished ($1=$2): $want" wait_for 5 compliance_is "$node" "$want"
	check "  a new generation" test "$(page "$node" .generation)" -gt "$gen"
	check_eq "  event POLICY" "$EVENT_POLICY" "$(page "$node" .event)"
	[[ -n "${3:-}" ]] ||
		check "  logged" wait_for 2 klog_has "exabond: br0: meets the policy again"
}

policy_breaks allowed_modes balance-rr 1
policy_restores allowed_modes active-backup
policy_breaks allowed_drivers virtio_net 2
policy_restores allowed_drivers ""
policy_breaks max_members 1 8
policy_restores max_members 0
policy_breaks allowed_modes 802.3ad 1
policy_breaks allowed_drivers mlx5_core 3
policy_breaks max_members 1 11
policy_restores allowed_modes active-backup 10
policy_restores allowed_drivers "" 8
policy_restores max_members 0

# A change a bond still meets republishes it compliant (the page shows
# the policy in force).
gen=$(page "$node" .generation)
policy_set allowed_modes active-backup,balance-rr
check "republished" wait_for 5 eval '(( $(page "$node" .generation) > gen ))'
check_eq "  compliant" "1 0 0" "$(compliance "$node")"
policy_set allowed_modes active-backup

# require_link_monitor flags the bond without one (bl), not br0.
manage bl
policy_set require_link_monitor Y
check "bl flagged LINK_MONITOR" wait_for 5 compliance_is /dev/exabond-bl "0 32 1"
check "br0: LINK_MON_REQUIRED" wait_for 5 page_bits_are "$node" .policy.flags 16 16
check_eq "br0 compliant" "1 0 0" "$(compliance "$node")"
check_eq "bl still managed" bl "$(managed_list | tr ' ' '\n' | grep -x bl)"
policy_set require_link_monitor N
check "bl compliant again" wait_for 5 compliance_is /dev/exabond-bl "1 0 0"

# The traffic never stopped.
n=$(grep -c "bytes from" ping.out)
check "ping still answered" wait_for 5 eval '(( $(grep -c "bytes from" ping.out) > n ))'
kill -INT "$pinger"
wait "$pinger" || true
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' ping.out)
got=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' ping.out)
log "ping: $sent sent, $got received"
check "pinged throughout" test "${sent:-0}" -ge 20
check "  no loss (the last may be in flight)" test "${got:-0}" -ge $((sent - 1))
check_eq "br0 still up, same members, same active" "$before" "$(members br0; link_state br0; bond_active br0)"
