#!/bin/bash
# Self-test: a request whose reply is never read and a line that is not
# UTF-8 must not confuse the control port for the tests that follow
# (ctl_after.sh checks that).
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
printf 'stale1 set_link card1p0 down\n' >&9
printf 'stale2 ping\n' >&9
printf '\xff\xfe\n' >&9
sleep 1
host set_link card1p0 up >/dev/null
