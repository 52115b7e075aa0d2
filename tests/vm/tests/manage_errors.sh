#!/bin/bash
# Every row of DESIGN.md's error table for the control file, and that a
# refused write changes nothing: the managed list and the nodes stay as
# they were.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link add dummy0 type dummy
on_exit ip link del dummy0
run ip link add bond1 type bond mode active-backup
on_exit ip link del bond1

# expect ERRNO BYTES: the write fails with ERRNO and nothing changes.
expect() {
	local before after nodes_before nodes_after
	before=$(managed_list)
	nodes_before=$(ls /dev | grep '^exabond-' || true)
	check_eq "write $2" "$1" "$(ctl_write "$2")"
	after=$(managed_list)
	nodes_after=$(ls /dev | grep '^exabond-' || true)
	check_eq "  list unchanged after $2" "$before" "$after"
	check_eq "  nodes unchanged after $2" "$nodes_before" "$nodes_after"
}

expect ENODEV "b'+nosuch\n'"
expect ENODEV "b'-nosuch\n'"
expect EINVAL "b'+dummy0\n'"		# not a bonding master
expect EINVAL "b'+lo'"
expect EINVAL "b'-dummy0\n'"
expect ENOENT "b'-bond0\n'"		# a bond, not managed

# A zero-length write never reaches the module (kernfs returns 0).
expect ok "b''"
# Malformed: no sign, empty, over-long, impossible names, two commands.
expect EINVAL "b'\n'"
expect EINVAL "b'bond0\n'"
expect EINVAL "b'+\n'"
expect EINVAL "b'-'"
expect ENODEV "b'++bond0\n'"		# "+bond0" is a valid name, unused
expect ENODEV "b'+-bond0\n'"
expect EINVAL "b' +bond0\n'"
expect EINVAL "b'+bond0 \n'"
expect EINVAL "b'+bond0\n\n'"
expect EINVAL "b'+bond0\r\n'"
expect EINVAL "b'+bond0 +bond1\n'"
expect EINVAL "b'+bond0\n-bond0\n'"
expect EINVAL "b'+bo/nd0\n'"
expect EINVAL "b'+bo:nd0\n'"
expect EINVAL "b'+.\n'"
expect EINVAL "b'+..\n'"
expect EINVAL "b'+bond0\x00'"
expect EINVAL "b'+0123456789abcdef\n'"	# 16 characters: over IFNAMSIZ
expect EINVAL "b'*bond0\n'"

# The good path, then EEXIST, each without and with echo's newline.
check_eq "+bond0 (no newline)" ok "$(ctl_write "b'+bond0'")"
on_exit ctl_write "b'-bond0\n'"
check_eq "listed" bond0 "$(managed_list)"
expect EEXIST "b'+bond0\n'"
expect EEXIST "b'+bond0'"
check_eq "+bond1" ok "$(ctl_write "b'+bond1\n'")"
check_eq "two listed, in order, space-separated" "bond0 bond1" "$(managed_list)"
check_eq "-bond1" ok "$(ctl_write "b'-bond1\n'")"
expect ENOENT "b'-bond1\n'"

# A 15-character name is the longest valid one.
run ip link add 0123456789abcde type bond mode active-backup
on_exit ip link del 0123456789abcde
check_eq "+ a 15-character bond" ok "$(ctl_write "b'+0123456789abcde\n'")"
check "its node" test -c /dev/exabond-0123456789abcde
check_eq "- it" ok "$(ctl_write "b'-0123456789abcde'")"

# CAP_NET_ADMIN is required, in the namespace's user namespace: root
# without it in its bounding set is refused.
check_eq "without CAP_NET_ADMIN" EPERM \
	"$(setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
		bash -c "source '$EXABOND_REPO/tests/vm/guest/lib.sh'; ctl_write \"b'-bond0\n'\"")"
check_eq "still managed" bond0 "$(managed_list)"
check_eq "-bond0" ok "$(ctl_write "b'-bond0\n'")"
check_eq "list empty again" "" "$(managed_list)"
