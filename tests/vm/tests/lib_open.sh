#!/bin/bash
# vm-timeout: 240
# exabond::Bond::open by name (exabond-libcheck): an unmanaged bond fails
# with ENOENT and the hint that manages it, an invalid name with EINVAL.
# With a managed bond0 in the initial namespace and another bond0 in a
# second one, open from inside the second finds nothing while that bond0
# is not managed (never the initial namespace's /dev/exabond-bond0), then
# its "bond0:<netns>" node, whose view equals that namespace's rtnetlink
# and /proc/net/bonding before and after a failover, while open in the
# initial namespace keeps finding its own bond0.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

# expect_open_error BOND ERRNAME ERRNO TEXT: Bond::open(BOND) throws an
# exabond::Error with that errno and TEXT in what(); exit status 2.
expect_open_error() {
	local out rc=0 q
	q=$(printf %q "$1")
	out=$(libcheck open "$1") || rc=$?
	log "open $q: $out"
	check_eq "open $q: exit status" 2 "$rc"
	check_eq "open $q: errno" "$2 $3" "$(cut -d' ' -f1,2 <<<"$out")"
	check "open $q: what() says: $4" grep -qF -- "$4" <<<"$out"
}

# ident BOND [NETNS]: "NETNS_INO NAME IFINDEX" of the page the library opens.
ident() {
	in_netns "${2:-}" "$EXABOND_LIBCHECK" dump "$1" |
		jq -r '"\(.bond.netns_ino) \(.bond.name) \(.bond.ifindex)"'
}

# --- errors ----------------------------------------------------------------------

run ip link add bondU type bond mode active-backup miimon 100
on_exit ip link del bondU
expect_open_error bondU ENOENT 2 "bondU is not managed in this network namespace"
expect_open_error bondU ENOENT 2 "echo +bondU > /sys/class/net/exabond_masters"
for bad in bad:name 0123456789abcdef .. "bad name"; do
	expect_open_error "$bad" EINVAL 22 "not a valid interface name"
done

# --- bond0 in the initial namespace ----------------------------------------------

veth_pair va0 va1
veth_pair vb0 vb1
managed_ab_bond bond0 va0 vb0
check "an active member" wait_for 5 active_is bond0 ""
check_eq "open: the kernel node" "device /dev/exabond-bond0" "$(libcheck open bond0)"
lib_settled "initial bond0 managed" bond0

# --- another namespace with a bond0 of its own, opened from inside -------------

netns_new ns exa
ino=$(ip netns exec "$ns" stat -L -c %i /proc/self/ns/net)
run ip -n "$ns" link add na0 type veth peer name na1
run ip -n "$ns" link add nb0 type veth peer name nb1
run ip -n "$ns" link add bond0 type bond mode active-backup miimon 100
run ip -n "$ns" link set na0 master bond0
run ip -n "$ns" link set nb0 master bond0
for d in na1 nb1 bond0; do
	run ip -n "$ns" link set "$d" up
done

# ns_active: bond0's active member in $ns, as bonding reports it.
ns_active() {
	ip -n "$ns" -j -d link show bond0 |
		jq -r '.[0].linkinfo.info_data.active_slave // empty'
}
ns_active_is_not() { [[ "$(ns_active)" != "$1" ]]; }

# /dev/exabond-bond0 exists, but it is the initial namespace's bond0: open
# from $ns must refuse it, not return another namespace's bond.
expect_ns_enoent() {
	local out rc=0
	out=$(ip netns exec "$ns" "$EXABOND_LIBCHECK" open bond0) || rc=$?
	log "in $ns: open bond0: $out"
	check_eq "in $ns, $1: open bond0 fails" "2 ENOENT 2" \
		"$rc $(cut -d' ' -f1,2 <<<"$out")"
}
check "the initial namespace's node exists" test -c /dev/exabond-bond0
expect_ns_enoent "not managed there"

manage bond0 "$ns"
check_eq "in $ns: open bond0 finds the suffixed node" \
	"device /dev/exabond-bond0:$ino" "$(ip netns exec "$ns" "$EXABOND_LIBCHECK" open bond0)"
check_eq "in $ns: the page is that namespace's bond0" \
	"$ino bond0 $(ip netns exec "$ns" cat /sys/class/net/bond0/ifindex)" "$(ident bond0 "$ns")"
check "in $ns: an active member" wait_for 5 ns_active_is_not ""
lib_settled "in $ns: managed" bond0 "$ns"
na=$(ns_active)
run ip -n "$ns" link set "${na/0/1}" down
check "in $ns: failover in rtnetlink" wait_for 5 ns_active_is_not "$na"
lib_settled "in $ns: failover (peer of $na down)" bond0 "$ns"
nb=$(ns_active)
check "in $ns: library: $nb active" lib_active_is bond0 "$nb" "$ns"

check_eq "initial namespace: open bond0 finds its own node" \
	"device /dev/exabond-bond0" "$(libcheck open bond0)"
check_eq "initial namespace: the page is its own bond0" \
	"$(stat -L -c %i /proc/self/ns/net) bond0 $(cat /sys/class/net/bond0/ifindex)" \
	"$(ident bond0)"
lib_settled "initial bond0, beside $ns's" bond0
check_eq "-bond0 in $ns" ok "$(ctl_write "b'-bond0\n'" "$ns")"
expect_ns_enoent "released there"
