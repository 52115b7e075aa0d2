#!/bin/bash
# Self-test: a test that never ends is killed at its timeout and reported
# FAIL, and the run goes on.
# vm-timeout: 5
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
sleep 3600
