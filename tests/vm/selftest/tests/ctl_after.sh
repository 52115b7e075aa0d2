#!/bin/bash
# Self-test: runs after ctl_garbage.sh; the control port still answers each
# request with its own reply.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
dev=$(nic card1p0)
run ip link set "$dev" up
on_exit ip link set "$dev" down
set_link card1p0 down
check "carrier cut" wait_for 5 carrier_is "$dev" 0
set_link card1p0 up
check "carrier back" wait_for 5 carrier_is "$dev" 1
