#!/bin/bash
# The node's file semantics (kmod/node.c): read-only opens and mappings
# only, and nothing can add write or exec later; read returns generations
# and blocks; poll wakes on a change and reports POLLHUP at the end. No
# abuse changes the page.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
manage bond0
node=/dev/exabond-bond0
# The page minus what a down bond's refresh rewrites (kmod/refresh.c).
state() { probe dump "$node" | jq -c 'del(.seq, .policy.last_refresh_ns)'; }
before=$(state)

# expect OP RESULT: exabond-probe try OP prints RESULT.
expect() { check_eq "$1" "$2" "$(probe try "$1" "$node")"; }

expect open-wronly EACCES
expect open-rdwr EACCES
expect mmap-shared-read ok
expect mmap-private-read ok
expect mmap-shared-write EACCES		# refused by the VFS: O_RDONLY file
expect mmap-private-write EACCES		# refused by exabond_mmap
expect mmap-exec EACCES
expect mmap-two-pages EINVAL
expect mmap-offset EINVAL
expect mprotect-write EACCES
expect mprotect-exec EACCES
expect private-mprotect-write EACCES
expect mremap-grow EFAULT		# VM_DONTEXPAND
expect proc-mem-write EIO		# FOLL_FORCE cannot write it either
expect madvise-dontneed ok		# and the page comes back, not zeros
expect read-short EINVAL
expect write EBADF			# the file is open read-only
expect lseek ESPIPE
expect ioctl ENOTTY
expect read-again-nonblock EAGAIN
check_eq "no abuse changed the page" "$before" "$(state)"

# read: the first read of a file returns at once with the generation.
gen=$(page "$node" .generation)
check_eq "first read" "$gen" "$(probe read "$node" -n)"

# poll wakes on a change: a blocked waiter sees the next generation.
# Each waiter says when its first read is done: a change made before that
# would be that read's generation, and nothing would wake it.
bg_start WAIT probe wait "$node" 10000
check_eq "poll waiter ready" "ready $gen" "$(bg_line WAIT)"
run ip link set bond0 mtu 1400
check "poll waiter done" wait_for 10 eval '[[ -n "$(bg_output WAIT)" ]]'
result=$(bg_output WAIT)
check_eq "poll woke with the new generation" "in $((gen + 1))" "$result"
check_eq "the change is in the page" 1400 "$(page "$node" .bond.mtu)"

# A blocking read wakes the same way.
bg_start READ bash -c "exec 3<'$node'; head -c8 <&3 | od -An -tu8 | tr -d ' ';
	head -c8 <&3 | od -An -tu8 | tr -d ' '"
check_eq "blocking reader's first read" $((gen + 1)) "$(bg_line READ)"
run ip link set bond0 mtu 1500
check "blocking read returned" wait_for 10 eval '[[ -n "$(bg_output READ)" ]]'
result=$(bg_output READ)
check_eq "blocking read returned the next generation" $((gen + 2)) "$result"

# An event that changes nothing publishes nothing.
gen=$(page "$node" .generation)
run ip link set bond0 mtu 1500
check_eq "no-op change: generation unchanged" "$gen" "$(page "$node" .generation)"

# POLLHUP once released: a file that has read everything sees EPOLLIN for
# the final generation, then EPOLLHUP alone and end of file.
bg_start FOLLOW probe follow "$node"
ready=$(bg_line FOLLOW)
check_eq "follower ready" "ready $gen" "$ready"
check_eq "-bond0" ok "$(ctl_write "b'-bond0\n'")"
bg_finish FOLLOW
result=$(bg_output FOLLOW | tr '\n' ';')
check_eq "after release" "poll in hup;read $((gen + 1));poll hup;read eof;" "$result"
