#!/bin/bash
# vm-timeout: 240
# exabond-monitor next to the module (--publish --audit), on a managed
# active-backup bond over two veths: a failover by carrier loss appears
# once in the log, with the members' names and the carrier-loss-to-failover
# time; /metrics and /status reflect it; the monitor's shared-memory page
# equals the kernel's page field by field (everything both derive from the
# bond) before and after; the audit reports no divergence; SIGTERM stops it
# cleanly and leaves its page final.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

# fmt_duration NS: as the monitor prints a duration (transitions.cpp).
fmt_duration() {
	awk -v n="$1" 'BEGIN {
		if (n < 1000) printf "%d ns\n", n
		else if (n < 1000000) printf "%.1f us\n", n / 1e3
		else if (n < 1000000000) printf "%.3f ms\n", n / 1e6
		else printf "%.3f s\n", n / 1e9 }'
}

veth_pair va0 va1
veth_pair vb0 vb1
managed_ab_bond bond0 va0 vb0
check "va0 is active" wait_for 5 active_is bond0 va0

monitor_start mon --publish --audit --audit-grace-ms 500
check "it follows the kernel's page" \
	monitor_logged mon "bond0: managed by exabond.ko; following its page /dev/exabond-bond0"
check "it publishes its own page" \
	monitor_logged mon "bond0: following bond (ifindex $(cat /sys/class/net/bond0/ifindex)), publishing /dev/shm/exabond-bond0"
check "the shared-memory page equals the kernel's" \
	wait_for 5 pages_agree /dev/exabond-bond0 /dev/shm/exabond-bond0
check_eq "the shared-memory page's publisher" 2 \
	"$(probe dump /dev/shm/exabond-bond0 | jq .publisher)"
check_eq "metrics before: failovers" 0 "$(metric 'exabond_failovers_total{bond="bond0"}')"
check_eq "metrics before: node_bonding_slaves" 2 "$(metric 'node_bonding_slaves{master="bond0"}')"
check_eq "metrics before: node_bonding_active" 2 "$(metric 'node_bonding_active{master="bond0"}')"

# --- the failover --------------------------------------------------------------

run ip link set va1 down	# va0 loses carrier; miimon fails over to vb0
check "vb0 is active" wait_for 5 active_is bond0 vb0
check "the failover is logged" \
	wait_for 5 monitor_logged mon "bond0: failover va0 -> vb0"
sleep 1	# anything logged late would be a duplicate
lines=$(monitor_log mon | grep -F "bond0: failover" || true)
log "$lines"
check_eq "the failover is logged once" 1 "$(grep -c . <<<"$lines")"
check "with the carrier-loss-to-failover time" \
	grep -qE "failover va0 -> vb0, [0-9.]+ (ns|us|ms|s) after va0 lost carrier, published [0-9.]+ (ns|us|ms) after the event \(failover 1\)" <<<"$lines"
# The time is the kernel's: last_failover_ns - va0's carrier_changed_ns.
kpage=$(probe dump /dev/exabond-bond0)
want=$(fmt_duration "$(jq -r '.bond.last_failover_ns - (.members[] | select(.name == "va0") | .carrier_changed_ns)' <<<"$kpage")")
log "kernel page: carrier loss to failover $want"
check "the logged time is the kernel page's" \
	grep -qF "failover va0 -> vb0, $want after" <<<"$lines"
check "the member's carrier loss is logged" \
	monitor_logged mon "bond0: member va0 carrier down"
check "the member's link change is logged" \
	monitor_logged mon "bond0: member va0 link UP -> DOWN"

check "metrics: one failover" \
	wait_for 5 metric_is 'exabond_failovers_total{bond="bond0"}' 1
check_eq "metrics: node_bonding_active" 1 "$(metric 'node_bonding_active{master="bond0"}')"
check_eq "metrics: active member info" 1 \
	"$(metric "exabond_active_member_info{bond=\"bond0\",member=\"vb0\",ifindex=\"$(cat /sys/class/net/vb0/ifindex)\"}")"
check_eq "metrics: va0 link failures" 1 \
	"$(metric 'exabond_member_link_failures_total{bond="bond0",member="va0"}')"
check_eq "metrics: one carrier-to-failover observation" 1 \
	"$(metric 'exabond_carrier_to_failover_seconds_count{bond="bond0"}')"
check "metrics: publication lag observed" \
	test "$(metric 'exabond_publication_lag_seconds_count{bond="bond0"}')" -ge 2
st=$(status_json)
check_eq "status: source" kernel "$(jq -r '.bonds[] | select(.page.ifname == "bond0") | .source' <<<"$st")"
check_eq "status: active_slave" vb0 "$(jq -r '.bonds[] | select(.page.ifname == "bond0") | .page.linkinfo.info_data.active_slave // .page.active_slave' <<<"$st")"

check "after the failover the pages agree" \
	wait_for 5 pages_agree /dev/exabond-bond0 /dev/shm/exabond-bond0
check_eq "the shared-memory page counted the failover" 1 \
	"$(probe dump /dev/shm/exabond-bond0 | jq .bond.failover_count)"

# --- back -------------------------------------------------------------------------

run ip link set va1 up
check "va0 link up is logged" wait_for 5 monitor_logged mon "bond0: member va0 link"
check "the pages agree again" \
	wait_for 5 pages_agree /dev/exabond-bond0 /dev/shm/exabond-bond0
sleep 1	# past the audit's 500 ms grace
check_eq "the audit found nothing" "" \
	"$(monitor_log mon | grep -F "audit:" || true)"
check_eq "metrics: no audit divergence" 0 \
	"$(metric 'exabond_monitor_audit_divergences_total')"

# --- stop ----------------------------------------------------------------------------

probe dump /dev/shm/exabond-bond0 > /tmp/shm-before
exec 9< /dev/shm/exabond-bond0	# a reader's open file outlives the name
check "SIGTERM: exit status 0" monitor_stop mon
check "it said it stopped" monitor_logged mon "stopped:"
check "the page name is gone" test ! -e /dev/shm/exabond-bond0
check_eq "the page the reader holds is final" 1 \
	"$(probe dump /proc/self/fd/9 | jq .hot_dead)"
exec 9<&-
check_eq "no error was logged" "" \
	"$(monitor_log mon | grep -E "^(error|critical) " || true)"
