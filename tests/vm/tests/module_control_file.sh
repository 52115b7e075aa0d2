#!/bin/bash
# exabond.ko loads and unloads cleanly, and while loaded every network
# namespace has its own /sys/class/net/exabond_masters: namespaces that
# existed before the load, and ones created after it.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

ctl=/sys/class/net/exabond_masters

check "module loaded by the harness" grep -q '^exabond ' /proc/modules
check "control file in the initial namespace" test -f "$ctl"
check_eq "managed bonds (none yet)" "" "$(cat "$ctl")"
check_eq "read-only until management lands" "-r--r--r--" "$(stat -c %A "$ctl")"
# Root bypasses file modes, so the write must be refused by sysfs itself.
if (echo +bond0 > "$ctl") 2>/dev/null; then
	fail "a write to the read-only control file succeeded"
fi
log "ok: write refused"

netns_new before ns
run rmmod exabond
check "control file gone after unload" test ! -e "$ctl"
check "gone in the other namespace too" \
	ip netns exec "$before" test ! -e "$ctl"

run insmod "$EXABOND_MODULE"
netns_new after ns
check "back in the initial namespace" test -f "$ctl"
check "in a namespace created before the load" \
	ip netns exec "$before" test -f "$ctl"
check "in a namespace created after the load" \
	ip netns exec "$after" test -f "$ctl"

# Deleting a namespace removes its file; the module must still unload.
run ip netns del "$after"
run rmmod exabond
run insmod "$EXABOND_MODULE"
check_eq "module reference count" "0" "$(cat /sys/module/exabond/refcnt)"
