#!/bin/bash
# The policy's module parameters: their defaults, every kind of valid
# write with its canonical read-back, and invalid writes refused with
# EINVAL leaving the value as it was.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

P=$EXABOND_PARAMS
on_exit policy_reset

for p in allowed_modes allowed_drivers max_members require_link_monitor; do
	check "$p exists" test -f "$P/$p"
done

# Defaults (the module was loaded without parameters).
check_eq "default allowed_modes" active-backup "$(policy_get allowed_modes)"
check_eq "default allowed_drivers (any)" "" "$(policy_get allowed_drivers)"
check_eq "default max_members (no limit)" 0 "$(policy_get max_members)"
check_eq "default require_link_monitor" N "$(policy_get require_link_monitor)"
check_eq "read-back ends in one newline" "$(printf 'active-backup\nX')" \
	"$(cat "$P/allowed_modes"; echo X)"

# valid NAME DATA EXPECTED: the write succeeds and reads back EXPECTED.
valid() {
	check_eq "$1 <- '$2'" ok "$(write_file "$P/$1" "$2")"
	check_eq "  reads back" "$3" "$(policy_get "$1")"
}

# invalid NAME DATA: EINVAL and the value stays.
invalid() {
	local before
	before=$(policy_get "$1")
	check_eq "$1 <- '$2' refused" EINVAL "$(write_file "$P/$1" "$2")"
	check_eq "  $1 unchanged" "$before" "$(policy_get "$1")"
}

### allowed_modes
all=balance-rr,active-backup,balance-xor,broadcast,802.3ad,balance-tlb,balance-alb
valid allowed_modes 'balance-rr' balance-rr
valid allowed_modes 'active-backup\n' active-backup
valid allowed_modes 'balance-rr,active-backup' balance-rr,active-backup
valid allowed_modes 'active-backup,balance-rr\n' balance-rr,active-backup
valid allowed_modes 'active-backup balance-rr' balance-rr,active-backup
valid allowed_modes '802.3ad' 802.3ad
valid allowed_modes '4\n' 802.3ad
valid allowed_modes '0,1' balance-rr,active-backup
valid allowed_modes '6 5 4 3 2 1 0' "$all"
valid allowed_modes 'balance-alb,balance-tlb,802.3ad,broadcast,balance-xor,active-backup,balance-rr\n' "$all"
valid allowed_modes 'balance-xor,4' balance-xor,802.3ad
valid allowed_modes 'broadcast' broadcast
valid allowed_modes 'roce-lag' roce-lag
valid allowed_modes 'roce-lag\n' roce-lag
valid allowed_modes '1' active-backup

invalid allowed_modes '\n'
invalid allowed_modes 'nosuch'
invalid allowed_modes 'active-backup,nosuch'
invalid allowed_modes '7'
invalid allowed_modes '0,7'
invalid allowed_modes '10'
invalid allowed_modes '-1'
invalid allowed_modes 'roce-lag,1'
invalid allowed_modes '1,roce-lag'
invalid allowed_modes 'roce-lag active-backup'
# The failed writes above left "active-backup"; from another value too.
valid allowed_modes 'roce-lag' roce-lag
invalid allowed_modes 'balance-rr,nosuch'
invalid allowed_modes '8'

### allowed_drivers
valid allowed_drivers 'virtio_net' virtio_net
valid allowed_drivers 'virtio_net,veth\n' virtio_net,veth
valid allowed_drivers 'mlx5_core,exanic,virtio_net' mlx5_core,exanic,virtio_net
name31=$(printf 'a%.0s' {1..31})
valid allowed_drivers "$name31" "$name31"
valid allowed_drivers 'A-Z.a_z-0.9' A-Z.a_z-0.9
sixteen=$(printf 'd%d,' {1..16})
sixteen=${sixteen%,}
valid allowed_drivers "$sixteen" "$sixteen"
valid allowed_drivers '\n' ""
valid allowed_drivers 'veth' veth

invalid allowed_drivers "${name31}b"
invalid allowed_drivers "$sixteen,d17"
invalid allowed_drivers 'virtio/net'
invalid allowed_drivers 'veth,vi:rtio'
invalid allowed_drivers 'veth,\xc3\xa9'
check_eq "allowed_drivers still veth" veth "$(policy_get allowed_drivers)"

### max_members
valid max_members '2' 2
valid max_members '16\n' 16
valid max_members '4294967295' 4294967295
valid max_members '0' 0
valid max_members '1' 1
invalid max_members '\n'
invalid max_members '-1'
invalid max_members 'two'
# Past UINT_MAX: kstrtouint says ERANGE, the contract says EINVAL.
check_eq "max_members <- 4294967296 refused" EINVAL \
	"$(write_file "$P/max_members" 4294967296)"
check_eq "  max_members unchanged" 1 "$(policy_get max_members)"
invalid max_members '1x'

### require_link_monitor
valid require_link_monitor 'Y' Y
valid require_link_monitor 'N\n' N
valid require_link_monitor '1' Y
valid require_link_monitor '0\n' N
valid require_link_monitor 'y' Y
valid require_link_monitor 'n' N
invalid require_link_monitor '2'
invalid require_link_monitor 'maybe'
invalid require_link_monitor '\n'

# Root's files: another user cannot write them.
before=$(policy_get allowed_modes)
check "a user cannot write allowed_modes" \
	grep -q 'Permission denied' <<<"$(setpriv --reuid=65534 --regid=65534 \
		--clear-groups bash -c "echo balance-rr > $P/allowed_modes" 2>&1)"
check_eq "allowed_modes unchanged" "$before" "$(policy_get allowed_modes)"

policy_reset >/dev/null
check_eq "reset: allowed_modes" active-backup "$(policy_get allowed_modes)"
check_eq "reset: allowed_drivers" "" "$(policy_get allowed_drivers)"
check_eq "reset: max_members" 0 "$(policy_get max_members)"
check_eq "reset: require_link_monitor" N "$(policy_get require_link_monitor)"

# The page of a managed bond shows the policy in force.
run ip link add bond0 type bond mode active-backup miimon 100
on_exit ip link del bond0
manage bond0
node=/dev/exabond-bond0
check_eq "page: allowed_modes (active-backup)" 2 "$(page "$node" .policy.allowed_modes)"
check_eq "page: max_members" 0 "$(page "$node" .policy.max_members)"
# page_policy_is MODES MAX: for wait_for.
page_policy_is() {
	[[ "$(page "$node" '"\(.policy.allowed_modes) \(.policy.max_members)"')" == "$1 $2" ]]
}
policy_set allowed_modes balance-rr,802.3ad
check "page: balance-rr,802.3ad" wait_for 5 page_policy_is 17 0
policy_set allowed_modes roce-lag
check "page: roce-lag (1, 2, 4)" wait_for 5 page_policy_is 22 0
policy_set allowed_modes 0,1,2,3,4,5,6
check "page: every mode" wait_for 5 page_policy_is 127 0
policy_set max_members 5
check "page: max_members" wait_for 5 page_policy_is 127 5
policy_reset >/dev/null
check "page: the defaults again" wait_for 5 page_policy_is 2 0

# Load-time values (insmod or options in /etc/modprobe.d) go through the
# same parser: valid ones are in force at once, an invalid one fails the
# load.
run rmmod exabond
on_exit insmod "$EXABOND_MODULE"
run insmod "$EXABOND_MODULE" allowed_modes=roce-lag allowed_drivers=virtio_net,veth \
	max_members=2 require_link_monitor=Y
check_eq "loaded: allowed_modes" roce-lag "$(policy_get allowed_modes)"
check_eq "loaded: allowed_drivers" virtio_net,veth "$(policy_get allowed_drivers)"
check_eq "loaded: max_members" 2 "$(policy_get max_members)"
check_eq "loaded: require_link_monitor" Y "$(policy_get require_link_monitor)"
run rmmod exabond
check "an invalid allowed_modes fails the load" \
	eval "! insmod '$EXABOND_MODULE' allowed_modes=0,nosuch"
check "an invalid allowed_drivers fails the load" \
	eval "! insmod '$EXABOND_MODULE' allowed_drivers=a/b"
check "not loaded" eval "! grep -q '^exabond ' /proc/modules"
run insmod "$EXABOND_MODULE"
check_eq "reloaded: allowed_modes" active-backup "$(policy_get allowed_modes)"
check_eq "reloaded: allowed_drivers" "" "$(policy_get allowed_drivers)"
