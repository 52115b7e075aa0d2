#!/bin/bash
# vm-timeout: 1500
# Linux's own bonding selftests give the same results with exabond managing
# every bond they create as without exabond: exabond wraps bonding and must
# not change what bonding does. They are the running kernel's
# tools/testing/selftests/drivers/net/bonding, extracted from Debian's
# linux-source tarball on the host (tests/vm/tools/extract-bonding-selftests.sh,
# run by make). Each one runs as kselftest's runner runs it (from its
# directory, under its `settings` timeout, scaled for the emulated CPU),
# in two configurations:
#
#   baseline  exabond unloaded
#   exabond   exabond loaded, a policy that allows every mode, any driver
#             and any number of members, and every bond managed the moment
#             `ip [-n NS] link add ... type bond` created it: an `ip` wrapper
#             first in the selftests' PATH writes +NAME to that namespace's
#             exabond_masters before it returns, and logs the answer
#
# Compared per selftest: its exit status, each "TEST: ... [ OK ]" verdict,
# whether bonding is loaded after it (bond-break-lacpdu-tx.sh ends with
# `modprobe -r bonding`, which exabond must not prevent) and how much it
# left behind. A selftest whose results differ runs again in both
# configurations, for a few rounds: the test fails only if no run with
# exabond gave the result of any run without (some selftests race their
# own sleeps under an emulated CPU). Asserted besides: in every exabond
# run at least one bond per selftest was managed, exabond refused
# nothing, and exabond is still loaded at the end, with its hooks back on
# the reloaded bonding.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

readonly tree=$EXABOND_BUILD/bonding-selftests
readonly bonding_dir=tools/testing/selftests/drivers/net/bonding
readonly tool=tests/vm/tools/extract-bonding-selftests.sh
[[ -f "$tree/$bonding_dir/Makefile" ]] ||
	fail "no bonding selftests in $tree: make runs $tool /usr/src/linux-source-6.1.tar.xz $tree"

# makefile_list MAKEFILE REGEX: the words assigned to the variables whose
# names match REGEX, one a line (as in $tool).
makefile_list() {
	awk -v re="^($2)[ \\t]*:?=" '
		$0 ~ re { sub(/^[^=]*=/, ""); f = 1 }
		f { c = /\\$/; gsub(/\\/, ""); n = split($0, w); for (i = 1; i <= n; i++) print w[i]; f = c }' "$1"
}

mapfile -t selftests < <(makefile_list "$tree/$bonding_dir/Makefile" TEST_PROGS)
((${#selftests[@]})) || fail "no TEST_PROGS in $tree/$bonding_dir/Makefile"
settings=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$tree/$bonding_dir/settings")
settings=${settings:-45} # kselftest's default
# settings' timeout is meant for real CPUs; under the guest's emulated one
# dev_addr_lists.sh alone takes 50-60 s of its 60 on a busy host, and one
# killed midway would give a partial result that differs by chance.
readonly slowdown=3
limit=$((settings * slowdown))
log "selftests: ${selftests[*]} (timeout ${limit}s each: settings' ${settings}s x $slowdown for the emulated CPU)"

# --- the wrapper ---------------------------------------------------------------

bin=$PWD/bin
mkdir "$bin"
{
	printf '#!/bin/bash\nreal=%q\nprobe=%q\n' "$(command -v ip)" "$EXABOND_PROBE"
	cat <<'EOF'
# ip for the bonding selftests: the real ip, then, after a successful
# `ip [-n NS] link add NAME ... type bond ...` (also run by `ip netns exec
# NS`, which finds this wrapper in PATH again), +NAME to that namespace's
# exabond_masters. One line per bond to $EXABOND_WRAP_LOG: "NETNS NAME
# RESULT", RESULT "ok" or the errno name (ENOENT: no control file, exabond
# is not loaded). Prints nothing of its own: the selftests parse ip's output.
# Anything else is ip itself, exec'd: the selftests race their own sleeps.
case " $* " in
*" bond "*) ;;
*) exec "$real" "$@" ;;
esac
"$real" "$@"
rc=$?
[[ $rc == 0 && -n "${EXABOND_WRAP_LOG:-}" ]] || exit "$rc"
ns=
while (($#)) && [[ $1 == -* ]]; do
	case $1 in
	-n | -netns) ns=${2:-}; shift $(($# < 2 ? $# : 2)) ;;
	-b | -batch) exit 0 ;;
	-f | -family | -l | -loops | -rc | -rcvbuf) shift $(($# < 2 ? $# : 2)) ;;
	*) shift ;;
	esac
done
[[ ${1:-} == link && ${2:-} == add ]] || exit 0
shift 2
name='' kind=''
while (($#)); do
	case $1 in
	name | dev) name=${2:-}; shift $(($# < 2 ? $# : 2)) ;;
	type) kind=${2:-}; break ;;
	up | down | nomaster) shift ;;
	address | broadcast | brd | mtu | netns | link | link-netns | link-netnsid | \
	txqueuelen | qlen | txqlen | index | group | alias | numtxqueues | \
	numrxqueues | gso_max_size | gso_max_segs | gro_max_size | parentdev | \
	master | arp | multicast | allmulticast | promisc | trailers | dynamic | \
	addrgenmode | protodown | protodown_reason)
		shift $(($# < 2 ? $# : 2)) ;;
	*) [[ -n $name ]] || name=$1; shift ;;
	esac
done
[[ $kind == bond ]] || exit 0
if [[ -n $ns ]]; then
	r=$("$real" netns exec "$ns" "$probe" write /sys/class/net/exabond_masters "+$name\\n" 2>&1)
else
	ns=$("$real" netns identify 2>/dev/null)
	r=$("$probe" write /sys/class/net/exabond_masters "+$name\\n" 2>&1)
fi
r=${r//$'\n'/ }
printf '%s %s %s\n' "${ns:--}" "$name" "${r:-no-answer}" >> "$EXABOND_WRAP_LOG"
exit 0
EOF
} > "$bin/ip"
chmod +x "$bin/ip"
if ! command -v ping >/dev/null; then
	# shellcheck disable=SC2016 # $@ is the shim's
	printf '#!/bin/sh\nexec busybox ping "$@"\n' > "$bin/ping"
	chmod +x "$bin/ping"
	log "note: no ping here (Debian's iputils-ping); busybox's ping stands in"
fi

# --- running them -----------------------------------------------------------------

# leftover_state: what a selftest might leave behind here.
leftover_state() {
	ip netns list | awk '{ print "netns " $1 }'
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link " $2 }'
}

# sweep BEFORE: remove what appeared since leftover_state wrote BEFORE;
# prints how many things that was.
sweep() {
	local what name n=0
	while read -r what name; do
		case $what in
		netns) ip netns pids "$name" | xargs -r kill -9; ip netns del "$name" ;;
		link) ip link del "$name" ;;
		esac >/dev/null 2>&1
		printf 'left behind: %s %s\n' "$what" "$name" >&2
		n=$((n + 1))
	done < <(leftover_state | sort | comm -13 <(sort "$1") -)
	echo "$n"
}

panic=$(sysctl -n kernel.panic)
# bond-arp-interval-causes-panic.sh sets kernel.panic and never restores it.
on_exit sysctl -qw "kernel.panic=$panic"

module_loaded() { grep -q "^$1 " /proc/modules; }

# run_selftest DIR NAME: NAME as kselftest runs it, in a copy of the tree
# of its own under DIR/NAME/, with its output, the wrapper's log and its
# result: one "KEY<tab>VALUE" line per thing compared.
run_selftest() {
	local dir=$1/$2 rc=0 t0 ms left bonding=loaded
	mkdir -p "$dir"
	cp -a "$tree/tools" "$dir/"
	: > "$dir/managed"
	leftover_state > "$dir/before"
	echo "bonding_selftests: begin ${dir#"$PWD"/}" > /dev/kmsg
	t0=$(date +%s%N)
	(cd "$dir/$bonding_dir" && EXABOND_WRAP_LOG=$dir/managed PATH=$bin:$PATH \
		exec timeout -k 5 "$limit" "./$2") > "$dir/out" 2>&1 || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "$ms" > "$dir/ms"
	dmesg | awk -v m="bonding_selftests: begin ${dir#"$PWD"/}" 'f; index($0, m) { f = 1 }' \
		> "$dir/klog"
	module_loaded bonding || bonding=unloaded
	left=$(sweep "$dir/before" 2>>"$dir/out")
	sysctl -qw "kernel.panic=$panic"
	{
		printf 'exit status\t%s\n' "$rc"
		printf 'bonding after it\t%s\n' "$bonding"
		printf 'things left behind\t%s\n' "$left"
		sed -n 's/^TEST: \(.*[^ ]\) *\[ *\([A-Z]*\) *\]$/TEST \1\t\2/p' "$dir/out"
	} > "$dir/result"
	log "${dir#"$PWD"/}: exit $rc after ${ms}ms (limit ${limit}s)," \
		"$(grep -c '^TEST ' "$dir/result" || true) TEST line(s), bonding $bonding," \
		"$left left behind, $(wc -l < "$dir/managed") bond(s) created," \
		"$(grep -c ' ok$' "$dir/managed" || true) managed"
}

# configure baseline|exabond: exabond unloaded, or loaded with a policy
# that allows everything.
configure() {
	local p
	if [[ $1 == baseline ]]; then
		if module_loaded exabond; then run rmmod exabond; fi
		check "exabond unloaded" eval '! module_loaded exabond'
	else
		module_loaded exabond || run insmod "$EXABOND_MODULE"
		policy_set allowed_modes 0,1,2,3,4,5,6
		policy_set allowed_drivers ''
		policy_set max_members 0
		policy_set require_link_monitor N
		for p in allowed_modes allowed_drivers max_members require_link_monitor; do
			log "policy: $p=$(policy_get "$p")"
		done
	fi
	# Both start alike: bond-break-lacpdu-tx.sh unloads bonding.
	run modprobe bonding
}

# run_round ROUND CONFIG NAME...: the selftests one after the other, into
# ROUND/CONFIG/.
run_round() {
	local round=$1 config=$2 t
	shift 2
	configure "$config"
	for t in "$@"; do
		run_selftest "$PWD/$round/$config" "$t"
		[[ $config != exabond ]] || check "exabond still loaded after $t" module_loaded exabond
	done
}

# hooks: how many of bonding's functions exabond has redirected.
hooks() {
	[[ -e /sys/kernel/tracing/enabled_functions ]] ||
		mount -t tracefs nodev /sys/kernel/tracing
	grep -c '\[exabond\]' /sys/kernel/tracing/enabled_functions || true
}

restore_modules() {
	modprobe bonding
	module_loaded exabond || insmod "$EXABOND_MODULE"
}
on_exit restore_modules

# The first run of anything in the guest is its slowest (code read over
# 9p, translated by the emulator), and the baseline runs first. Timing
# matters: bond-break-lacpdu-tx.sh counts LACPDUs only from its tcpdump's
# start, and bonding sends a burst of them for about 4 s after the ports
# come up, then one every 30 s; in its first run here the commands before
# tcpdump take about 1 s each instead of 0.1-0.4 s and the burst is over.
# Warm what can be warmed cheaply: the binaries, the modules the
# selftests load, tcpdump's first start (libpcap loads the libraries of
# all its capture modules then). The rounds below take care of the rest.
modprobe -a bridge dummy macvlan
tcpdump -D > /dev/null 2>&1 || true
timeout -s INT 2 tcpdump -n -i lo -w /dev/null > /dev/null 2>&1 || true
for c in bash sh ip tcpdump jq bridge busybox pkill modprobe sysctl timeout \
	mktemp awk grep sed cut sleep date dirname; do
	p=$(type -P "$c") || continue	# the file, also where a builtin shadows it
	cat "$p" > /dev/null
	# ldd fails on a static binary (busybox).
	ldd "$p" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		xargs -r cat > /dev/null || true
done

hooks_before=$(hooks)
log "exabond hooks on bonding before: $hooks_before"
klog_mark

# --- rounds: all of them, then again those whose results differ ----------------------

# Under an emulated CPU some selftests race their own sleeps (the LACPDU
# burst above), so a result counts as exabond's doing only
# if no run without exabond ever gave it: each round runs again, in both
# configurations, the selftests that have no result in common yet. A
# difference exabond causes shows in every round; a timing accident that
# splits the same way round after round, seldom. Rounds after the second
# start only within a budget: a real difference in every selftest must
# not take the whole VM's time.
max_rounds=6
retry_budget=300
pending=("${selftests[@]}")
declare -A agreed
# agree T R: some run of T with exabond in rounds 1..R gave the result of
# some run without; sets agreed[T] to "BASELINE-ROUND EXABOND-ROUND".
agree() {
	local i j
	for ((i = 1; i <= $2; i++)); do
		for ((j = 1; j <= $2; j++)); do
			if cmp -s "$i/baseline/$1/result" "$j/exabond/$1/result"; then
				agreed[$1]="$i $j"
				return 0
			fi
		done
	done
	return 1
}
for ((r = 1; r <= max_rounds && ${#pending[@]}; r++)); do
	((r != 2)) || retry_start=$SECONDS
	if ((r > 2 && SECONDS - retry_start >= retry_budget)); then
		log "no round $r: the retries have taken $((SECONDS - retry_start))s"
		break
	fi
	run_round "$r" baseline "${pending[@]}"
	run_round "$r" exabond "${pending[@]}"
	still=()
	for t in "${pending[@]}"; do
		agree "$t" "$r" || still+=("$t")
	done
	pending=("${still[@]}")
done
rounds=$((r - 1))

exabond_log=$(klog_since | grep 'exabond: ' || true)
log "exabond's kernel log over the test ($(grep -c . <<<"$exabond_log" || true) lines):"
[[ -z "$exabond_log" ]] || printf '%s\n' "$exabond_log" | sed 's/^/    /'

restore_modules
check "exabond loaded at the end" module_loaded exabond
check_eq "exabond hooks on bonding after (it was unloaded and reloaded)" \
	"$hooks_before" "$(hooks)"

# --- verdicts ----------------------------------------------------------------------

# show FILE: indented.
show() { sed 's/^/    | /' "$1"; }

log "results (expected: without exabond, got: with exabond):"
for t in "${selftests[@]}"; do
	b=1/baseline/$t
	if [[ "$(sed -n 's/^exit status\t//p' "$b/result")" != 0 ]] ||
		grep -q $'^TEST .*\tFAIL$' "$b/result"; then
		log "note: $t fails on this kernel without exabond in round 1; its output" \
			"and the kernel's log meanwhile:"
		show "$b/out"
		show "$b/klog"
	fi
	for ((r = 1; r <= rounds; r++)); do
		e=$r/exabond/$t
		[[ -d $e ]] || break
		managed=$(grep -c ' ok$' "$e/managed" || true)
		log "$t, round $r: $managed of $(wc -l < "$e/managed") bond(s) managed (netns bond result):"
		sed 's/^/    /' "$e/managed"
		grep -v ' ok$' "$e/managed" |
			sed 's/^\([^ ]*\) \([^ ]*\) \(.*\)$/    not managed: \2 in netns \1: \3/' || true
		soft_check "$t, round $r: at least one bond managed" test "$managed" -ge 1
		soft_check "$t, round $r: no bond managed without exabond" \
			eval "! grep -q ' ok\$' '$r/baseline/$t/managed'"
	done
	if [[ -n "${agreed[$t]:-}" ]]; then
		read -r i j <<<"${agreed[$t]}"
		log "ok: $t: the same result with exabond (round $j) as without (round $i):"
		show "$j/exabond/$t/result"
		if [[ ! -d 2/baseline/$t ]]; then
			continue
		fi
		log "note: $t's results vary by timing alone; exit status (duration) per round:"
		for ((r = 1; r <= rounds; r++)); do
			[[ -d $r/baseline/$t ]] || break
			log "    round $r: without exabond" \
				"$(sed -n 's/^exit status\t//p' "$r/baseline/$t/result") ($(cat "$r/baseline/$t/ms")ms)," \
				"with $(sed -n 's/^exit status\t//p' "$r/exabond/$t/result") ($(cat "$r/exabond/$t/ms")ms)"
		done
		log "  round 1's output without, then with exabond:"
		show 1/baseline/"$t"/out
		show 1/exabond/"$t"/out
		continue
	fi
	log "$t: no run with exabond gave a result of a run without, in $rounds rounds; round 1:"
	e=1/exabond/$t
	soft_check_eq "$t: what it checks" "$(cut -f1 "$b/result")" "$(cut -f1 "$e/result")"
	while IFS=$'\t' read -r key value; do
		soft_check_eq "$t: $key" "$value" \
			"$(awk -F'\t' -v k="$key" '$1 == k { print $2 }' "$e/result")"
	done < "$b/result"
	log "$t's output without, then with exabond:"
	show "$b/out"
	show "$e/out"
done
soft_check "exabond refused nothing" eval "! grep -qE ': (refused|not managed: )' <<<\"\$exabond_log\""
soft_verdict
