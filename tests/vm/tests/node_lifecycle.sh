#!/bin/bash
# The node of a managed bond through its whole life: created by +bond with
# its sysfs attributes, renamed with the bond, and gone at -bond or when the
# bond is deleted, while a process that still maps the page reads the final
# state with the dead flag. rmmod is refused while a node is mapped.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
ifindex=$(cat /sys/class/net/bond0/ifindex)
netns_ino=$(stat -L -c %i /proc/self/ns/net)

manage bond0
node=/dev/exabond-bond0
check "node exists" test -c "$node"
check_eq "node mode" "cr--r--r--" "$(stat -c %A "$node")"
sys=/sys/class/exabond/exabond-bond0
check_eq "sysfs bond" bond0 "$(cat "$sys/bond")"
check_eq "sysfs ifindex" "$ifindex" "$(cat "$sys/ifindex")"
check_eq "sysfs netns" "$netns_ino" "$(cat "$sys/netns")"
check_eq "dev numbers match sysfs" "$(cat "$sys/dev")" \
	"$(printf '%d:%d' "0x$(stat -c %t "$node")" "0x$(stat -c %T "$node")")"
check_eq "page magic" $((0x44425845)) "$(page "$node" .magic)"
check_eq "page abi" "1.1" "$(page "$node" '"\(.abi_major).\(.abi_minor)"')"
check_eq "page size" 2944 "$(page "$node" .size)"
check_eq "publisher kernel" 1 "$(page "$node" .publisher)"
check_eq "page bond ifindex" "$ifindex" "$(page "$node" .bond.ifindex)"
check_eq "page netns" "$netns_ino" "$(page "$node" .bond.netns_ino)"
check_eq "first event: manage" 1 "$(page "$node" .event)"
check "page equals rtnetlink" page_matches "$node" bond0

# Rename: the node follows, an open mapping keeps reading.
bg_start HOLD probe hold "$node"
ready=$(bg_line HOLD)
check_eq "holder mapped the page" ready "$ready"
run ip link set bond0 name bondX
check "old node gone" test ! -e "$node"
check "new node" test -c /dev/exabond-bondX
check_eq "sysfs bond after rename" bondX "$(cat /sys/class/exabond/exabond-bondX/bond)"
check_eq "listed under the new name" bondX "$(managed_list)"
check_eq "page name" bondX "$(page /dev/exabond-bondX .bond.name)"
check_eq "event: rename" 10 "$(page /dev/exabond-bondX .event)"
run ip link set bondX name bond0
check "renamed back" test -c "$node"

# -bond while mapped: final state, dead, node gone, mapping still valid.
gen=$(page "$node" .generation)
check_eq "-bond0" ok "$(ctl_write "b'-bond0\n'")"
check "node gone after -bond" test ! -e "$node"
check "class entry gone" test ! -e "$sys"
bg_finish HOLD
final=$(bg_output HOLD)
check_eq "holder: dead" 1 "$(jq -r .hot_dead <<<"$final")"
check_eq "holder: event unmanage" 2 "$(jq -r .event <<<"$final")"
check_eq "holder: generation moved by one" $((gen + 1)) "$(jq -r .generation <<<"$final")"
check_eq "holder: still the bond" bond0 "$(jq -r .bond.name <<<"$final")"
check_eq "list empty" "" "$(managed_list)"

# Bond deleted while mapped.
manage bond0
bg_start HOLD probe hold "$node"
ready=$(bg_line HOLD)
run ip link del bond0
check "node gone with the bond" test ! -e "$node"
bg_finish HOLD
final=$(bg_output HOLD)
check_eq "holder after delete: dead" 1 "$(jq -r .hot_dead <<<"$final")"
check_eq "holder after delete: event bond delete" 3 "$(jq -r .event <<<"$final")"
check_eq "list empty after delete" "" "$(managed_list)"

# rmmod while mapped: refused; once the mapping is gone: allowed.
run ip link add bond0 type bond mode active-backup miimon 100
manage bond0
bg_start HOLD probe hold "$node"
ready=$(bg_line HOLD)
check "module in use while mapped" test "$(cat /sys/module/exabond/refcnt)" -gt 0
if rmmod exabond 2>/dev/null; then
	fail "rmmod succeeded while the page was mapped"
fi
log "ok: rmmod refused while mapped"
bg_finish HOLD
check_eq "refcount back to 0" 0 "$(cat /sys/module/exabond/refcnt)"
run rmmod exabond
check "node gone with the module" test ! -e "$node"
check "bond untouched by rmmod" test -d /sys/class/net/bond0/bonding
check_eq "bond still active-backup" active-backup \
	"$(ip -j -d link show bond0 | jq -r '.[0].linkinfo.info_data.mode')"
run insmod "$EXABOND_MODULE"
check_eq "nothing managed after reload" "" "$(managed_list)"
