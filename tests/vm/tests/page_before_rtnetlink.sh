#!/bin/bash
# vm-timeout: 300
# The page shows a failover before rtnetlink reports it. exabond-order
# spins on RTNLGRP_LINK and loads the page's active member the moment a
# message arrives; over FAILOVERS failovers, back and forth on veth
# members, every member a message reports newly active (bonding's
# NETDEV_CHANGELOWERSTATE, raised after it moved the active pointer) is
# already the page's active member. exabond.ko publishes that event from
# the head of the notifier chain, ahead of rtnetlink's own notifier; with
# it after rtnetlink (exabond.ko before 87ab7f0) the spinning listener sees
# some pages late.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

readonly ORDER=$EXABOND_BUILD/tests/vm/tools/exabond-order
readonly FAILOVERS=${EXABOND_ORDER_FAILOVERS:-40}

veth_pair va0 va1
veth_pair vb0 vb1
managed_ab_bond bond0 va0 vb0
check "va0 is active" wait_for 5 active_is bond0 va0
check "the page says so" wait_for 5 page_active_is /dev/exabond-bond0 va0

# A missed state change would leave the listener waiting: bounded, and
# scaled like wait_for's limits on a slow kernel (run.py --slowdown).
bg_start order timeout $((240 * ${EXABOND_TIMEOUT_SCALE:-1})) \
	"$ORDER" bond0 "$FAILOVERS"
check_eq "the listener is subscribed" listening "$(bg_line order)"

for ((i = 1; i <= FAILOVERS; i++)); do
	active=$(bond_active bond0)
	other=$([[ "$active" == va0 ]] && echo vb0 || echo va0)
	ip link set "${active%0}1" down
	wait_for 5 active_is bond0 "$other" ||
		fail "failover $i: $other did not become active"
	ip link set "${active%0}1" up
	wait_for 5 mii_status_is "$active" UP ||
		fail "failover $i: $active did not come back up"
done
log "$FAILOVERS failovers done"

rc=0
bg_finish order || rc=$?
out=$(bg_output order)
log "$out"
check_eq "the listener's exit status (1: a page was late)" 0 "$rc"
check_eq "members reported active" "$FAILOVERS" \
	"$(grep -cE '^(ok|late) [^ ]+ page ' <<<"$out" || true)"
check_eq "of which the page showed late" 0 \
	"$(grep -c '^late ' <<<"$out" || true)"
