#!/bin/bash
# vm-timeout: 300
# exabond-monitor --publish on bonds the module does not manage (a host
# without the module, as far as these bonds go): libexabond's Bond::open
# finds the shared-memory page by name; every field equals rtnetlink's,
# /proc/net/bonding's and ethtool's view (compare_page.py) before and after
# a failover, also for an 802.3ad bond whose partner is another bond
# (refreshed fields); a waiting reader wakes on the failover; deleting the
# bond makes the page final; a renamed bond's page follows its name. A
# second monitor with a tiny netlink buffer,
# stopped while 120 links come and go, loses events (ENOBUFS), says so,
# resynchronises with a dump and then has every bond right.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

veth_pair va0 va1
veth_pair vb0 vb1
run ip link add bond1 type bond mode active-backup miimon 100
on_exit ip link del bond1
run ip link set va0 master bond1
run ip link set vb0 master bond1
run ip link set bond1 up
check "va0 is active" wait_for 5 active_is bond1 va0

monitor_start mon --publish
check_eq "the library finds the published page" \
	"shared_memory /dev/shm/exabond-bond1" "$(libcheck open bond1)"
check_eq "publisher: exabond-monitor" 2 "$(libcheck dump bond1 | jq .publisher)"
lib_settled "the published page" bond1

bg_start waiter "$EXABOND_LIBCHECK" wait bond1 now 20000 active
check "the reader waits" bg_line waiter
run ip link set va1 down
check "vb0 is active" wait_for 5 active_is bond1 vb0
check "the waiting reader woke" bg_finish waiter
check "it saw vb0 active" grep -q "^changed [0-9]* $(cat /sys/class/net/vb0/ifindex)$" \
	<(bg_output waiter)
lib_settled "the published page after the failover" bond1
check_eq "failover counted" 1 "$(libcheck dump bond1 | jq .bond.failover_count)"
check "the failover is logged" \
	monitor_logged mon "bond1: failover va0 -> vb0"
check "metrics: the page is the monitor's" \
	grep -qE '^exabond_bond_info\{bond="bond1",.*mode="active-backup",.*source="monitor"\} 1$' <(metrics)

# --- 802.3ad with a partner: the refreshed aggregator fields ---------------------

netns_new peer exa
lacp_bonds bond2 "$peer" pbond la lb
partner_known() {
	[[ "$(libcheck dump bond2 | jq -r .ad.partner_mac)" != "00:00:00:00:00:00" ]]
}
check "LACP finds the partner (published page)" wait_for 20 partner_known
# Field by field (lib_settled's name view is for modes with an active
# member: /proc prints none for 802.3ad).
check "the published 802.3ad page equals rtnetlink" wait_for 10 lib_matches bond2
check "and exabond-probe's dump of it" wait_for 10 lib_same_as_probe bond2
check_eq "both ports in the active aggregator" 2 "$(libcheck dump bond2 | jq .ad.num_ports)"
check "the page says which fields are refreshed" \
	test "$(libcheck dump bond2 | jq .policy.refreshed)" -ne 0

# --- a deleted bond's page is final -----------------------------------------------

exec 9< /dev/shm/exabond-bond2
run ip link del bond2
check "the page name is gone" wait_for 5 test ! -e /dev/shm/exabond-bond2
check_eq "the page a reader holds is final" 1 \
	"$(probe dump /proc/self/fd/9 | jq .hot_dead)"
check_eq "with the deletion as its event" 3 "$(probe dump /proc/self/fd/9 | jq .event)"
exec 9<&-
check "the deletion is logged" monitor_logged mon "bond2: deleted; the page is final"

# --- event loss: ENOBUFS and the resync --------------------------------------------

monitor_start small --listen 127.0.0.1:9468 --rcvbuf 4096
kill -STOP "$small_pid"
for i in $(seq 0 59); do
	ip link add "x$i" type veth peer name "y$i"
done
run ip link set va1 up
run ip link set vb1 down	# bond1 fails back to va0 while the monitor sleeps
check "va0 is active again" wait_for 5 active_is bond1 va0
for i in $(seq 0 59); do
	ip link del "x$i"
done
kill -CONT "$small_pid"
check "the loss is logged" wait_for 10 monitor_logged small \
	"rtnetlink: receive buffer overrun (ENOBUFS): events were lost; resynchronising with a full dump"
check "the resync is logged" wait_for 10 monitor_logged small "rtnetlink: resync done:"
check "metrics: resyncs counted" \
	test "$(metric exabond_monitor_netlink_resyncs_total 9468)" -ge 1
check "after the resync: bond1's active member" wait_for 5 \
	metric_is "exabond_active_member_info{bond=\"bond1\",member=\"va0\",ifindex=\"$(cat /sys/class/net/va0/ifindex)\"}" 1 9468
check "after the resync: one of bond1's members is up" \
	metric_is 'node_bonding_active{master="bond1"}' 1 9468
check_eq "after the resync: the bonds it follows" "bond1" \
	"$(status_json 9468 | jq -r '[.bonds[].page.ifname] | sort | join(" ")')"
check "SIGTERM stops it" monitor_stop small

# --- a rename: the page follows the name; SIGHUP: a clean resync ------------------

run ip link set bond1 down
run ip link set bond1 name bondR
on_exit ip link del bondR
run ip link set bondR up
check "the rename is logged" wait_for 5 monitor_logged mon "bond1: renamed to bondR"
check "the old page name is gone" wait_for 5 test ! -e /dev/shm/exabond-bond1
check_eq "the library finds the page by the new name" \
	"shared_memory /dev/shm/exabond-bondR" "$(libcheck open bondR)"
lib_settled "the renamed bond's page" bondR
kill -HUP "$mon_pid"
check "SIGHUP re-reads every link" wait_for 5 monitor_logged mon \
	"rtnetlink: resync done:"
check "a resync of an unchanged host changes no page" \
	monitor_logged mon ", 0 pages changed"
check "SIGTERM stops the publisher" monitor_stop mon
check_eq "no error was logged" "" \
	"$(monitor_log mon | grep -E "^(error|critical) " || true)"
