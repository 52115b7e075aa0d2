#!/bin/bash
# The host's GoogleTest binaries also run inside the VM, on the packaged
# kernel: the same harness runs future tests that need the module's device.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

bin=$EXABOND_BUILD/tests/unit/exabond_unit_tests
[[ -x "$bin" ]] || fail "$bin not built (make check builds it)"
run "$bin" --gtest_brief=1
