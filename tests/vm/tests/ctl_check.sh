#!/bin/bash
# vm-timeout: 240
# exabondctl check: one line per rule, exit 0 when nothing fails, 1
# otherwise.
#  - active-backup over the dual-port card (card0p0 + card0p1): every
#    policy check OK, and RoCE LAG counted (--roce-lag) is OK too: two
#    functions of one PCI slot;
#  - the same bond once max_members is 1: FAIL policy.max_members and
#    policy.compliant, exit 1;
#  - 802.3ad over veths whose peers are an 802.3ad bond in another
#    namespace: LACP negotiates, partner MAC known, both ports in one
#    aggregator: exit 0;
#  - 802.3ad over a veth whose peer is no bond: partner MAC all zero:
#    FAIL lacp.partner_mac, exit 1.
#
#   init netns                         $ns
#   bondL (802.3ad) -- la0 ==== la1 -- bondP (802.3ad)
#                   -- lb0 ==== lb1 --
#   bondN (802.3ad) -- lc0 ==== lc1 (no partner)
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

# line_is RESULT CHECK: the last `ctl` output has "RESULT  CHECK  ...".
line_is() { grep -qE "^$1 +$2 " <<<"$out"; }

# check_passes BOND: exabondctl check BOND exits 0; for wait_for.
check_passes() { "$EXABONDCTL" check "$1" >/dev/null 2>&1; }

on_exit policy_reset

# --- compliant: the dual-port card ------------------------------------------------

p0=$(nic card0p0)
p1=$(nic card0p1)
run ip link set "$p0" down
run ip link set "$p1" down
managed_ab_bond bondC "$p0" "$p1"
ctl check bondC
soft_check_eq "check bondC: exit status" 0 "$rc"
soft_check "OK policy.mode" line_is OK policy.mode
soft_check "OK policy.member $p0 (virtio_net)" line_is OK "policy.member $p0"
soft_check "OK policy.max_members" line_is OK policy.max_members
soft_check "OK policy.link_monitor" line_is OK policy.link_monitor
soft_check "OK policy.compliant" line_is OK policy.compliant
soft_check "INFO roce_lag.members: same card" line_is INFO roce_lag.members
soft_check "summary" grep -qx "bondC: all checks passed" <<<"$out"
ctl check --roce-lag bondC
soft_check_eq "check --roce-lag bondC: exit status" 0 "$rc"
soft_check "OK roce_lag.members" line_is OK roce_lag.members
soft_check "OK roce_lag.eligible" line_is OK roce_lag.eligible
ctl check --json bondC
soft_check_eq "check --json: passed" "true" "$(jq .passed <<<"$out")"
soft_check "check --json: checks listed" jq -e '.checks | length > 5' <<<"$out"

# --- non-compliant ---------------------------------------------------------------------

policy_set max_members 1
check "the page says non-compliant" wait_for 5 page_bits_are /dev/exabond-bondC .policy.flags 1 0
ctl check bondC
soft_check_eq "check bondC (max_members 1): exit status" 1 "$rc"
soft_check "FAIL policy.max_members" line_is FAIL policy.max_members
soft_check "FAIL policy.compliant" line_is FAIL policy.compliant
soft_check "summary says FAILED" grep -qx "bondC: some checks FAILED" <<<"$out"
policy_set max_members 0
run ip link del bondC

# --- 802.3ad with and without a partner ----------------------------------------------

policy_set allowed_modes active-backup,802.3ad
netns_new ns ctl
lacp_bonds bondL "$ns" bondP la lb
manage bondL

run ip link add lc0 type veth peer name lc1
on_exit ip link del lc0

run ip link add bondN type bond mode 802.3ad miimon 100 lacp_rate fast
on_exit ip link del bondN
run ip link set lc0 master bondN
run ip link set lc1 up
run ip link set bondN up
manage bondN

check "LACP negotiates: check bondL passes" wait_for 40 check_passes bondL
ctl check bondL
soft_check_eq "check bondL: exit status" 0 "$rc"
soft_check "OK lacp.partner_mac" line_is OK lacp.partner_mac
soft_check "OK lacp.one_aggregator" line_is OK lacp.one_aggregator
soft_check "OK lacp.link_monitor" line_is OK lacp.link_monitor
partner=$(awk '/Partner Mac Address:/ { print $4; exit }' /proc/net/bonding/bondL)
soft_check "the partner MAC is /proc's ($partner)" grep -qF "partner $partner" <<<"$out"

ctl check bondN
soft_check_eq "check bondN (no partner): exit status" 1 "$rc"
soft_check "FAIL lacp.partner_mac" line_is FAIL lacp.partner_mac
soft_check "OK policy.compliant: LACP health is not policy" line_is OK policy.compliant

# --- errors ---------------------------------------------------------------------------

ctl check nosuch
soft_check_eq "check nosuch: exit status" 3 "$rc"
soft_check_eq "check nosuch: message" "exabondctl: nosuch: no such interface" "$err"
ctl check
soft_check_eq "check: exit status" 2 "$rc"
soft_check_eq "check: first line" "exabondctl: check which bond?" "$(head -n1 <<<"$err")"

soft_verdict
