#!/bin/bash
# vm-timeout: 240
# libexabond's waits on a kernel node (exabond-libcheck): wait_for_change()
# and notify_fd() + acknowledge() in an epoll loop wake on a failover, with
# the generation and active member the page shows after it; they wake on
# the bond's deletion and on -bond, and the next wait from the generation
# they saw reports "dead" at once; a wait with nothing happening times
# out, and a wait from a generation already past returns "changed".
#
# Every background waiter prints "waiting GEN" once it is about to sleep,
# and the test acts only after reading that line.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

ifindex() { cat "/sys/class/net/$1/ifindex"; }

# statuses_match TEXT REGEX: the first words of TEXT's lines, joined by
# spaces, match REGEX whole; for check.
statuses_match() {
	[[ "$(cut -d' ' -f1 <<<"$1" | paste -sd' ')" =~ ^($2)$ ]]
}

# generations_rise TEXT FROM: the second field of TEXT's lines rises, each
# line's at least the one before (strictly for "changed" lines), the
# first "changed" above FROM; for check.
generations_rise() {
	local prev=$2 status gen rest
	while read -r status gen rest; do
		if [[ "$status" == changed ]]; then
			((gen > prev)) || return 1
		else
			((gen >= prev)) || return 1
		fi
		prev=$gen
	done <<<"$1"
}

veth_pair va0 va1
veth_pair vb0 vb1
managed_ab_bond bond0 va0 vb0
node=/dev/exabond-bond0
check "an active member" wait_for 5 active_is bond0 ""
check "page quiet" wait_for 10 page_settled "$node"

# --- nothing happening: timeout; a generation already past: changed -------------

gen=$(page "$node" .generation)
act=$(page "$node" .hot_ifindex)
check_eq "the library reads the page's generation" "$gen" "$(libcheck dump bond0 | jq .generation)"
check_eq "wait, nothing happening: timeout" $'waiting '"$gen"$'\ntimeout '"$gen $act" \
	"$(libcheck wait bond0 "$gen" 300)"
check_eq "epoll, nothing happening: timeout" $'waiting '"$gen"$'\ntimeout '"$gen $act" \
	"$(libcheck epoll bond0 300)"
check_eq "wait from an older generation: changed at once" \
	$'waiting '"$((gen - 1))"$'\nchanged '"$gen $act" "$(libcheck wait bond0 $((gen - 1)) 30000)"
check "nothing published meanwhile" test "$(page "$node" .generation)" -eq "$gen"

# --- a failover wakes a waiter --------------------------------------------------

# shows_failover LABEL LINE FROM OTHER: a waiter's LINE after a failover
# from generation FROM is "changed GEN IFINDEX" with OTHER's ifindex and
# FROM < GEN <= the generation of the page, which must be quiet by now.
shows_failover() {
	local status wgen wact
	read -r status wgen wact <<<"$2"
	check_eq "$1: changed, new active member" "changed $(ifindex "$4")" "$status $wact"
	check "$1: generation past $3" test "$wgen" -gt "$3"
	check "$1: generation not past the page's" \
		test "$wgen" -le "$(page "$node" .generation)"
}

# failover_wakes TOOL: a TOOL waiter (wait or epoll), waiting until the
# active member changes, is woken by the active member's peer going down;
# its last line shows the failover (shows_failover), against the page as
# exabond-probe (the ABI alone) reads it once quiet. The generation may be
# below that page's: the waiter stops at the failover's publication, and
# another can follow it (a run at 702e077 saw the waiter stop at 5 and the
# page go on to 6; what came after is logged now).
failover_wakes() {
	local tool=$1 gen first other out args
	check "$tool: page quiet before" wait_for 10 page_settled "$node"
	gen=$(page "$node" .generation)
	first=$(bond_active bond0)
	if [[ "$first" == va0 ]]; then other=vb0; else other=va0; fi
	if [[ "$tool" == wait ]]; then args=(wait bond0 "$gen" 30000 active)
	else args=(epoll bond0 30000 active); fi
	bg_start W "$EXABOND_LIBCHECK" "${args[@]}"
	check_eq "$tool: waiter waiting from the page's generation" "waiting $gen" "$(bg_line W)"

	run ip link set "${first/0/1}" down
	check "$tool: failover in rtnetlink" wait_for 5 active_is bond0 "$other"
	check "$tool: waiter done" bg_finish W
	out=$(bg_output W)
	log "$tool: waiter printed:"$'\n'"$out"
	check "$tool: woken only by changes" statuses_match "$out" '(changed )*changed'
	check "$tool: generations rise from $gen" generations_rise "$out" "$gen"
	check "page quiet after" wait_for 10 page_settled "$node"
	log "$tool: the quiet page: $(page "$node" \
		'"generation \(.generation), last event \(.event) on \(.event_ifindex)"')"
	check_eq "$tool: page's active member is $other" "$(ifindex "$other")" \
		"$(page "$node" .hot_ifindex)"
	shows_failover "$tool: last wake-up" "$(tail -n1 <<<"$out")" "$gen" "$other"

	run ip link set "${first/0/1}" up
	check "$first back up" wait_for 5 mii_status_is "$first" UP
}
failover_wakes wait
failover_wakes epoll

# One wait (no loop) across a forced failover: the first publication already
# names the new active member, since a publication that changes it is always
# the failover's.
check "page quiet" wait_for 10 page_settled "$node"
gen=$(page "$node" .generation)
first=$(bond_active bond0)
if [[ "$first" == va0 ]]; then other=vb0; else other=va0; fi
bg_start ONE "$EXABOND_LIBCHECK" wait bond0 "$gen" 30000
check_eq "single wait: waiting" "waiting $gen" "$(bg_line ONE)"
run ip link set bond0 type bond active_slave "$other"
check "single wait: done" bg_finish ONE
out=$(bg_output ONE)
log "single wait printed: $out"
check "page quiet" wait_for 10 page_settled "$node"
shows_failover "single wait" "$out" "$gen" "$other"

# --- the bond goes away ----------------------------------------------------------

# gone_wakes WHAT CMD...: waiters of both kinds, each going on until a wait
# ends in anything but "changed", and a holder of the page (exabond-probe
# hold) are started; CMD ends the bond's page. Each waiter's lines are
# "changed"... then "dead" at the generation of the line before, which is
# the final page's, and the final page is dead.
gone_wakes() {
	local what=$1 gen out final tool
	shift
	check "$what: page quiet before" wait_for 10 page_settled "$node"
	gen=$(page "$node" .generation)
	bg_start HOLD probe hold "$node"
	check_eq "$what: holder ready" ready "$(bg_line HOLD)"
	bg_start WAIT "$EXABOND_LIBCHECK" wait bond0 "$gen" 30000 end
	check_eq "$what: wait waiter waiting" "waiting $gen" "$(bg_line WAIT)"
	bg_start EPOLL "$EXABOND_LIBCHECK" epoll bond0 30000 end
	check_eq "$what: epoll waiter waiting" "waiting $gen" "$(bg_line EPOLL)"

	run "$@"
	check "$what: node gone" wait_for 5 test ! -e "$node"
	bg_finish HOLD
	final=$(bg_output HOLD)
	check_eq "$what: final page dead" 1 "$(jq .hot_dead <<<"$final")"
	for tool in WAIT EPOLL; do
		check "$what: $tool waiter done" bg_finish "$tool"
		out=$(bg_output "$tool")
		log "$what: $tool waiter printed:"$'\n'"$out"
		check "$what: $tool: changed, then dead" statuses_match "$out" '(changed )+dead'
		check "$what: $tool: generations rise from $gen" generations_rise "$out" "$gen"
		check_eq "$what: $tool: dead at the generation it last saw" \
			"$(tail -n2 <<<"$out" | head -n1 | cut -d' ' -f2)" \
			"$(tail -n1 <<<"$out" | cut -d' ' -f2)"
		check_eq "$what: $tool: which is the final page's" \
			"$(jq .generation <<<"$final")" "$(tail -n1 <<<"$out" | cut -d' ' -f2)"
	done
}

gone_wakes "ip link del" ip link del bond0

run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
run ip link set va0 master bond0
run ip link set vb0 master bond0
run ip link set bond0 up
manage bond0
check "bond0 again: an active member" wait_for 5 active_is bond0 ""
unmanage() { check_eq "-$1" ok "$(ctl_write "b'-$1\n'")"; }
gone_wakes "-bond0" unmanage bond0
check "bond0 still there after -bond0" test -d /sys/class/net/bond0/bonding
check_eq "open after -bond0: ENOENT" "ENOENT 2" "$(libcheck open bond0 | cut -d' ' -f1,2)"
