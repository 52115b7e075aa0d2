#!/bin/bash
# Self-test: a test that exits 0 but makes the kernel warn is reported FAIL.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
run insmod "$EXABOND_REPO/tests/vm/selftest/kmod/exabond_vm_selftest.ko"
run rmmod exabond_vm_selftest
