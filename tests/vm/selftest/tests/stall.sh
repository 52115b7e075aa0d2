#!/bin/bash
# Self-test: a VM that stops making progress (its own timeout is longer than
# the host's watchdog) is killed by the host and the test reported FAIL.
# vm-timeout: 3600
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
sleep 3600
