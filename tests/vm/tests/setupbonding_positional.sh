#!/bin/bash
# examples/setupbonding, the Exasock form, on veths:
#  - "1 BOND ADDR MEMBER..." creates an active-backup bond with miimon 200,
#    manages it, enslaves the members, gives it exactly ADDR and brings it
#    up; again, it changes nothing (also with ADDR's netmask spelled
#    dotted);
#  - it replaces addresses: others (IPv4 and IPv6, global) go, ADDR stays,
#    link-local addresses stay;
#  - "0 DEV ADDR" only (re)addresses DEV and brings it up, members given
#    to it are ignored with a warning; again, it changes nothing;
#  - too few operands, or a named-form option with it, is a usage error.
# vm-timeout: 240
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
source "$EXABOND_REPO/tests/vm/guest/setupbonding_lib.sh"

veth_pair spa0 spa1
veth_pair spb0 spb1
veth_pair spc0 spc1
bond=sbp
node=/dev/exabond-$bond
on_exit ip link del "$bond"

### 1 BOND ADDR MEMBER...
sb 1 "$bond" 10.9.0.1/24 spa0 spb0
check_eq "exit status" 0 "$rc"
check_eq "nothing on stderr" "" "$err"
check_eq "the commands it ran" "+ ip link add $bond type bond mode active-backup miimon 200
+ echo +$bond > /sys/class/net/exabond_masters
+ ip link set dev spa0 master $bond
+ ip link set dev spb0 master $bond
+ ip addr add 10.9.0.1/24 dev $bond
+ ip link set dev $bond up" "$(grep '^+ ' <<<"$out")"
check_eq "mode" active-backup "$(bond_info "$bond" .mode)"
check_eq "miimon" 200 "$(bond_info "$bond" .miimon)"
check "managed" is_managed "$bond"
check "its node exists" test -c "$node"
check_eq "members" "spa0 spb0" "$(members "$bond")"
check_eq "address" 10.9.0.1/24 "$(addrs_of "$bond")"
check "$bond is up" is_up "$bond"
check "an active member" wait_for 10 active_is "$bond" ""
check "the page names it" wait_for 10 page_active_is "$node" "$(bond_active "$bond")"
check_eq "page: miimon" 200 "$(page "$node" .bond.miimon)"

check "the page is quiet" wait_for 10 page_settled "$node"
before=$(sys_state)
sb 1 "$bond" 10.9.0.1/24 spa0 spb0
check_eq "again: exit status" 0 "$rc"
check "again: says nothing changed" grep -qxF "setupbonding: $bond is already set up: nothing changed" <<<"$out"
same_state "again" "$before"
sb 1 "$bond" 10.9.0.1/255.255.255.0 spa0 spb0
check_eq "again, dotted netmask: exit status" 0 "$rc"
same_state "again, dotted netmask" "$before"

### It replaces the addresses, but not the link-local ones.
run ip addr add 10.9.9.9/16 dev "$bond"
run ip addr add 2001:db8:9::9/64 dev "$bond"
check "$bond has a link-local address" wait_for 10 \
	eval "ip -j addr show dev $bond | jq -e '[.[0].addr_info[] | select(.scope == \"link\")] | length > 0' >/dev/null"
ll=$(ip -j addr show dev "$bond" | jq -c '[.[0].addr_info[] | select(.scope == "link") | .local]')
sb 1 "$bond" 10.9.0.1/24 spa0 spb0
check_eq "replace: exit status" 0 "$rc"
check_eq "replace: the commands it ran" "+ ip addr del 2001:db8:9::9/64 dev $bond
+ ip addr del 10.9.9.9/16 dev $bond
+ ip addr del 10.9.0.1/24 dev $bond
+ ip addr add 10.9.0.1/24 dev $bond" "$(grep '^+ ' <<<"$out")"
check_eq "replace: the address" 10.9.0.1/24 "$(addrs_of "$bond")"
check_eq "replace: link-local kept" "$ll" \
	"$(ip -j addr show dev "$bond" | jq -c '[.[0].addr_info[] | select(.scope == "link") | .local]')"
check_eq "replace: members kept" "spa0 spb0" "$(members "$bond")"

### 0 DEV ADDR
run ip addr add 10.10.0.5/24 dev spc0
sb 0 spc0 10.10.0.1/24
check_eq "0: exit status" 0 "$rc"
check_eq "0: nothing on stderr" "" "$err"
check_eq "0: the commands it ran" "+ ip addr del 10.10.0.5/24 dev spc0
+ ip addr add 10.10.0.1/24 dev spc0
+ ip link set dev spc0 up" "$(grep '^+ ' <<<"$out")"
check_eq "0: the address" 10.10.0.1/24 "$(addrs_of spc0)"
check "0: spc0 is up" is_up spc0
check_eq "0: no master" "" "$(master_of spc0)"
check "0: the summary" grep -qxF "spc0: up, addresses: 10.10.0.1/24" <<<"$out"
before=$(sys_state)
sb 0 spc0 10.10.0.1/24
check_eq "0 again: exit status" 0 "$rc"
same_state "0 again" "$before"
sb 0 spc0 10.10.0.1/24 spa1
check_eq "0 with a member: exit status" 0 "$rc"
check_eq "0 with a member: the warning" "setupbonding: '0' does not bond: ignoring spa1" "$err"
same_state "0 with a member" "$before"

### Usage errors
expect_invalid 2 "setupbonding: 'setupbonding 1' needs a bond and an address: setupbonding 1 BOND ADDR[/PREFIX] [MEMBER...] (see setupbonding --help)" \
	1 "$bond"
expect_invalid 2 "setupbonding: option -i belongs to the named form, not to 'setupbonding 1 ...' (see setupbonding --help)" \
	-i 100 1 "$bond" 10.9.0.1/24 spa0
expect_invalid 3 "setupbonding: address '10.9.0.1/255.0.255.0' is not an IPv4 or IPv6 address (ADDR, ADDR/PREFIX or IPv4 ADDR/NETMASK)" \
	1 "$bond" 10.9.0.1/255.0.255.0 spa0
expect_invalid 3 "setupbonding: device nosuch0: no such device" 0 nosuch0 10.1.1.1/24

soft_verdict
