#!/bin/bash
# Self-test: a test that passes is reported PASS.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
check "the control file exists" test -f /sys/class/net/exabond_masters
