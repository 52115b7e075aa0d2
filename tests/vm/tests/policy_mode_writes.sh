#!/bin/bash
# Mode writes on a managed bond, through sysfs bonding/mode and through
# ip link set BOND type bond mode: a mode outside allowed_modes fails at
# write time with EOPNOTSUPP and the mode (and the page) stays; an allowed
# one goes through. The same writes succeed again after -bond and after
# rmmod exabond. With require_link_monitor=Y, turning off a bond's last
# link monitor (miimon or arp_interval to 0) fails the same way.
#
# Bonding refuses a mode change itself on an up bond (EBUSY) or one with
# members (ENOTEMPTY) before anyone else is asked, so the bonds whose mode
# is written are down and empty.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

mode_of() { cut -d' ' -f1 "/sys/class/net/$1/bonding/mode"; }
nl_mode_of() { ip -j -d link show "$1" | jq -r '.[0].linkinfo.info_data.mode'; }
opt_of() { cat "/sys/class/net/$1/bonding/$2"; }

# sysfs_mode_refused BOND MODE: EOPNOTSUPP, nothing changed.
sysfs_mode_refused() {
	local before gen node=/dev/exabond-$1
	before=$(mode_of "$1")
	gen=$(page "$node" .generation)
	check_eq "sysfs: $1 mode <- $2 refused" EOPNOTSUPP \
		"$(write_file "/sys/class/net/$1/bonding/mode" "$2\\n")"
	check_eq "  mode unchanged" "$before" "$(mode_of "$1")"
	check_eq "  page unchanged" "$gen" "$(page "$node" .generation)"
}

# ip_mode_refused BOND MODE: ip fails with EOPNOTSUPP, nothing changed.
ip_mode_refused() {
	local before gen node=/dev/exabond-$1
	before=$(nl_mode_of "$1")
	gen=$(page "$node" .generation)
	check_eq "ip: $1 mode $2 refused" "RTNETLINK answers: Operation not supported" \
		"$(ip_result link set dev "$1" type bond mode "$2")"
	check_eq "  mode unchanged" "$before" "$(nl_mode_of "$1")"
	check_eq "  page unchanged" "$gen" "$(page "$node" .generation)"
}

run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
manage bond0
node=/dev/exabond-bond0
check "hooked: no NO_HOOK flag" page_bits_are "$node" .policy.flags 32 0
check "quiet" wait_for 10 page_settled "$node"

### refused while managed (default policy: active-backup only)
klog_mark
sysfs_mode_refused bond0 balance-rr
check "logged (sysfs)" wait_for 2 klog_has "exabond: bond0: refused mode balance-rr: "
klog_mark
ip_mode_refused bond0 balance-xor
check "logged (ip)" wait_for 2 klog_has "exabond: bond0: refused mode balance-xor: "
for m in balance-xor broadcast 802.3ad balance-tlb balance-alb 0 6; do
	sysfs_mode_refused bond0 "$m"
done
for m in balance-rr broadcast 802.3ad balance-tlb balance-alb; do
	ip_mode_refused bond0 "$m"
done
check_eq "page: still active-backup" 1 "$(page "$node" .bond.mode)"

# The allowed mode itself is fine, through both paths.
check_eq "sysfs: mode <- active-backup" ok \
	"$(write_file /sys/class/net/bond0/bonding/mode 'active-backup\n')"
check_eq "ip: mode active-backup" ok "$(ip_result link set dev bond0 type bond mode active-backup)"

# A second allowed mode is reachable; the rest are still refused.
policy_set allowed_modes active-backup,802.3ad
check_eq "sysfs: mode <- 802.3ad (allowed)" ok \
	"$(write_file /sys/class/net/bond0/bonding/mode '802.3ad\n')"
check_eq "  mode" 802.3ad "$(mode_of bond0)"
check "  page follows" wait_for 5 page_is "$node" .bond.mode 4
ip_mode_refused bond0 balance-rr
check_eq "ip: mode active-backup (allowed)" ok \
	"$(ip_result link set dev bond0 type bond mode active-backup)"
check_eq "  mode" active-backup "$(nl_mode_of bond0)"
check "  page follows" wait_for 5 page_is "$node" .bond.mode 1
sysfs_mode_refused bond0 balance-tlb
policy_set allowed_modes active-backup

### after -bond0: bonding alone decides
check_eq "-bond0" ok "$(ctl_write "b'-bond0\n'")"
check_eq "sysfs: mode <- balance-rr, unmanaged" ok \
	"$(write_file /sys/class/net/bond0/bonding/mode 'balance-rr\n')"
check_eq "  mode" balance-rr "$(mode_of bond0)"
check_eq "ip: mode balance-xor, unmanaged" ok "$(ip_result link set dev bond0 type bond mode balance-xor)"
check_eq "  mode" balance-xor "$(nl_mode_of bond0)"
run ip link set dev bond0 type bond mode active-backup

### after rmmod exabond (bond0 managed when it goes)
manage bond0
sysfs_mode_refused bond0 balance-rr
run rmmod exabond
on_exit insmod "$EXABOND_MODULE"
check "exabond unloaded" eval "! grep -q '^exabond ' /proc/modules"
check_eq "sysfs: mode <- balance-rr, no exabond" ok \
	"$(write_file /sys/class/net/bond0/bonding/mode 'balance-rr\n')"
check_eq "  mode" balance-rr "$(mode_of bond0)"
check_eq "ip: mode balance-xor, no exabond" ok "$(ip_result link set dev bond0 type bond mode balance-xor)"
check_eq "  mode" balance-xor "$(nl_mode_of bond0)"
check_eq "sysfs: mode <- 802.3ad, no exabond" ok \
	"$(write_file /sys/class/net/bond0/bonding/mode '802.3ad\n')"
run insmod "$EXABOND_MODULE"
check_eq "reloaded with the default policy" active-backup "$(policy_get allowed_modes)"
# A bond in a mode the policy does not allow cannot be managed.
check_eq "+bond0 in 802.3ad" EOPNOTSUPP "$(write_file "$EXABOND_CTL" '+bond0\n')"
run ip link set dev bond0 type bond mode active-backup
manage bond0
sysfs_mode_refused bond0 802.3ad
ip_mode_refused bond0 balance-rr

### require_link_monitor: the last link monitor stays on
# bond1 monitors with miimon, bond2 with ARP (which bonding keeps
# exclusive: setting one turns the other off).
run ip link add bond1 type bond mode active-backup miimon 100
on_exit ip link del bond1
run ip link add bond2 type bond mode active-backup arp_interval 100 arp_ip_target 192.0.2.1
on_exit ip link del bond2
manage bond1
manage bond2
check_eq "bond2: no miimon" 0 "$(opt_of bond2 miimon)"
policy_set require_link_monitor Y
check "LINK_MON_REQUIRED in bond1's page" \
	wait_for 5 page_bits_are /dev/exabond-bond1 .policy.flags 16 16
check "quiet" wait_for 10 page_settled /dev/exabond-bond1
check "quiet" wait_for 10 page_settled /dev/exabond-bond2

gen1=$(page /dev/exabond-bond1 .generation)
klog_mark
check_eq "sysfs: bond1 miimon <- 0 refused" EOPNOTSUPP \
	"$(write_file /sys/class/net/bond1/bonding/miimon '0\n')"
check "  logged" wait_for 2 klog_has "exabond: bond1: refused miimon 0: "
check_eq "ip: bond1 miimon 0 refused" "RTNETLINK answers: Operation not supported" \
	"$(ip_result link set dev bond1 type bond miimon 0)"
check_eq "  miimon unchanged" 100 "$(opt_of bond1 miimon)"
check_eq "  page unchanged" "$gen1" "$(page /dev/exabond-bond1 .generation)"
check_eq "sysfs: bond1 miimon <- 200 (still monitored)" ok \
	"$(write_file /sys/class/net/bond1/bonding/miimon '200\n')"
check_eq "ip: bond1 miimon 150" ok "$(ip_result link set dev bond1 type bond miimon 150)"
check_eq "  miimon" 150 "$(opt_of bond1 miimon)"

gen2=$(page /dev/exabond-bond2 .generation)
klog_mark
check_eq "sysfs: bond2 arp_interval <- 0 refused" EOPNOTSUPP \
	"$(write_file /sys/class/net/bond2/bonding/arp_interval '0\n')"
check "  logged" wait_for 2 klog_has "exabond: bond2: refused arp_interval 0: "
check_eq "ip: bond2 arp_interval 0 refused" "RTNETLINK answers: Operation not supported" \
	"$(ip_result link set dev bond2 type bond arp_interval 0)"
check_eq "  arp_interval unchanged" 100 "$(opt_of bond2 arp_interval)"
check_eq "  page unchanged" "$gen2" "$(page /dev/exabond-bond2 .generation)"
# miimon 0 while ARP monitors is no change of monitor: allowed.
check_eq "sysfs: bond2 miimon <- 0 (ARP still on)" ok \
	"$(write_file /sys/class/net/bond2/bonding/miimon '0\n')"
check_eq "ip: bond2 miimon 0 (ARP still on)" ok "$(ip_result link set dev bond2 type bond miimon 0)"
check_eq "  arp_interval" 100 "$(opt_of bond2 arp_interval)"
# Switching monitors keeps one on: allowed; then ARP off is allowed too.
check_eq "sysfs: bond2 miimon <- 100 (replaces ARP)" ok \
	"$(write_file /sys/class/net/bond2/bonding/miimon '100\n')"
check_eq "  ARP is off" 0 "$(opt_of bond2 arp_interval)"
check_eq "ip: bond2 arp_interval 0 (MII on)" ok "$(ip_result link set dev bond2 type bond arp_interval 0)"
check_eq "  miimon" 100 "$(opt_of bond2 miimon)"

# Without the requirement the same write goes through, and the page says
# the bond has no link monitor.
policy_set require_link_monitor N
check "LINK_MON_REQUIRED cleared" \
	wait_for 5 page_bits_are /dev/exabond-bond1 .policy.flags 16 0
check_eq "sysfs: bond1 miimon <- 0, not required" ok \
	"$(write_file /sys/class/net/bond1/bonding/miimon '0\n')"
check_eq "  miimon" 0 "$(opt_of bond1 miimon)"
check "  NO_LINK_MON in the page" \
	wait_for 5 page_bits_are /dev/exabond-bond1 .policy.flags 4 4
check_eq "  still compliant" "1 0 0" \
	"$(page /dev/exabond-bond1 '"\(.policy.flags % 2) \(.policy.violations) \(.hot_noncompliant)"')"
check_eq "ip: bond2 miimon 0, not required" ok "$(ip_result link set dev bond2 type bond miimon 0)"
check_eq "managed" "bond0 bond1 bond2" "$(managed_list)"
