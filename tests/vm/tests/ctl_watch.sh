#!/bin/bash
# exabondctl watch, human and --json, on a managed active-backup bond over
# veths: the first line says it is watching; cutting the active member's
# peer prints the failover (old -> new) and the member's link going down,
# with wall-clock and monotonic times and the publication lag; a member
# added and removed, a policy change that breaks and restores compliance,
# and the bond's deletion each print their line, and watch exits 0 by
# itself once its only bond is gone. SIGTERM ends it with 0 too. Errors:
# no such bond (3), a bad option (2).
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

# has VAR TEXT: the watcher VAR has printed a line containing TEXT.
has() {
	local -n __d=${1}_dir
	grep -qF -- "$2" "$__d/out"
}

# json_has VAR JQ-FILTER: some line of watcher VAR satisfies the filter.
json_has() {
	local -n __d=${1}_dir
	[[ -n "$(jq -c "select($2)" "$__d/out" 2>/dev/null)" ]]
}

on_exit policy_reset
veth_pair va0 va1
veth_pair vb0 vb1
veth_pair vc0 vc1
managed_ab_bond bond0 va0 vb0
check "an active member" wait_for 5 active_is bond0 va0

bg_start H "$EXABONDCTL" watch bond0
bg_start J "$EXABONDCTL" watch --json bond0
first=$(bg_line H)
log "first line: $first"
check "watch: first line says watching" grep -q "bond0: watching (active va0, compliant)" <<<"$first"
check "watch --json: first line" jq -e '.transition == "watching" and .active == "va0"' <<<"$(bg_line J)"

# Failover: va0's peer goes down.
run ip link set va1 down
check "failover printed" wait_for 10 has H "bond0: failover va0 -> vb0"
check "va0's link printed" wait_for 10 has H "member va0 link UP -> DOWN"
check "failover in JSON" wait_for 10 json_has J \
	'.transition == "failover" and .from == "va0" and .to == "vb0"'
line=$(jq -c 'select(.transition == "failover")' "$J_dir/out" | head -n1)
log "JSON failover: $line"
check "JSON: monotonic times and lag" jq -e \
	'.event_ns > 0 and .publish_ns >= .event_ns and .lag_ns == .publish_ns - .event_ns and (.time | test("^[0-9-]+T[0-9:.]+Z$"))' <<<"$line"
hline=$(grep -F "failover va0 -> vb0" "$H_dir/out" | head -n1)
check "human line: wall clock, gen, event time and lag" \
	grep -qE '^[0-9-]+T[0-9:.]+Z bond0: failover va0 -> vb0 \(gen [0-9]+, failover at [0-9]+\.[0-9]{9}, published \+[0-9]+ us\)$' <<<"$hline"

# Members added and removed.
run ip link set vc0 master bond0
check "member added printed" wait_for 10 has H "member vc0 added"
run ip link set vc0 nomaster
check "member removed printed" wait_for 10 has H "member vc0 removed"

# Compliance: max_members 1 breaks it, 0 restores it.
policy_set max_members 1
check "non-compliance printed" wait_for 10 has H "NOT compliant (max_members)"
check "non-compliance in JSON" wait_for 10 json_has J \
	'.transition == "compliance" and .compliant == false'
policy_set max_members 0
check "compliance printed" wait_for 10 has H ": compliant ("

# SIGTERM ends the JSON watcher with 0.
kill -TERM "$J_pid"
rc=0
wait "$J_pid" || rc=$?
check_eq "watch --json: exit status after SIGTERM" 0 "$rc"
check "every JSON line parses" jq -e . "$J_dir/out" >/dev/null

# The bond goes away: the last line, then exit 0 by itself.
run ip link del bond0
check "bond gone printed" wait_for 10 has H "bond0: bond gone"
rc=0
wait "$H_pid" || rc=$?
check_eq "watch: exits 0 once its bond is gone" 0 "$rc"
log "watch printed:"
sed 's/^/    /' "$H_dir/out"

# Errors.
rc=0
err=$("$EXABONDCTL" watch nosuch 2>&1 >/dev/null) || rc=$?
check_eq "watch nosuch: exit status" 3 "$rc"
check_eq "watch nosuch: message" "exabondctl: nosuch: no such interface" "$err"
rc=0
err=$("$EXABONDCTL" watch --frob 2>&1 >/dev/null) || rc=$?
check_eq "watch --frob: exit status" 2 "$rc"
check_eq "watch --frob: first line" "exabondctl: unknown option --frob" "$(head -n1 <<<"$err")"
