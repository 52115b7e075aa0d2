#!/bin/bash
# Self-test: a command that happens to exit 4 ends the test under set -e
# with status 4; that is a failure, not a skip (only skip() skips).
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
(exit 4)
log "not reached"
