#!/bin/bash
# exabond.ko loads and unloads cleanly, and while loaded every network
# namespace has its own /sys/class/net/exabond_masters: namespaces that
# existed before the load, and ones created after it.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

check "module loaded by the harness" grep -q '^exabond ' /proc/modules
check "control file in the initial namespace" test -f "$EXABOND_CTL"
check_eq "mode, as bonding_masters" "-rw-r--r--" "$(stat -c %A "$EXABOND_CTL")"
check_eq "no bond managed: an empty line" "$(printf '\n' | od -c)" \
	"$(od -c < "$EXABOND_CTL")"

netns_new before ns
run rmmod exabond
check "control file gone after unload" test ! -e "$EXABOND_CTL"
check "gone in the other namespace too" \
	ip netns exec "$before" test ! -e "$EXABOND_CTL"
check "class gone" test ! -e /sys/class/exabond

run insmod "$EXABOND_MODULE"
netns_new after ns
check "back in the initial namespace" test -f "$EXABOND_CTL"
check "in a namespace created before the load" \
	ip netns exec "$before" test -f "$EXABOND_CTL"
check "in a namespace created after the load" \
	ip netns exec "$after" test -f "$EXABOND_CTL"

# Deleting a namespace removes its file; the module must still unload.
run ip netns del "$after"
run rmmod exabond
run insmod "$EXABOND_MODULE"
check_eq "module reference count" "0" "$(cat /sys/module/exabond/refcnt)"
