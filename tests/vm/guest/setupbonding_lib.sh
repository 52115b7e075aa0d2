#!/bin/bash
# Helpers for the tests of examples/setupbonding (tests/vm/tests/
# setupbonding_*.sh); source it after lib.sh.

readonly SETUPBONDING=$EXABOND_REPO/examples/setupbonding

# sb ARGS...: run setupbonding; its stdout in $out, stderr in $err, exit
# status in $rc (never fails the test by itself). Few processes: every one
# is slow in the emulated VM.
sb() {
	local f=$PWD/.sb-stderr line
	rc=0
	out=$("$SETUPBONDING" "$@" 2>"$f") || rc=$?
	err=$(< "$f")
	printf '+ setupbonding %s -> %s\n' "$*" "$rc"
	if [[ -n "$out" ]]; then
		while IFS= read -r line; do printf '    stdout: %s\n' "$line"; done <<<"$out"
	fi
	if [[ -n "$err" ]]; then
		while IFS= read -r line; do printf '    stderr: %s\n' "$line"; done <<<"$err"
	fi
}

# sys_state: everything setupbonding could change, one item per line: every
# link as `ip -d -j link` shows it (sorted keys), every address, the
# managed bonds, the exabond nodes and their pages' generations, the
# loaded modules of interest and exabond's policy. Carrier and operational
# state are left out (they follow a link's admin state with a delay), and
# so are link-local addresses and lifetimes. SB_NO_GENERATION=1 leaves out
# the pages' generations. Fails if it cannot read the links.
sys_state() {
	local n line links
	links=$({ ip -d -j link show; ip -j addr show; } | jq -S -c -s '
		(.[0][] | del(.operstate) |
			.flags -= ["LOWER_UP", "NO-CARRIER", "M-DOWN", "DORMANT"]),
		(.[1][] | {ifname, addr: [.addr_info[] | select(.scope != "link") |
			{family, local, prefixlen, scope, "label": .label, broadcast,
			 address, secondary}]})') || return 1
	[[ "$links" == *'"ifname":"lo"'* ]] || return 1
	echo "$links"
	line='(no control file)'
	[[ ! -r "$EXABOND_CTL" ]] || line=$(< "$EXABOND_CTL")
	echo "managed: $line"
	for n in /dev/exabond-*; do
		[[ -e "$n" ]] || continue
		echo "node $n"
		[[ -z "${SB_NO_GENERATION:-}" ]] || continue
		[[ "$(probe dump "$n")" =~ \"generation\":([0-9]+) ]]
		echo "node $n generation ${BASH_REMATCH[1]}"
	done
	while read -r n _; do
		[[ "$n" != bonding && "$n" != exabond ]] || echo "module $n"
	done < /proc/modules
	for n in allowed_modes allowed_drivers max_members require_link_monitor; do
		line=-
		[[ ! -r "$EXABOND_PARAMS/$n" ]] || read -r line < "$EXABOND_PARAMS/$n"
		echo "policy $n $line"
	done
}

# same_state WHAT BEFORE: sys_state now equals BEFORE; prints the
# difference otherwise. Soft check. The state now is left in $sb_now.
same_state() {
	sb_now=$(sys_state) || fail "cannot read the state"
	if [[ "$sb_now" == "$2" ]]; then
		printf 'ok: %s: nothing changed\n' "$1"
	else
		printf 'FAIL: %s: the state changed (< before, > after):\n' "$1"
		diff <(echo "$2") <(echo "$sb_now") | sed 's/^/    /' || true
		__exabond_soft_failures+=("$1: nothing changed")
	fi
}

# state_is BEFORE: sys_state equals BEFORE; for wait_for.
state_is() {
	local now
	now=$(sys_state) || fail "cannot read the state"
	[[ "$now" == "$1" ]]
}

# settles_to WHAT BEFORE: sys_state comes back to BEFORE within 10 s (links
# brought up again take a moment); prints the difference otherwise. Soft.
settles_to() {
	if wait_for 10 state_is "$2"; then
		printf 'ok: %s: the state is as before\n' "$1"
	else
		printf 'FAIL: %s: the state is not as before (< before, > after):\n' "$1"
		diff <(echo "$2") <(sys_state) | sed 's/^/    /' || true
		__exabond_soft_failures+=("$1: the state is as before")
	fi
}

# expect_invalid RC MESSAGE ARGS...: setupbonding ARGS exits RC, prints
# nothing on stdout and exactly MESSAGE (one line) on stderr, and changes
# nothing. Soft checks. The state before is $sb_state when set (what the
# previous expect_invalid found: consecutive refusals read it once); clear
# sb_state after changing anything yourself.
sb_state=
expect_invalid() {
	local want=$1 msg=$2 before
	shift 2
	before=$sb_state
	[[ -n "$before" ]] || before=$(sys_state) || fail "cannot read the state"
	sb "$@"
	soft_check_eq "$*: exit status" "$want" "$rc"
	soft_check_eq "$*: message" "$msg" "$err"
	soft_check_eq "$*: nothing on stdout" "" "$out"
	same_state "$*" "$before"
	sb_state=$sb_now
}

# keep_admin DEV: DEV's admin state (up or down) is restored after the
# test; register it before anything that could change it.
keep_admin() {
	if ip -j link show dev "$1" | jq -e '.[0].flags | index("UP")' >/dev/null; then
		on_exit ip link set dev "$1" up
	else
		on_exit ip link set dev "$1" down
	fi
}

# bond_info BOND JQ: a field of BOND's linkinfo.info_data.
bond_info() {
	ip -d -j link show dev "$1" | jq -r ".[0].linkinfo.info_data$2 // empty"
}

# is_up DEV: DEV is administratively up.
is_up() { ip -j link show dev "$1" | jq -e '.[0].flags | index("UP")' >/dev/null; }

# master_of DEV: DEV's master, or nothing.
master_of() { ip -j link show dev "$1" | jq -r '.[0].master // empty'; }

# addrs_of DEV: DEV's addresses other than link-local, one a line, as
# "ADDR/PREFIX".
addrs_of() {
	ip -j addr show dev "$1" |
		jq -r '.[0].addr_info[] | select(.scope != "link") | "\(.local)/\(.prefixlen)"'
}

# is_managed BOND: BOND is in exabond's control file.
is_managed() { [[ " $(managed_list) " == *" $1 "* ]]; }

# fake_ip DIR FAIL...: an `ip` in DIR that fails (exit 2, "Error: injected
# failure.") when its arguments are exactly one of the FAIL strings
# (e.g. "link set dev eth1 master b0") and runs the real ip otherwise. Put
# DIR first in PATH for the command under test only.
fake_ip() {
	local dir=$1 f
	shift
	mkdir -p "$dir"
	{
		echo '#!/bin/bash'
		printf 'real=%q\n' "$(command -v ip)"
		echo 'fail=('
		for f in "$@"; do printf '\t%q\n' "$f"; done
		echo ')'
		cat <<'EOF'
for f in "${fail[@]}"; do
	if [[ "$*" == "$f" ]]; then
		echo "Error: injected failure." >&2
		exit 2
	fi
done
exec "$real" "$@"
EOF
	} > "$dir/ip"
	chmod +x "$dir/ip"
}
