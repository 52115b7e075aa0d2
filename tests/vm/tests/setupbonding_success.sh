#!/bin/bash
# examples/setupbonding, named form, on the dual-port card (card0p0 and
# card0p1): the bond is created in the mode and with the miimon asked for,
# managed, both members enslaved, the primary set, an IPv4 and an IPv6
# address added, the bond up with an active member, and the page agrees;
# the summary says so. Running the same command again (and spelling the
# mode and the IPv6 address differently) exits 0 and changes nothing, not
# even the page's generation; so does its dry run, which prints nothing
# to do.
# vm-timeout: 180
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
source "$EXABOND_REPO/tests/vm/guest/setupbonding_lib.sh"

c00=$(nic card0p0)
c01=$(nic card0p1)
bond=sbs
node=/dev/exabond-$bond

keep_admin "$c00"
keep_admin "$c01"
# c00 starts up, c01 down: both must end up enslaved.
run ip link set dev "$c00" up
run ip link set dev "$c01" down
on_exit ip link del "$bond"

sb --mode active-backup --miimon 150 --primary "$c01" \
	-a 192.0.2.10/24 -a 2001:db8:5b::10/64 "$bond" "$c00" "$c01"
check_eq "exit status" 0 "$rc"
check_eq "nothing on stderr" "" "$err"
check_eq "the commands it ran" "+ ip link add $bond type bond mode active-backup miimon 150
+ echo +$bond > /sys/class/net/exabond_masters
+ ip link set dev $c00 down
+ ip link set dev $c00 master $bond
+ ip link set dev $c01 master $bond
+ ip link set dev $bond type bond primary $c01
+ ip addr add 192.0.2.10/24 dev $bond
+ ip addr add 2001:db8:5b::10/64 dev $bond
+ ip link set dev $bond up" "$(grep '^+ ' <<<"$out")"

check_eq "kind" bond "$(ip -d -j link show dev "$bond" | jq -r '.[0].linkinfo.info_kind')"
check_eq "mode" active-backup "$(bond_info "$bond" .mode)"
check_eq "miimon" 150 "$(bond_info "$bond" .miimon)"
check_eq "primary" "$c01" "$(bond_info "$bond" .primary)"
check "managed" is_managed "$bond"
check "its node exists" test -c "$node"
check_eq "members" "$c00 $c01" "$(members "$bond")"
check "$bond is up" is_up "$bond"
check_eq "addresses" "192.0.2.10/24
2001:db8:5b::10/64" "$(addrs_of "$bond")"
check "an active member" wait_for 10 active_is "$bond" "$c01"
check "summary: mode and miimon" grep -qxF "$bond: mode active-backup, miimon 150, up" <<<"$out"
check "summary: members" grep -qxF "  members: $c00 $c01" <<<"$out"
check "summary: the active member" grep -qxF "  active member: $c01" <<<"$out"
check "summary: the node" grep -qxF "  managed by exabond: $node" <<<"$out"
check "summary: addresses" grep -qxF "  addresses: 192.0.2.10/24 2001:db8:5b::10/64" <<<"$out"

# The page agrees with bonding.
check_eq "page: name" "$bond" "$(page "$node" .bond.name)"
check_eq "page: mode (1, active-backup)" 1 "$(page "$node" .bond.mode)"
check_eq "page: miimon" 150 "$(page "$node" .bond.miimon)"
check_eq "page: two members" 2 "$(page "$node" .bond.members_total)"
check_eq "page: member names" "$c00 $c01" "$(page "$node" '[.members[].name] | join(" ")')"
check_eq "page: primary" "$c01" "$(page "$node" .bond.primary)"
check "page: the active member" wait_for 10 page_active_is "$node" "$c01"
check_eq "page: compliant, no violation" "1 0 0" "$(compliance "$node")"
check "page: every field equals rtnetlink's" wait_for 10 page_matches "$node" "$bond"

# Again: nothing to do, nothing changed.
check "the page is quiet" wait_for 10 page_settled "$node"
before=$(sys_state)
sb --mode 1 --miimon 150 --primary "$c01" \
	-a 192.0.2.10/24 -a 2001:DB8:5B:0::10/64 "$bond" "$c00" "$c01"
check_eq "again: exit status" 0 "$rc"
check_eq "again: nothing on stderr" "" "$err"
check "again: says nothing changed" grep -qxF "setupbonding: $bond is already set up: nothing changed" <<<"$out"
check "again: ran no command" eval "! grep -q '^+ ' <<<\"\$out\""
same_state "again" "$before"

sb --dry-run -m active-backup -i 150 --primary "$c01" \
	-a 192.0.2.10/24 -a 2001:db8:5b::10/64 "$bond" "$c00" "$c01"
check_eq "dry run of it again: exit status" 0 "$rc"
check_eq "dry run of it again: output" "setupbonding: $bond is already set up: nothing to do" "$out"
same_state "dry run of it again" "$before"

# A subset of the members and addresses is set up too.
sb -i 150 "$bond" "$c01"
check_eq "a subset: exit status" 0 "$rc"
same_state "a subset" "$before"

# -q: silent.
sb -q -i 150 "$bond" "$c00" "$c01"
check_eq "quiet: exit status" 0 "$rc"
check_eq "quiet: no output" "" "$out$err"
same_state "quiet" "$before"

soft_verdict
