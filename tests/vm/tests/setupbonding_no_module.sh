#!/bin/bash
# examples/setupbonding without exabond loaded:
#  - it tries `modprobe exabond`; the module is not installed in
#    /lib/modules here, so that fails and it says so clearly, exit 3,
#    nothing changed; its dry run says the same (modprobe -n);
#  - the Exasock form 0 needs no exabond and works;
#  - with a modprobe that can load it (a wrapper first in PATH that
#    insmods the module under test): a check that fails after loading it
#    unloads it again (nothing changed); a dry run prints the modprobe and
#    says it could not check the policy; a step that fails rolls back the
#    load too; and a good run loads it, sets the bond up and keeps it.
# vm-timeout: 240
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
source "$EXABOND_REPO/tests/vm/guest/setupbonding_lib.sh"

c00=$(nic card0p0)
c01=$(nic card0p1)
bond=sbm
P="setupbonding:"
exabond_loaded() { lsmod | grep -q '^exabond '; }

if modprobe -n exabond >/dev/null 2>&1; then
	skip "modprobe finds an exabond module in /lib/modules/$(uname -r): cannot test a failed load"
fi
keep_admin "$c00"
keep_admin "$c01"
on_exit ip link del "$bond"
# Loaded again after the test, whatever happened.
# shellcheck disable=SC2016 # expanded by that sh
on_exit sh -c 'lsmod | grep -q "^exabond " || insmod "$1"' sh "$EXABOND_MODULE"
run rmmod exabond
check "exabond is unloaded" eval "! exabond_loaded"
check "no control file" test ! -e /sys/class/net/exabond_masters

### modprobe exabond fails
before=$(sys_state)
sb "$bond" "$c00" "$c01"
check_eq "not loadable: exit status" 3 "$rc"
check_eq "not loadable: the message" \
	"$P exabond is not loaded and 'modprobe exabond' failed (modprobe: FATAL: Module exabond not found in directory /lib/modules/$(uname -r)): install it (make install) or load it (insmod kmod/exabond.ko), then retry" \
	"$err"
check_eq "not loadable: what it tried" "+ modprobe exabond" "$out"
same_state "not loadable" "$before"

sb -n "$bond" "$c00" "$c01"
check_eq "not loadable, dry run: exit status" 3 "$rc"
check_eq "not loadable, dry run: the message" \
	"$P exabond is not loaded and cannot be loaded (modprobe -n exabond failed: modprobe: FATAL: Module exabond not found in directory /lib/modules/$(uname -r)): install it (make install) or load it (insmod kmod/exabond.ko)" \
	"$err"
check_eq "not loadable, dry run: nothing on stdout" "" "$out"
same_state "not loadable, dry run" "$before"

### The Exasock form 0 needs no exabond.
veth_pair smx0 smx1
sb 0 smx0 10.88.0.1/24
check_eq "0 DEV ADDR without exabond: exit status" 0 "$rc"
check_eq "0 DEV ADDR without exabond: the address" 10.88.0.1/24 "$(addrs_of smx0)"
check "0 DEV ADDR without exabond: still not loaded" eval "! exabond_loaded"

### A modprobe that loads the module under test.
fake=$PWD/fake
mkdir -p "$fake"
cat > "$fake/modprobe" <<EOF
#!/bin/bash
# modprobe for exabond from $EXABOND_MODULE; the real one for the rest.
case "\$*" in
exabond) exec insmod "$EXABOND_MODULE" ;;
"-r exabond") exec rmmod exabond ;;
"-n exabond") echo "insmod $EXABOND_MODULE"; exit 0 ;;
esac
exec $(command -v modprobe) "\$@"
EOF
chmod +x "$fake/modprobe"
run ip addr flush dev smx0

# A check that fails after the load: unloaded again.
before=$(sys_state)
PATH=$fake:$PATH sb -m balance-rr "$bond" "$c00"
check_eq "loaded, then refused: exit status" 3 "$rc"
check_eq "loaded, then refused: the message" \
	"$P mode balance-rr is not in exabond's allowed_modes (active-backup)" "$err"
check "loaded, then refused: unloaded again" eval "! exabond_loaded"
same_state "loaded, then refused" "$before"

# A dry run loads nothing.
PATH=$fake:$PATH sb -n "$bond" "$c00" "$c01"
check_eq "dry run: exit status" 0 "$rc"
check_eq "dry run: the note" "$P exabond is not loaded: the dry run cannot check its policy" "$err"
check_eq "dry run: the commands" "+ modprobe exabond
+ ip link add $bond type bond mode active-backup miimon 100
+ echo +$bond > /sys/class/net/exabond_masters
+ ip link set dev $c00 master $bond
+ ip link set dev $c01 master $bond
+ ip link set dev $bond up" "$out"
same_state "dry run" "$before"

# A step that fails: the load is rolled back with the rest.
fake_ip "$fake" "link set dev $bond up"
PATH=$fake:$PATH sb "$bond" "$c00" "$c01"
check_eq "failed step: exit status" 4 "$rc"
check_eq "failed step: rolled back" "$P rolled back: undid all 5 change(s)" "$(sed -n 2p <<<"$err")"
check_eq "failed step: the last undo" "- modprobe -r exabond" "$(grep '^- ' <<<"$out" | tail -n1)"
check "failed step: unloaded again" eval "! exabond_loaded"
settles_to "failed step" "$before"
rm "$fake/ip"

# A good run loads it and keeps it.
PATH=$fake:$PATH sb "$bond" "$c00" "$c01"
check_eq "good run: exit status" 0 "$rc"
check_eq "good run: loads exabond first" "+ modprobe exabond" "$(head -n1 <<<"$out")"
check "good run: exabond loaded" exabond_loaded
check "good run: managed" is_managed "$bond"
check_eq "good run: members" "$c00 $c01" "$(members "$bond")"
run ip link del "$bond"

soft_verdict
