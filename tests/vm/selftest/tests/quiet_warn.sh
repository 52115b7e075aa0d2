#!/bin/bash
# Self-test: a kernel warning is caught even when the test silences the
# console first (the taint flags and the guest's full dmesg still show it).
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
run dmesg -n 1
run insmod "$EXABOND_REPO/tests/vm/selftest/kmod/exabond_vm_selftest.ko"
run rmmod exabond_vm_selftest
