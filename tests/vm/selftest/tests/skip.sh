#!/bin/bash
# Self-test: a test that calls skip is reported SKIP.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
skip "deliberately"
