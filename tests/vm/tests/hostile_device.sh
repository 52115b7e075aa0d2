#!/bin/bash
# vm-timeout: 600
# Every abuse of /dev/exabond-<bond> (tests/vm/tools/exabond-hostile.cpp),
# on a bond of the initial namespace and one of another namespace: each
# gets its documented result, and none changes anything: the managed
# lists, every page byte for byte, the module's reference count. Nothing
# is logged but the segfaults of the children that store into the page.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

hostile=$EXABOND_BUILD/tests/vm/tools/exabond-hostile

veth_pair hda0 hda1
veth_pair hdb0 hdb1
managed_ab_bond hd0 hda0 hdb0
check "hd0 has an active member" wait_for 10 active_is hd0 ""

netns_new ns hostile
run ip -n "$ns" link add hdn0 type bond mode active-backup miimon 100
run ip -n "$ns" link add hdna0 type veth peer name hdna1
run ip -n "$ns" link set hdna1 up
run ip -n "$ns" link set hdna0 master hdn0
run ip -n "$ns" link set hdn0 up
manage hdn0 "$ns"
ino=$(ip netns exec "$ns" stat -L -c %i /proc/self/ns/net)
nodes=(/dev/exabond-hd0 "/dev/exabond-hdn0:$ino")
for n in "${nodes[@]}"; do
	check "$n is quiet" wait_for 10 page_settled "$n"
	# No refreshed fields (kmod/refresh.c): nothing rewrites the page
	# by itself, so byte equality is the right comparison.
	check_eq "$n: no refreshed fields" 0 "$(page "$n" .policy.refreshed)"
done

list_before=$(managed_list)
ns_list_before=$(managed_list "$ns")
dumps_before=$(page_dumps "${nodes[@]}")
refcnt_before=$(cat /sys/module/exabond/refcnt)
klog_mark

rc=0
"$hostile" "${nodes[@]}" > hostile.out || rc=$?
grep -v '^ok: ' hostile.out || true
log "$(grep -c '^ok: ' hostile.out) abuses got their documented result"
check_eq "exabond-hostile verdict" 0 "$rc"

check_eq "initial namespace's list unchanged" "$list_before" "$(managed_list)"
check_eq "other namespace's list unchanged" "$ns_list_before" "$(managed_list "$ns")"
check_dumps_unchanged "$dumps_before" "${nodes[@]}"
# Every refused open and failed map dropped what it took (an O_DIRECT
# open is refused after ->open succeeded).
check_eq "module reference count back" "$refcnt_before" \
	"$(cat /sys/module/exabond/refcnt)"

# The kernel reports each SIGSEGV of a child that stored into (or jumped
# into) the page (arch/x86/mm/fault.c show_signal_msg(), a line and its
# "Code:" line); anything else is from an abuse that should be silent.
klog=$(klog_since)
log "kernel log growth: $(grep -c . <<<"$klog" || true) lines"
while IFS= read -r line; do
	[[ -z "$line" ]] || log "    $line"
done <<<"$klog"
other=$(grep -v -e 'segfault at ' -e '^Code: ' <<<"$klog" | grep -c . || true)
check_eq "nothing logged but the children's segfaults" 0 "$other"
