#!/bin/bash
# exabondctl create, enslave and release over rtnetlink: a bond created
# with its options shows them in `ip -d -j link show`; members join and
# leave; errors: the bond exists (5), no such interface or not a bond or
# not a member (3), a bad option (2), a device that is up (bonding's
# EPERM, 4, with the kernel's reason), and an enslave exabond's policy
# refuses on a managed bond (4) prints the kernel's extended ack.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

info() { ip -d -j link show "$1" | jq -r ".[0].linkinfo.info_data.$2"; }

on_exit policy_reset
veth_pair va0 va1
veth_pair vb0 vb1

# --- create ------------------------------------------------------------------------

on_exit ip link del bondC
ctl create bondC mode active-backup miimon 100 updelay 200 downdelay 100 primary va0
check_eq "create bondC: exit status" 0 "$rc"
soft_check_eq "bondC: mode" active-backup "$(info bondC mode)"
soft_check_eq "bondC: miimon" 100 "$(info bondC miimon)"
soft_check_eq "bondC: updelay" 200 "$(info bondC updelay)"
soft_check_eq "bondC: downdelay" 100 "$(info bondC downdelay)"

on_exit ip link del bondX
ctl --json create bondX mode 802.3ad xmit_hash_policy layer3+4 lacp_rate fast
check_eq "create bondX: exit status" 0 "$rc"
soft_check_eq "create --json" '{"action":"create","bond":"bondX","ok":true}' "$out"
soft_check_eq "bondX: mode" 802.3ad "$(info bondX mode)"
soft_check_eq "bondX: xmit_hash_policy" layer3+4 "$(info bondX xmit_hash_policy)"
soft_check_eq "bondX: ad_lacp_rate" fast "$(info bondX ad_lacp_rate)"

ctl create bondC mode active-backup
soft_check_eq "create an existing bond: exit status" 5 "$rc"
soft_check "create an existing bond: File exists" grep -qF "exabondctl: create bondC: File exists" <<<"$err"
ctl create bondZ mode nine
soft_check_eq "create with a bad mode: exit status" 2 "$rc"
soft_check "no bondZ" eval '! ip link show bondZ >/dev/null 2>&1'

# --- enslave / release ------------------------------------------------------------------

ctl enslave bondC va0 vb0
check_eq "enslave bondC va0 vb0: exit status" 0 "$rc"
check_eq "bondC's members" "va0 vb0" "$(members bondC)"
# bonding reports a primary once it is a member.
soft_check_eq "bondC: primary va0 (from create)" va0 "$(info bondC primary)"
ctl release bondC vb0
check_eq "release bondC vb0: exit status" 0 "$rc"
check_eq "bondC's members after release" "va0" "$(members bondC)"
ctl release bondC vb0
soft_check_eq "release a non-member: exit status" 3 "$rc"
soft_check "release a non-member: says so" grep -qF "vb0: not a member of bondC" <<<"$err"
ctl enslave bondC nosuch
soft_check_eq "enslave nosuch: exit status" 3 "$rc"
ctl enslave va1 vb0
soft_check_eq "enslave into a veth: exit status" 3 "$rc"
soft_check "enslave into a veth: not a bond" grep -qF "va1: not a bond" <<<"$err"

# An up device: bonding refuses it (as with ip), and says why.
run ip link set vb0 up
ipsays=$(ip_result link set vb0 master bondC)
log "ip says: $ipsays"
ctl enslave bondC vb0
soft_check_eq "enslave an up device: exit status" 4 "$rc"
soft_check "enslave an up device: the kernel's reason, as ip shows it" \
	grep -qF "$(sed 's/^Error: //; s/\.$//' <<<"$ipsays")" <<<"$err"
run ip link set vb0 down

# --- a refusal by exabond's policy: the extended ack -----------------------------------

run ip link set bondC up
manage bondC
policy_set allowed_drivers virtio_net
klog_mark
ctl enslave bondC vb0
soft_check_eq "enslave refused by policy: exit status" 4 "$rc"
soft_check "the extack: exabond's reason" \
	grep -qF "exabond: member driver is not in allowed_drivers" <<<"$err"
soft_check "the refusal points at dmesg" grep -qF "dmesg" <<<"$err"
soft_check_eq "vb0 is not a member" "va0" "$(members bondC)"
soft_check "the kernel logged it" wait_for 2 klog_has "exabond: bondC: refused vb0: "

soft_verdict
