#!/bin/bash
# vm-timeout: 900
# The control file against hundreds of malformed and refused writes
# (tests/vm/tools/hostile_control.py): every write gets the one errno the
# documented rules give, and none changes anything: both namespaces'
# managed lists, every managed bond's page byte for byte, and the kernel
# log grows by at most one refusal line per write.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

gen=$EXABOND_REPO/tests/vm/tools/hostile_control.py
long_m=hm_456789abcdef		# 15 characters: IFNAMSIZ - 1
long_u=hu_456789abcdef

# Non-bond interfaces of every kind the control file might be handed.
run ip link add hdum0 type dummy
on_exit ip link del hdum0
run ip link add link hdum0 name hvl0 type vlan id 7
on_exit ip link del hvl0
run ip link add hbr0 type bridge
on_exit ip link del hbr0
veth_pair hvx0 hvx1
veth_pair hva0 hva1
veth_pair hvb0 hvb1
# The generator's deleted bonds, should it stop half-way.
on_exit ip link del hgone0
on_exit ip link del hgone1

# Managed bonds: one with members, one with a 15-character name.
managed_ab_bond hm0 hva0 hvb0
managed_ab_bond "$long_m"
check "hm0 has an active member" wait_for 10 active_is hm0 ""
# Unmanaged bonds: two the policy would accept, one it refuses.
for b in hu0 "$long_u"; do
	run ip link add "$b" type bond mode active-backup miimon 100
	on_exit ip link del "$b"
done
run ip link add hrr0 type bond mode balance-rr miimon 100
on_exit ip link del hrr0

# Another namespace with a managed bond (a member too) and an unmanaged one.
netns_new ns hostile
run ip -n "$ns" link add hns0 type bond mode active-backup miimon 100
run ip -n "$ns" link add hnsa0 type veth peer name hnsa1
run ip -n "$ns" link set hnsa1 up
run ip -n "$ns" link set hnsa0 master hns0
run ip -n "$ns" link set hns0 up
run ip -n "$ns" link add hnsu0 type bond mode active-backup miimon 100
run ip -n "$ns" link add hnsd0 type dummy
manage hns0 "$ns"
ino=$(ip netns exec "$ns" stat -L -c %i /proc/self/ns/net)
nodes=(/dev/exabond-hm0 "/dev/exabond-$long_m" "/dev/exabond-hns0:$ino")
for n in "${nodes[@]}"; do
	check "$n is quiet" wait_for 10 page_settled "$n"
	# Nothing here may rewrite a page by itself (kmod/refresh.c): no
	# refreshed fields, so byte equality is the right comparison.
	check_eq "$n: no refreshed fields" 0 "$(page "$n" .policy.refreshed)"
done

list_before=$(managed_list)
ns_list_before=$(managed_list "$ns")
dumps_before=$(page_dumps "${nodes[@]}")
klog_mark

rc=0
python3 "$gen" run --netns "$ns" \
	--managed hm0 --unmanaged hu0 \
	--long-managed "$long_m" --long-unmanaged "$long_u" --refused hrr0 \
	--others lo hdum0 hvl0 hbr0 hvx0 hvx1 hva0 hva1 \
	--ns-managed hns0 --ns-unmanaged hnsu0 --ns-others lo hnsa0 hnsa1 hnsd0 \
	--nodes "${nodes[@]}" > gen.out || rc=$?
grep -v '^ok: ' gen.out || true
log "$(grep -c '^ok: ' gen.out) writes passed every check"
check_eq "generator verdict" 0 "$rc"

check_eq "initial namespace's list unchanged" "$list_before" "$(managed_list)"
check_eq "other namespace's list unchanged" "$ns_list_before" "$(managed_list "$ns")"
check_dumps_unchanged "$dumps_before" "${nodes[@]}"
log "kernel log growth over the whole run: $(klog_since | wc -l) lines"
klog_since | sort | uniq -c | sort -rn | sed 's/^/    /'
