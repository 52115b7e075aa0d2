#!/bin/bash
# examples/setupbonding --dry-run: after full validation it prints the
# commands it would run, one a line, exits 0 and changes nothing (links,
# addresses, managed bonds, pages, modules, policy); the real run then
# runs exactly those commands. On a bond that is partly set up it prints
# only what is missing; in the Exasock form, the address replacement.
# vm-timeout: 180
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
source "$EXABOND_REPO/tests/vm/guest/setupbonding_lib.sh"

c00=$(nic card0p0)
c01=$(nic card0p1)
bond=sbd
keep_admin "$c00"
keep_admin "$c01"
run ip link set dev "$c00" up

### A new bond
args=(-m active-backup -i 120 --primary "$c01" -a 198.51.100.7/24
	-a 2001:db8:d::7/64 "$bond" "$c00" "$c01")
want="+ ip link add $bond type bond mode active-backup miimon 120
+ echo +$bond > /sys/class/net/exabond_masters
+ ip link set dev $c00 down
+ ip link set dev $c00 master $bond
+ ip link set dev $c01 master $bond
+ ip link set dev $bond type bond primary $c01
+ ip addr add 198.51.100.7/24 dev $bond
+ ip addr add 2001:db8:d::7/64 dev $bond
+ ip link set dev $bond up"
before=$(sys_state)
sb --dry-run "${args[@]}"
check_eq "new bond: exit status" 0 "$rc"
check_eq "new bond: nothing on stderr" "" "$err"
check_eq "new bond: the commands" "$want" "$out"
same_state "new bond" "$before"
sb -n -q "${args[@]}"
check_eq "new bond, -n -q: the commands all the same" "$want" "$out"
same_state "new bond, -n -q" "$before"

# The real run runs exactly those.
on_exit ip link del "$bond"
sb "${args[@]}"
check_eq "the real run: exit status" 0 "$rc"
check_eq "the real run ran the commands of the dry run" "$want" "$(grep '^+ ' <<<"$out")"
run ip link del "$bond"

### A bond partly set up: managed, one member, down.
run ip link add "$bond" type bond mode active-backup miimon 100
run ip link set dev "$c00" down
run ip link set dev "$c00" master "$bond"
manage "$bond"
run ip addr add 198.51.100.7/24 dev "$bond"
check "the page is quiet" wait_for 10 page_settled "/dev/exabond-$bond"
before=$(sys_state)
sb -n -a 198.51.100.7/24 -a 198.51.100.8/24 "$bond" "$c00" "$c01"
check_eq "partly set up: exit status" 0 "$rc"
check_eq "partly set up: only what is missing" "+ ip link set dev $c01 master $bond
+ ip addr add 198.51.100.8/24 dev $bond
+ ip link set dev $bond up" "$out"
same_state "partly set up" "$before"

sb -n -i 300 "$bond" "$c00"
check_eq "another miimon: exit status" 0 "$rc"
check_eq "another miimon: the commands" "+ ip link set dev $bond type bond miimon 300
+ ip link set dev $bond up" "$out"
same_state "another miimon" "$before"

### The Exasock form: the replacement of addresses.
sb -n 1 "$bond" 198.51.100.9/24 "$c00"
check_eq "Exasock form: exit status" 0 "$rc"
check_eq "Exasock form: the commands" "+ ip link set dev $bond type bond miimon 200
+ ip addr del 198.51.100.7/24 dev $bond
+ ip addr add 198.51.100.9/24 dev $bond
+ ip link set dev $bond up" "$out"
same_state "Exasock form" "$before"

### A dry run that fails validation says why, as the real run would.
expect_invalid 3 "setupbonding: mode balance-rr is not in exabond's allowed_modes (active-backup)" \
	-n -m balance-rr sbd2 "$c01"

soft_verdict
