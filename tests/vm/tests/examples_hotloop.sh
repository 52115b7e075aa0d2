#!/bin/bash
# vm-timeout: 180
# examples/hotloop in a real failover: exabond-hotloop (C++) and
# exabond-hotloop-c (C), each spinning in its hot loop (pinned to CPU 1)
# and sleeping with --block, follow a managed active-backup bond over the
# two ports of the dual-port card. Cutting the active port's carrier from
# outside (QMP) makes every reader print the raw carrier loss of that
# member, bonding's link-down verdict and the failover old -> new, with the
# page's own timestamps and seen_ns >= published_ns >= changed_ns; the C
# and C++ programs print the same lines (apart from when each saw them).
# The link comes back; deleting the bond makes each print "gone" and exit 0.
#
#   bond0 (active-backup, miimon 100, managed)
#     +-- card0p0 --+
#     +-- card0p1 --+-- QEMU hub
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

readonly HOTLOOP_DIR=$EXABOND_BUILD/examples/hotloop
readers=(cpp-hot c-hot cpp-block c-block)
declare -A exe=([cpp-hot]=exabond-hotloop [c-hot]=exabond-hotloop-c
		[cpp-block]=exabond-hotloop [c-block]=exabond-hotloop-c)
declare -A args=([cpp-hot]="--cpu 1" [c-hot]="--cpu 1"
		 [cpp-block]="--block" [c-block]="--block")
declare -A pid=()

taskset -pc 0 $$ >/dev/null	# the shell and what it starts keep off the spinners' CPU
for r in "${readers[@]}"; do
	[[ -x "$HOTLOOP_DIR/${exe[$r]}" ]] ||
		fail "$HOTLOOP_DIR/${exe[$r]} is not built (EXABOND_EXAMPLES=OFF?)"
done

out_of() { echo "$PWD/$1.out"; }

# printed READER ERE: the reader printed a line matching ERE; for wait_for.
printed() { grep -qE -- "$2" "$(out_of "$1")"; }

# exited PID: the process has ended (a zombie until waited for); for wait_for.
exited() {
	local state
	read -r _ _ state _ 2>/dev/null < "/proc/$1/stat" || return 0
	[[ "$state" == Z ]]
}

# lines READER KIND: the reader's KIND lines (carrier, link, failover...)
# without seen_ns, published_ns and gen, which depend on which publications
# a reader happened to see (a reader woken late sees several at once).
# Bash only: every process spawned is slow in this VM next to two spinners.
lines() {
	local kind rest
	while read -r _ kind rest; do
		[[ "$kind" == "$2" ]] || continue
		[[ "$rest" =~ ^(.*)\ published_ns=[0-9]+\ gen=[0-9]+$ ]] &&
			rest=${BASH_REMATCH[1]}
		echo "$kind $rest"
	done < "$(out_of "$1")"
}

# ordered READER: on every change line, seen_ns >= published_ns >= the
# line's changed_ns or failover_ns (all CLOCK_MONOTONIC); for check.
ordered() {
	awk 'NR > 1 && /published_ns=/ {
		seen = $1; pub = ""; t = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^published_ns=/) pub = substr($i, 14)
			if ($i ~ /^(changed|failover)_ns=/) t = substr($i, index($i, "=") + 1)
		}
		if (pub == "" || t == "" || seen + 0 < pub + 0 || pub + 0 < t + 0) {
			print "out of order: " $0; bad = 1
		}
	} END { exit bad }' "$(out_of "$1")"
}

p0=$(nic card0p0)
p1=$(nic card0p1)
managed_ab_bond bond0 "$p0" "$p1"
node=/dev/exabond-bond0
check "an active member" wait_for 5 active_is bond0 ""
check "page quiet" wait_for 10 page_settled "$node"
first=$(bond_active bond0)
if [[ "$first" == "$p0" ]]; then cut=card0p0 second=$p1; else cut=card0p1 second=$p0; fi
gen=$(page "$node" .generation)

for r in "${readers[@]}"; do
	# shellcheck disable=SC2086 # args are words
	"$HOTLOOP_DIR/${exe[$r]}" ${args[$r]} bond0 > "$(out_of "$r")" 2> "$PWD/$r.err" &
	pid[$r]=$!
	on_exit kill "${pid[$r]}"
done
want_start="watching bond0: $node (kernel page), active $first (ifindex $(cat "/sys/class/net/$first/ifindex")), generation $gen"
for r in "${readers[@]}"; do
	check "$r started" wait_for 20 printed "$r" '^watching '
	check_eq "$r: first line" "$want_start" "$(head -n1 "$(out_of "$r")")"
done

# --- cut the active port ----------------------------------------------------------

set_link "$cut" down
check "bonding fails over to $second" wait_for 10 active_is bond0 "$second"
for r in "${readers[@]}"; do
	check "$r saw the failover" \
		wait_for 20 printed "$r" "^[0-9]+ failover $first -> $second "
done
snap=$(probe dump "$node")
lost_ix=$(cat "/sys/class/net/$first/ifindex")
carrier_ns=$(jq ".members[] | select(.ifindex == $lost_ix) | .carrier_changed_ns" <<<"$snap")
link_ns=$(jq ".members[] | select(.ifindex == $lost_ix) | .link_changed_ns" <<<"$snap")
failover_ns=$(jq .bond.last_failover_ns <<<"$snap")
for r in "${readers[@]}"; do
	check_eq "$r: the carrier loss, with the page's time" \
		"carrier $first down changed_ns=$carrier_ns" "$(lines "$r" carrier)"
	check_eq "$r: bonding's verdict, with the page's time" \
		"link $first down changed_ns=$link_ns" "$(lines "$r" link)"
	check_eq "$r: the failover, with the page's time" \
		"failover $first -> $second failover_ns=$failover_ns" "$(lines "$r" failover)"
done

# --- restore it ---------------------------------------------------------------------

set_link "$cut" up
check "$first back up in the bond" wait_for 10 mii_status_is "$first" UP
for r in "${readers[@]}"; do
	check "$r saw $first's link up" wait_for 20 printed "$r" "^[0-9]+ link $first up "
done
snap=$(probe dump "$node")
carrier_ns=$(jq ".members[] | select(.ifindex == $lost_ix) | .carrier_changed_ns" <<<"$snap")
link_ns=$(jq ".members[] | select(.ifindex == $lost_ix) | .link_changed_ns" <<<"$snap")
for r in "${readers[@]}"; do
	check_eq "$r: the carrier, back" "carrier $first up changed_ns=$carrier_ns" \
		"$(lines "$r" carrier | tail -n1)"
	# Bonding may pass through "back" on the way, and a reader may or may
	# not have seen that publication on its own: only the last line counts.
	check_eq "$r: the link, up" "link $first up changed_ns=$link_ns" \
		"$(lines "$r" link | tail -n1)"
	check_eq "$r: still one failover" 1 "$(lines "$r" failover | wc -l)"
done

# --- C and C++ print the same --------------------------------------------------------

for mode in hot block; do
	for kind in carrier failover; do
		check_eq "$kind lines: C = C++ ($mode)" "$(lines "cpp-$mode" "$kind")" \
			"$(lines "c-$mode" "$kind")"
	done
	check_eq "link lines at the failover: C = C++ ($mode)" \
		"$(lines "cpp-$mode" link | head -n1)" "$(lines "c-$mode" link | head -n1)"
done

# --- delete the bond ---------------------------------------------------------------------

run ip link del bond0
for r in "${readers[@]}"; do
	check "$r printed gone" wait_for 20 printed "$r" '^[0-9]+ gone gen=[0-9]+$'
	check "$r exited" wait_for 20 exited "${pid[$r]}"
	rc=0
	wait "${pid[$r]}" || rc=$?
	check_eq "$r: exit status" 0 "$rc"
	check_eq "$r: gone is the last line" gone "$(tail -n1 "$(out_of "$r")" | cut -d' ' -f2)"
	check "$r: seen_ns >= published_ns >= changed_ns on every line" ordered "$r"
	check_eq "$r: nothing on stderr" "" "$(cat "$PWD/$r.err")"
	log "--- $r (${exe[$r]} ${args[$r]} bond0):"
	sed 's/^/    /' "$(out_of "$r")"
done
