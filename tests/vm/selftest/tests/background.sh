#!/bin/bash
# Self-test: a background process that keeps the test's output open must
# neither stall the run nor outlive the test.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
sleep 3600 &
log "left a sleep behind: $!"
