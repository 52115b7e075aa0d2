#!/bin/bash
# vm-timeout: 180
# Many blocked readers against a fast writer: 16 processes read() the node
# in a loop (8 bytes each, blocking until the generation moves) while both
# members of a miimon-10 bond flap carrier for FLAP_SECONDS. Every reader
# must see its generations strictly rise and end with EOF once the bond is
# deleted, its last read being the dead page's generation.
#
# The wait queue these readers sleep on is taken by every publication, so
# on the PREEMPT_RT kernel this test can show a wake-up moved inside the
# publication's preempt-off section: that spinlock_t is a sleeping lock
# there, and when a reader holding it is off its CPU the writer schedules
# in atomic context ("BUG: scheduling while atomic" in the kernel log,
# which fails the test). Debian's RT kernel checks nothing more, so it is
# caught only sometimes (counts in tests/RELIABILITY.md); the debug kernel
# has the deterministic checks.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

readonly READERS=16 FLAP_SECONDS=40
node=/dev/exabond-bond0

veth_pair va0 va1
veth_pair vb0 vb1
run ip link add bond0 type bond mode active-backup miimon 10
on_exit ip link del bond0
manage bond0
run ip link set va0 master bond0
run ip link set vb0 master bond0
run ip link set bond0 up
check "an active member" wait_for 5 active_is bond0 ""

# Each reader's generations, 8 bytes per read, until EOF.
pids=()
for i in $(seq "$READERS"); do
	dd if="$node" of="reader.$i" bs=8 status=none &
	pids+=($!)
done

flaps=0
end=$((SECONDS + FLAP_SECONDS))
while ((SECONDS < end)); do
	# Both down, then both up: the bond loses and regains its carrier
	# each round, so every round publishes several times.
	ip link set va1 down
	ip link set vb1 down
	ip link set va1 up
	ip link set vb1 up
	flaps=$((flaps + 2))
done
final=$(page "$node" .generation)
log "$flaps carrier flaps; the page is at generation $final"

run ip link del bond0
# The readers' EOF: dd exits 0 after the dead page's last generation.
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || fail "reader $((i + 1)): dd exited $?"
done

# rising FILE: FILE's generations rise strictly; prints how many there are
# and the last one.
rising() {
	od -An -v -t u8 -w8 "$1" | awk '
		{ g = $1 + 0
		  if (n && g <= prev) { print "fell: " prev " then " g; exit 1 }
		  prev = g; n++ }
		END { if (!n) { print "nothing read"; exit 1 } print n, prev }'
}

last_gens=()
reads=0
for i in $(seq "$READERS"); do
	r=$(rising "reader.$i") || fail "reader $i: $r"
	reads=$((reads + ${r% *}))
	last_gens+=("${r#* }")
done
log "$READERS readers: $reads reads in all"
# Each reader's last read is the dead page's generation: the same for all,
# and past the one the page showed before the deletion.
check_eq "readers whose last generation differs from reader 1's" 0 \
	"$(printf '%s\n' "${last_gens[@]}" | grep -cvx "${last_gens[0]}")"
check "the last generation is the deletion's (above $final)" \
	test "${last_gens[0]}" -gt "$final"
