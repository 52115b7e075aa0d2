#!/bin/bash
# exabondctl manage/unmanage and policy show/set, with their errors and
# exit codes: manage lists the bond in the control file, a second manage
# is "already managed" (5), unmanage then a second unmanage is "not
# managed" (3), no such interface and not a bond (3), a bond the policy
# refuses (4, pointing at dmesg), a bad name (2). policy show reads every
# parameter (human and --json), policy set writes one, and a value the
# module refuses is a usage error (2) that says what it accepts, with the
# parameter unchanged.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

is_managed() { managed_list | grep -qxF -- "$1"; }

on_exit policy_reset
veth_pair va0 va1
run ip link add bondM type bond mode active-backup miimon 100
on_exit ip link del bondM
run ip link set va0 master bondM
# Released after the test whatever happens below.
on_exit ctl_write "b'-bondM\\n'"

# --- manage / unmanage --------------------------------------------------------------

ctl manage bondM
check_eq "manage bondM: exit status" 0 "$rc"
check "bondM is in the control file" is_managed bondM
check "bondM has its page" test -c /dev/exabond-bondM
expect_fail 5 "bondM: already managed" manage bondM
ctl unmanage bondM
check_eq "unmanage bondM: exit status" 0 "$rc"
check "bondM left the control file" wait_for 2 eval '! is_managed bondM'
expect_fail 3 "bondM: not managed" unmanage bondM
expect_fail 3 "nosuch: no such interface" manage nosuch
expect_fail 3 "va1: not a bond" manage va1
expect_fail 2 "not a valid bond name" manage 'a/b'
expect_fail 2 "which bond?" manage

# JSON: one object either way.
ctl --json manage bondM
soft_check_eq "manage --json: exit status" 0 "$rc"
soft_check_eq "manage --json: ok" "true manage bondM" "$(jq -r '"\(.ok) \(.action) \(.bond)"' <<<"$out")"
ctl unmanage --json bondM
soft_check_eq "unmanage --json: ok" "true unmanage" "$(jq -r '"\(.ok) \(.action)"' <<<"$out")"

# A mode the policy does not allow: EOPNOTSUPP, and the kernel log says why.
run ip link add bondR type bond mode balance-rr miimon 100
on_exit ip link del bondR
on_exit ctl_write "b'-bondR\\n'"
klog_mark
expect_fail 4 "refused by exabond's policy" manage bondR
soft_check "the refusal points at dmesg" grep -qF dmesg <<<"$err"
soft_check "bondR is not managed" eval '! is_managed bondR'
soft_check "the kernel says why" wait_for 2 klog_has "bondR"

# --- policy show ---------------------------------------------------------------------

ctl policy show
check_eq "policy show: exit status" 0 "$rc"
log "$out"
for p in allowed_modes allowed_drivers max_members require_link_monitor hook_bonding; do
	soft_check "policy show lists $p" grep -q "^$p " <<<"$out"
done
soft_check "policy show: allowed_modes value" \
	grep -qE "^allowed_modes +$(policy_get allowed_modes)\$" <<<"$out"
ctl --json policy show
check_eq "policy show --json: exit status" 0 "$rc"
soft_check_eq "policy --json: allowed_modes" '["active-backup"]' "$(jq -c .allowed_modes <<<"$out")"
soft_check_eq "policy --json: allowed_drivers" '[]' "$(jq -c .allowed_drivers <<<"$out")"
soft_check_eq "policy --json: max_members" 0 "$(jq .max_members <<<"$out")"
soft_check_eq "policy --json: require_link_monitor" false "$(jq .require_link_monitor <<<"$out")"
soft_check "policy --json: hook_bonding is a boolean" \
	jq -e '.hook_bonding | type == "boolean"' <<<"$out"

# --- policy set ----------------------------------------------------------------------

ctl policy set max_members 3
soft_check_eq "policy set max_members 3: exit status" 0 "$rc"
soft_check_eq "max_members is 3" 3 "$(policy_get max_members)"
ctl policy set allowed_modes 'active-backup,802.3ad'
soft_check_eq "policy set allowed_modes: exit status" 0 "$rc"
soft_check_eq "allowed_modes" "active-backup,802.3ad" "$(policy_get allowed_modes)"
ctl --json policy set require_link_monitor Y
soft_check_eq "policy set require_link_monitor --json" '{"require_link_monitor":true}' "$out"
ctl policy set allowed_drivers ''
soft_check_eq "policy set allowed_drivers '': exit status" 0 "$rc"

expect_fail 2 "the module refuses \"abc\"; it accepts a number" policy set max_members abc
soft_check_eq "max_members unchanged" 3 "$(policy_get max_members)"
expect_fail 2 "the module refuses \"roce-lag,1\"" policy set allowed_modes roce-lag,1
soft_check "the refusal says what allowed_modes accepts" grep -qF "the profile roce-lag alone" <<<"$err"
soft_check_eq "allowed_modes unchanged" "active-backup,802.3ad" "$(policy_get allowed_modes)"
expect_fail 2 "the module refuses \"bad/driver\"" policy set allowed_drivers bad/driver
expect_fail 2 "the module refuses \"maybe\"" policy set require_link_monitor maybe
expect_fail 2 "hook_bonding is read-only" policy set hook_bonding N
expect_fail 2 "no policy parameter nope" policy set nope 1
expect_fail 2 "policy set <name> <value>" policy set max_members

soft_verdict
