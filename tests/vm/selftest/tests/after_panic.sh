#!/bin/bash
# Self-test: runs after panic.sh, so only in the boot that follows the crash.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
check "the module is loaded in the new boot" grep -q '^exabond ' /proc/modules
