#!/bin/bash
# Self-test: a failing test is reported FAIL.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
fail "deliberately"
