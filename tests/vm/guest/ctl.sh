#!/bin/bash
# The guest's side of the control port (fd 9, opened by run.sh), shared by
# the runner and by tests through lib.sh. A request is one line,
# "<tag> <words...>"; the host answers "<tag> <reply>". The tag is unique
# per call even from subshells ($BASHPID, $SRANDOM), and replies with other
# tags (late answers to a test that was killed while waiting) are skipped,
# so a reply is never taken for another request's.

# ctl_request WORDS...: print the host's reply; fail if none comes in 20 s.
ctl_request() {
	local tag got reply
	tag="$BASHPID.$SRANDOM"
	printf '%s %s\n' "$tag" "$*" >&9
	while read -r -t 20 got reply <&9; do
		if [[ "$got" == "$tag" ]]; then
			printf '%s\n' "$reply"
			return 0
		fi
	done
	return 1
}
