#!/bin/bash
# examples/setupbonding: a step that fails after validation undoes every
# change made before it, last first, and exits 4 saying which step failed
# and that it rolled back; what it cannot undo makes it exit 5, naming it.
# A pre-existing bond, its members and addresses are never undone.
#  - injected failures (an `ip` first in PATH that fails one exact
#    command): the second enslave; bringing the bond up (after primary and
#    addresses); adding an address to a pre-existing, managed bond; adding
#    the address in the Exasock form, after it removed the old ones (they
#    come back, secondaries too); an undo that fails as well (exit 5);
#  - real refusals validation cannot foresee: bonding refuses to enslave a
#    member that has a macvlan on it (its rx handler is taken), and IPv6
#    refuses an address on a bond created with IPv6 disabled.
# vm-timeout: 300
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
source "$EXABOND_REPO/tests/vm/guest/setupbonding_lib.sh"

c00=$(nic card0p0)
c01=$(nic card0p1)
bond=sbr
P="setupbonding:"
fake=$PWD/fake
keep_admin "$c00"
keep_admin "$c01"
on_exit ip link del "$bond"

# err_line N: line N of the last run's stderr.
err_line() { sed -n "${1}p" <<<"$err"; }

### The second enslave fails: the first member, management and the bond
### are undone; the first member is up again, as it was.
run ip link set dev "$c00" up
run ip link set dev "$c01" down
fake_ip "$fake" "link set dev $c01 master $bond"
before=$(sys_state)
PATH=$fake:$PATH sb -a 10.55.0.1/24 "$bond" "$c00" "$c01"
check_eq "second enslave: exit status" 4 "$rc"
check_eq "second enslave: the step" \
	"$P step failed: enslave $c01 to $bond (ip link set dev $c01 master $bond): Error: injected failure." \
	"$(err_line 1)"
check_eq "second enslave: rolled back" "$P rolled back: undid all 4 change(s)" "$(err_line 2)"
check_eq "second enslave: two lines" 2 "$(wc -l <<<"$err")"
check_eq "second enslave: the undo, last change first" "- ip link set dev $c00 nomaster
- ip link set dev $c00 up
- echo -$bond > /sys/class/net/exabond_masters
- ip link del dev $bond" "$(grep '^- ' <<<"$out")"
check "second enslave: no bond" test ! -e "/sys/class/net/$bond"
check "second enslave: not managed" eval "! is_managed $bond"
check "second enslave: $c00 up again" is_up "$c00"
settles_to "second enslave" "$before"

### Bringing the bond up fails: addresses, primary, members, management
### and the bond are undone.
fake_ip "$fake" "link set dev $bond up"
before=$(sys_state)
PATH=$fake:$PATH sb --primary "$c01" -a 10.55.0.1/24 -a 2001:db8:55::1/64 \
	"$bond" "$c00" "$c01"
check_eq "bring-up: exit status" 4 "$rc"
check_eq "bring-up: the step" \
	"$P step failed: bring $bond up (ip link set dev $bond up): Error: injected failure." \
	"$(err_line 1)"
check_eq "bring-up: rolled back" "$P rolled back: undid all 8 change(s)" "$(err_line 2)"
check_eq "bring-up: the undo" "- ip addr del 2001:db8:55::1/64 dev $bond
- ip addr del 10.55.0.1/24 dev $bond
- echo > /sys/class/net/$bond/bonding/primary
- ip link set dev $c01 nomaster
- ip link set dev $c00 nomaster
- ip link set dev $c00 up
- echo -$bond > /sys/class/net/exabond_masters
- ip link del dev $bond" "$(grep '^- ' <<<"$out")"
settles_to "bring-up" "$before"

### An undo that fails too: exit 5, naming what is left.
fake_ip "$fake" "link set dev $bond up" "link set dev $c01 nomaster"
PATH=$fake:$PATH sb "$bond" "$c00" "$c01"
check_eq "failed undo: exit status" 5 "$rc"
check_eq "failed undo: the step" \
	"$P step failed: bring $bond up (ip link set dev $bond up): Error: injected failure." \
	"$(err_line 1)"
check_eq "failed undo: what is left" \
	"$P rollback incomplete: undid 4 change(s); could not undo: enslave $c01 to $bond (undo failed: Error: injected failure.)" \
	"$(err_line 2)"
# Deleting the bond (an undo that worked) released c01 all the same.
check "failed undo: no bond" test ! -e "/sys/class/net/$bond"
run ip link set dev "$c00" up

### Real: bonding refuses a member with a macvlan on it ("Device is in use").
run ip link set dev "$c01" up
run ip link add sbrmv link "$c01" type macvlan
on_exit ip link del sbrmv
before=$(sys_state)
sb -a 10.55.0.1/24 "$bond" "$c00" "$c01"
check_eq "macvlan: exit status" 4 "$rc"
check_eq "macvlan: the step" \
	"$P step failed: enslave $c01 to $bond (ip link set dev $c01 master $bond): Error: Device is in use and cannot be enslaved." \
	"$(err_line 1)"
check_eq "macvlan: rolled back" "$P rolled back: undid all 5 change(s)" "$(err_line 2)"
check "macvlan: $c01 up again" is_up "$c01"
settles_to "macvlan" "$before"
run ip link del sbrmv
run ip link set dev "$c01" down

### Real: no IPv6 on a bond created with IPv6 disabled.
old=$(sysctl -n net.ipv6.conf.default.disable_ipv6)
on_exit sysctl -qw "net.ipv6.conf.default.disable_ipv6=$old"
run sysctl -qw net.ipv6.conf.default.disable_ipv6=1
before=$(sys_state)
sb -a 10.55.0.1/24 -a 2001:db8:55::1/64 "$bond" "$c00" "$c01"
check_eq "IPv6 disabled: exit status" 4 "$rc"
check_eq "IPv6 disabled: the step" \
	"$P step failed: add 2001:db8:55::1/64 to $bond (ip addr add 2001:db8:55::1/64 dev $bond): RTNETLINK answers: Permission denied" \
	"$(err_line 1)"
check_eq "IPv6 disabled: rolled back" "$P rolled back: undid all 6 change(s)" "$(err_line 2)"
settles_to "IPv6 disabled" "$before"
run sysctl -qw "net.ipv6.conf.default.disable_ipv6=$old"

### A pre-existing, managed bond: only what this run added is undone.
run ip link add "$bond" type bond mode active-backup miimon 100
run ip link set dev "$c00" down
run ip link set dev "$c00" master "$bond"
run ip addr add 10.66.0.1/24 dev "$bond"
run ip link set dev "$bond" up
manage "$bond"
check "the page is quiet" wait_for 10 page_settled "/dev/exabond-$bond"
fake_ip "$fake" "addr add 10.66.1.1/24 dev $bond"
export SB_NO_GENERATION=1
before=$(sys_state)
PATH=$fake:$PATH sb -i 250 --primary "$c01" -a 10.66.0.1/24 -a 10.66.1.1/24 \
	"$bond" "$c00" "$c01"
check_eq "pre-existing: exit status" 4 "$rc"
check_eq "pre-existing: the step" \
	"$P step failed: add 10.66.1.1/24 to $bond (ip addr add 10.66.1.1/24 dev $bond): Error: injected failure." \
	"$(err_line 1)"
check_eq "pre-existing: rolled back" "$P rolled back: undid all 3 change(s)" "$(err_line 2)"
check_eq "pre-existing: the undo" "- echo > /sys/class/net/$bond/bonding/primary
- ip link set dev $c01 nomaster
- ip link set dev $bond type bond miimon 100" "$(grep '^- ' <<<"$out")"
check "pre-existing: still managed" is_managed "$bond"
check_eq "pre-existing: its member" "$c00" "$(members "$bond")"
check_eq "pre-existing: its address" 10.66.0.1/24 "$(addrs_of "$bond")"
check "pre-existing: up" is_up "$bond"
check_eq "pre-existing: miimon" 100 "$(bond_info "$bond" .miimon)"
settles_to "pre-existing" "$before"
check_eq "pre-existing: the page agrees" 100 "$(page "/dev/exabond-$bond" .bond.miimon)"
run ip link del "$bond"
unset SB_NO_GENERATION

### The Exasock form removed the old addresses, then adding fails: they
### come back, the secondary as a secondary.
veth_pair sbx0 sbx1
run ip addr add 10.77.9.9/24 dev sbx0
run ip addr add 10.77.9.10/24 dev sbx0
run ip addr add 2001:db8:77::9/64 dev sbx0
fake_ip "$fake" "addr add 10.77.0.1/24 dev sbx0"
before=$(sys_state)
PATH=$fake:$PATH sb 0 sbx0 10.77.0.1/24
check_eq "Exasock form: exit status" 4 "$rc"
check_eq "Exasock form: the step" \
	"$P step failed: add 10.77.0.1/24 to sbx0 (ip addr add 10.77.0.1/24 dev sbx0): Error: injected failure." \
	"$(err_line 1)"
check_eq "Exasock form: rolled back" "$P rolled back: undid all 3 change(s)" "$(err_line 2)"
settles_to "Exasock form" "$before"

soft_verdict
