#!/bin/bash
# exabondctl status, human and --json, against the truth: on a managed
# active-backup bond over veths, the human text carries the lines
# /proc/net/bonding/<bond> has (mode, active member, MII timers, each
# member's MII status, speed, duplex, failure count, permanent address)
# with the same values; --json names and values every field `ip -d -j
# link show` also has exactly as ip does, for the bond and each member.
# Without a bond it lists every managed one. Errors: no such interface,
# not a bond, not managed (exit 3), a bad option (exit 2, one line).
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

# proc_lines BOND: the lines of /proc/net/bonding/BOND that status repeats.
proc_lines() {
	grep -E '^(Bonding Mode|Currently Active Slave|MII Polling Interval \(ms\)|Up Delay \(ms\)|Down Delay \(ms\)|Peer Notification Delay \(ms\)|Slave Interface|MII Status|Speed|Duplex|Link Failure Count|Permanent HW addr|Slave queue ID|Primary Slave):' \
		"/proc/net/bonding/$1" | sed 's/ (primary_reselect .*//'
}

# json_differs MINE IP: keys both objects have whose values differ, as
# "key: mine / ip" lines (nothing when they agree).
json_differs() {
	jq -rn --argjson a "$1" --argjson b "$2" '
		$a | to_entries[] | select(.value | type != "object") |
		.key as $k | select($b | has($k)) | select(.value != $b[$k]) |
		"\(.key): \(.value | tojson) / \($b[.key] | tojson)"'
}

# ip_only MINE IP: keys ip has that we do not (logged, for the record).
ip_only() {
	jq -rn --argjson a "$1" --argjson b "$2" '$b | keys - ($a | keys) | join(" ")'
}

veth_pair va0 va1
veth_pair vb0 vb1
managed_ab_bond bond0 va0 vb0
check "bond0 has an active member" wait_for 5 active_is bond0 ""
check "page equals rtnetlink" wait_for 5 page_matches /dev/exabond-bond0 bond0

# --- human ------------------------------------------------------------------------

ctl status bond0
check_eq "status bond0: exit status" 0 "$rc"
log "$out"
while IFS= read -r line; do
	soft_check "status has /proc's \"$line\"" grep -qxF -- "$line" <<<"$out"
done < <(proc_lines bond0)
soft_check "status: policy verdict" grep -qx "Policy: compliant" <<<"$out"
soft_check "status: generation" grep -q "^Page: generation [0-9]" <<<"$out"
soft_check "status: last event" grep -q "^Last Event: " <<<"$out"
soft_check "status: RoCE LAG line" grep -qx "RoCE LAG eligible: no" <<<"$out"

# --- JSON against ip -----------------------------------------------------------------

ctl status --json bond0
check_eq "status --json bond0: exit status" 0 "$rc"
mine=$out
ipj=$(ip -d -j link show bond0 | jq '.[0]')
log "ip's info_data: $(jq -c .linkinfo.info_data <<<"$ipj")"
log "our info_data:  $(jq -c .linkinfo.info_data <<<"$mine")"
soft_check_eq "bond0: top-level fields as ip" "" "$(json_differs "$mine" "$ipj")"
soft_check_eq "bond0: info_data as ip" "" \
	"$(json_differs "$(jq .linkinfo.info_data <<<"$mine")" "$(jq .linkinfo.info_data <<<"$ipj")")"
soft_check_eq "bond0: every info_data key is one ip prints" "" \
	"$(jq -rn --argjson a "$(jq .linkinfo.info_data <<<"$mine")" \
		--argjson b "$(jq .linkinfo.info_data <<<"$ipj")" '$a | keys - ($b | keys) | join(" ")')"
log "ip has, we do not: $(ip_only "$(jq .linkinfo.info_data <<<"$mine")" "$(jq .linkinfo.info_data <<<"$ipj")")"
for m in va0 vb0; do
	mj=$(jq --arg m "$m" '.members[] | select(.ifname == $m)' <<<"$mine")
	ipm=$(ip -d -j link show "$m" | jq '.[0]')
	soft_check "$m: listed" test -n "$mj"
	soft_check_eq "$m: top-level fields as ip" "" "$(json_differs "$mj" "$ipm")"
	soft_check_eq "$m: info_slave_data as ip" "" \
		"$(json_differs "$(jq .linkinfo.info_slave_data <<<"$mj")" \
			"$(jq .linkinfo.info_slave_data <<<"$ipm")")"
	soft_check_eq "$m: every info_slave_data key is one ip prints" "" \
		"$(jq -rn --argjson a "$(jq .linkinfo.info_slave_data <<<"$mj")" \
			--argjson b "$(jq .linkinfo.info_slave_data <<<"$ipm")" '$a | keys - ($b | keys) | join(" ")')"
done
soft_check_eq "JSON: compliant" true "$(jq .policy.compliant <<<"$mine")"
soft_check_eq "JSON: generation is the page's" "$(page /dev/exabond-bond0 .generation)" \
	"$(jq .generation <<<"$mine")"

# --- every managed bond --------------------------------------------------------------

veth_pair vc0 vc1
managed_ab_bond bond1 vc0
ctl status
check_eq "status: exit status" 0 "$rc"
soft_check_eq "status: both bonds" 2 "$(grep -c '^Bond: ' <<<"$out")"
ctl -j status
check_eq "-j status: exit status" 0 "$rc"
soft_check_eq "-j status: an array of every managed bond" "bond0 bond1" \
	"$(jq -r '[.[].ifname] | sort | join(" ")' <<<"$out")"

# --- errors --------------------------------------------------------------------------

run ip link add bondU type bond mode active-backup miimon 100
on_exit ip link del bondU
expect_fail 3 "nosuch: no such interface" status nosuch
expect_fail 3 "va1: not a bond" status va1
expect_fail 3 "bondU: not managed" status bondU
expect_fail 2 "unknown option --frob" status --frob bond0
expect_fail 2 "status takes at most one bond" status bond0 bond1
soft_check "usage follows the message" grep -q '^Usage: exabondctl status' <<<"$err"

soft_verdict
