#!/bin/bash
# vm-timeout: 300
# The host configuration of examples/ works as written:
#  1. examples/modprobe.d/exabond.conf: `modprobe exabond` applies its
#     options and its softdep (bonding is loaded first), and so does the
#     boot path, systemd-modules-load with examples/modules-load.d/.
#  2. examples/systemd-networkd/: systemd-networkd itself (the host's, run
#     here without systemd as PID 1) builds bond0 over card0p0 and card0p1,
#     vlan100 on it and br0 on that with the address, without a warning
#     about any of the files.
#  3. userspace/ctl/exabond-manage@.service.in: its ExecStart= and ExecStop=
#     lines, taken from the file, manage and release bond0, both
#     idempotently, and still fail on a real error; with bond0 managed
#     under the example policy (max_members=2), networkd's attempt to
#     enslave a third port is refused and networkd logs the kernel's reason.
#
# networkd waits for udev to initialise each link unless /sys is read-only
# (its test for "running in a container, no udev"), and there is no udev
# here: it runs in a private mount namespace with /sys read-only and its
# own /run. It reaches no D-Bus, which it survives. The example policy's
# allowed_drivers (mlx5_core) becomes virtio_net, the driver of these
# NICs, and the member names enp5s0f0/enp5s0f1 become card0p0/card0p1's.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

ex=$EXABOND_REPO/examples
unit=$EXABOND_REPO/userspace/ctl/exabond-manage@.service.in
networkd=/lib/systemd/systemd-networkd
modules_load=/lib/systemd/systemd-modules-load
kver=$(uname -r)
p0=$(nic card0p0)
p1=$(nic card0p1)
p2=$(nic card1p0)
scratch=$PWD

for f in "$networkd" "$modules_load"; do
	[[ -x "$f" ]] || skip "$f is not installed (package systemd)"
done
id systemd-network >/dev/null 2>&1 ||
	skip "no systemd-network user: systemd-networkd cannot drop privileges"

# The harness's module, loaded as it was, at the very end (registered
# first, so it runs last): whatever this test loaded is replaced.
restore_modules() {
	rmmod exabond 2>/dev/null
	lsmod | grep -q '^bonding ' || modprobe bonding
	insmod "$EXABOND_MODULE"
}
on_exit restore_modules

# What networkd may change on a NIC and this test must put back: admin
# state, MTU, master, addresses (link_state) and per-link sysctls, which
# outlive the bond (networkd 252 sets accept_ra 0, addr_gen_mode 1 and
# promote_secondaries 1 on every port it configures). Builtins only: a
# fork per file is slow under TCG. A file that cannot be read
# (stable_secret while unset: EIO) is not one networkd set.
nic_sysctls() {
	local f v
	for f in /proc/sys/net/ipv4/conf/"$1"/* /proc/sys/net/ipv6/conf/"$1"/*; do
		[[ -w "$f" ]] && IFS= read -r v < "$f" 2>/dev/null || continue
		printf '%s %s\n' "$f" "$v"
	done
}
admin_up() { ip -j link show dev "$1" | jq -r '.[0].flags | index(["UP"]) != null'; }
declare -A link_before up_before sysctl_before
for n in "$p0" "$p1" "$p2"; do
	link_before[$n]=$(link_state "$n")
	up_before[$n]=$(admin_up "$n")
	sysctl_before[$n]=$(nic_sysctls "$n")
done
restore_nic() {
	local n=$1 f v now
	[[ ! -e "/sys/class/net/$n/master" ]] || ip link set dev "$n" nomaster
	while read -r f v; do
		IFS= read -r now < "$f" && [[ "$now" == "$v" ]] || echo "$v" > "$f"
	done <<< "${sysctl_before[$n]}"
	if [[ "${up_before[$n]}" == true ]]; then
		ip link set dev "$n" up
	else
		ip link set dev "$n" down
	fi
}

# --- 1. The persisted policy -------------------------------------------------

# The options line of the example, as NAME=VALUE words, with the guest's
# NIC driver in allowed_drivers.
driver=$(basename "$(readlink -f "/sys/class/net/$p0/device/driver")")
check_eq "card0p0's driver" virtio_net "$driver"
confdir=$scratch/modprobe.d
mkdir -p "$confdir"
sed "s/\(^options exabond .*allowed_drivers=\)[^ ]*/\1$driver/" \
	"$ex/modprobe.d/exabond.conf" > "$confdir/exabond.conf"
# What the distribution ships next to it: bonding without a default bond0.
cp /lib/modprobe.d/systemd.conf "$confdir/"
read -ra options < <(sed -n 's/^options exabond //p' "$confdir/exabond.conf")
((${#options[@]})) || fail "no 'options exabond' line in $ex/modprobe.d/exabond.conf"
check "the example sets max_members (not the default 0)" \
	grep -qE '^options exabond .*max_members=[1-9]' "$confdir/exabond.conf"

# params_are_the_examples: every option of the line reads back as written.
params_are_the_examples() {
	local o
	for o in "${options[@]}"; do
		check_eq "parameter ${o%%=*}" "${o#*=}" \
			"$(cat "/sys/module/exabond/parameters/${o%%=*}")"
	done
}

# A module tree for modprobe -d: exabond.ko, and bonding for the softdep
# with what it depends on, transitively (tls on Debian's kernels, nothing on
# the debug kernel, which has no CONFIG_TLS).
tree=$scratch/root
mkdir -p "$tree/lib/modules/$kver/extra"
cp "$EXABOND_MODULE" "$tree/lib/modules/$kver/extra/exabond.ko"
mods=(bonding)
for ((i = 0; i < ${#mods[@]}; i++)); do
	cp "$(modinfo -n "${mods[i]}")" "$tree/lib/modules/$kver/extra/" ||
		fail "no ${mods[i]}.ko for $kver"
	IFS=, read -ra deps <<<"$(modinfo -F depends "${mods[i]}")"
	for d in "${deps[@]}"; do
		[[ " ${mods[*]} " == *" $d "* ]] || mods+=("$d")
	done
done
log "the tree's modules: exabond ${mods[*]}"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	: > "$tree/lib/modules/$kver/$f"
done
run depmod -b "$tree" "$kver"

run rmmod exabond
run rmmod bonding
run modprobe -d "$tree" -C "$confdir" exabond
check "modprobe exabond loaded bonding first (softdep)" \
	grep -q '^bonding ' /proc/modules
check "... and no bond0 with it" test ! -e /sys/class/net/bond0
params_are_the_examples

# What the file says of a malformed value: the load fails and the kernel
# names the parameter.
mkdir -p "$scratch/bad.d"
sed 's/max_members=[^ ]*/max_members=two/' "$confdir/exabond.conf" > "$scratch/bad.d/exabond.conf"
run rmmod exabond
klog_mark
check "modprobe refuses max_members=two" \
	eval '! modprobe -d "$tree" -C "$scratch/bad.d" exabond'
check "exabond is not loaded" test ! -d /sys/module/exabond
check "the kernel names the parameter" klog_has "max_members"

# The boot path: systemd-modules-load reads the modules-load.d file and
# loads exabond through libkmod, which reads /etc/modprobe.d (here the
# example's directory, in a private mount namespace that also puts the
# module tree above in place).
run unshare -m sh -c '
	mount --bind "$1" "/lib/modules/$2" &&
	mount --bind "$3" /etc/modprobe.d &&
	exec "$4" "$5"' sh "$tree/lib/modules/$kver" "$kver" "$confdir" \
	"$modules_load" "$ex/modules-load.d/exabond.conf"
check "systemd-modules-load loaded exabond" test -d /sys/module/exabond
params_are_the_examples

# --- 2. systemd-networkd -----------------------------------------------------

netdir=$scratch/network
mkdir -p "$netdir" "$scratch/networkd.conf.d"
for f in "$ex"/systemd-networkd/*.network "$ex"/systemd-networkd/*.netdev; do
	sed -e "s/\benp5s0f0\b/$p0/g" -e "s/\benp5s0f1\b/$p1/g" "$f" \
		> "$netdir/$(basename "$f")"
done
check "the member files name card0p0 and card0p1" \
	grep -qx "Name=$p1" "$netdir/10-enp5s0f1.network"
# The VM's routes and rules are not networkd's to clean up.
printf '[Network]\nManageForeignRoutes=no\nManageForeignRoutingPolicyRules=no\n' \
	> "$scratch/networkd.conf.d/test.conf"

# Everything networkd creates goes when the test ends, after networkd
# itself (registered last, so it stops first) and before the NICs are put
# back as they were.
for n in "$p0" "$p1" "$p2"; do
	on_exit restore_nic "$n"
done
on_exit ip link del bond0
on_exit ip link del vlan100
on_exit ip link del br0

networkd_pid=
networkd_log=$scratch/networkd.log
networkd_start() {
	: > "$networkd_log"
	SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_COLOR=0 \
	unshare -m sh -c '
		mount -o remount,bind,ro /sys &&
		mount -t tmpfs -o mode=0755 tmpfs /run &&
		mkdir -p /run/systemd/network /run/systemd/networkd.conf.d &&
		cp "$1"/* /run/systemd/network/ &&
		cp "$2"/* /run/systemd/networkd.conf.d/ &&
		exec "$3"' sh "$netdir" "$scratch/networkd.conf.d" "$networkd" \
		> "$networkd_log" 2>&1 &
	networkd_pid=$!
	on_exit networkd_stop
}
networkd_stop() {
	[[ -n "$networkd_pid" ]] || return 0
	kill "$networkd_pid" 2>/dev/null || true
	wait "$networkd_pid" 2>/dev/null || true
	networkd_pid=
}
networkd_running() { [[ -n "$networkd_pid" ]] && kill -0 "$networkd_pid" 2>/dev/null; }

bond_has() {
	grep -qw -- "$1" /sys/class/net/bond0/bonding/slaves 2>/dev/null
}
kind_of() { ip -j -d link show "$1" 2>/dev/null | jq -r '.[0].linkinfo.info_kind // empty'; }
master_of() { ip -j link show "$1" 2>/dev/null | jq -r '.[0].master // empty'; }
has_addr() { ip -j addr show dev "$1" 2>/dev/null | jq -e --arg a "$2" \
	'[.[0].addr_info[] | "\(.local)/\(.prefixlen)"] | index($a) != null' >/dev/null; }
built() {
	bond_has "$p0" && bond_has "$p1" &&
		[[ "$(master_of vlan100)" == br0 ]] && has_addr br0 192.0.2.10/24
}

networkd_start
if ! wait_for 60 built; then
	networkd_running || { cat "$networkd_log"; fail "systemd-networkd exited"; }
	cat "$networkd_log"
	ip -d link show
	fail "systemd-networkd did not build bond0, vlan100 and br0 in 60 s"
fi
check "networkd is still running" networkd_running

check_eq "bond0 is a bond" bond "$(kind_of bond0)"
check_eq "bond0 mode" "active-backup 1" "$(cat /sys/class/net/bond0/bonding/mode)"
check_eq "bond0 miimon" 100 "$(cat /sys/class/net/bond0/bonding/miimon)"
check_eq "bond0 primary" "$p0" "$(cat /sys/class/net/bond0/bonding/primary)"
check_eq "bond0 primary_reselect" "failure 2" \
	"$(cat /sys/class/net/bond0/bonding/primary_reselect)"
check_eq "bond0 members" "$p0 $p1" \
	"$(tr ' ' '\n' < /sys/class/net/bond0/bonding/slaves | sort | xargs)"
check "bond0's active member is the primary, card0p0" wait_for 10 active_is bond0 "$p0"
check_eq "vlan100 is a VLAN" vlan "$(kind_of vlan100)"
check_eq "vlan100's id" 100 \
	"$(ip -j -d link show vlan100 | jq -r '.[0].linkinfo.info_data.id')"
check_eq "vlan100 is on bond0" bond0 "$(ip -j link show vlan100 | jq -r '.[0].link')"
check_eq "br0 is a bridge" bridge "$(kind_of br0)"
check_eq "vlan100 is br0's port" br0 "$(master_of vlan100)"
check "br0 has 192.0.2.10/24" has_addr br0 192.0.2.10/24
check "bond0 has no address" eval '! ip -j addr show dev bond0 | jq -e ".[0].addr_info[] | select(.scope != \"link\")" >/dev/null'
sed 's/^/networkd: /' "$networkd_log"
# networkd names the file and line of every key or value it cannot use.
if grep -E '/run/systemd/network(d\.conf\.d)?/[^ ]*:[0-9]+:' "$networkd_log"; then
	fail "systemd-networkd warned about the example files (above)"
fi
log "ok: systemd-networkd took every line of the example files"

# --- 3. exabond-manage@.service ----------------------------------------------

# unit_line KEY: the one KEY= command line of the unit, as systemd would
# run it for exabond-manage@bond0 with exabondctl in the build directory:
# %I and %i are the instance, $$ a $.
unit_line() {
	local lines
	lines=$(grep -c "^$1=" "$unit") || true
	[[ "$lines" == 1 ]] || { echo "$unit: $lines $1= lines, expected 1" >&2; return 1; }
	sed -n "s/^$1=//p" "$unit" | sed -e "s|@CMAKE_INSTALL_FULL_BINDIR@|$EXABOND_BUILD/ctl|g" \
		-e 's/%[iI]/bond0/g' -e 's/\$\$/$/g'
}
start=$(unit_line ExecStart)
stop=$(unit_line ExecStop)
check "ExecStart runs exabondctl manage" grep -q 'exabondctl manage ' <<< "$start"
check "ExecStop runs exabondctl unmanage" grep -q 'exabondctl unmanage ' <<< "$stop"
# unit_run LINE [INSTANCE]: run a command line (systemd's quoting is the
# shell's for these lines); prints its output, returns its status.
unit_run() {
	local line=$1
	[[ -z "${2:-}" ]] || line=${line//bond0/$2}
	eval "$line"
}
is_managed() { grep -qx bond0 "$EXABOND_CTL" && test -c /dev/exabond-bond0; }

on_exit ctl_write "b'-bond0\\n'"
out=$(unit_run "$start" 2>&1) || fail "ExecStart failed ($?): $out"
log "ExecStart: $out"
check "bond0 is managed" is_managed
check_eq "bond0 meets the example policy" "1 0 0" "$(compliance /dev/exabond-bond0)"
out=$(unit_run "$start" 2>&1) || fail "ExecStart on a managed bond failed ($?): $out"
log "ExecStart again: $out"
check_eq "ExecStart again says so" "bond0: already managed" "$out"
check "bond0 is still managed" is_managed
rc=0
out=$(unit_run "$start" nosuchbond 2>&1) || rc=$?
log "ExecStart for a missing bond: $out"
check_eq "ExecStart fails for a missing bond (exit 3)" 3 "$rc"
run ip link add exabrr0 type bond mode balance-rr miimon 100
on_exit ip link del exabrr0
rc=0
out=$(unit_run "$start" exabrr0 2>&1) || rc=$?
log "ExecStart for a balance-rr bond: $out"
check_eq "ExecStart fails for a bond the policy refuses (exit 4)" 4 "$rc"
run ip link del exabrr0

# The policy against networkd: bond0 managed, max_members=2, and a third
# port for bond0 in networkd's configuration. networkd's attempt to
# enslave it is refused, and networkd logs why.
printf '[Match]\nName=%s\n\n[Network]\nBond=bond0\n' "$p2" > "$netdir/10-third.network"
networkd_stop
klog_mark
networkd_start
refused_logged() { grep -q "$p2.*exabond" "$networkd_log"; }
if ! wait_for 30 refused_logged; then
	cat "$networkd_log"
	fail "networkd did not log exabond's refusal of $p2"
fi
grep "$p2.*exabond" "$networkd_log"
check "the kernel logged the refusal" wait_for 5 klog_has "exabond: bond0: refused $p2: "
check "$p2 is not in bond0" eval '! bond_has "$p2"'
check_eq "bond0 members" "$p0 $p1" \
	"$(tr ' ' '\n' < /sys/class/net/bond0/bonding/slaves | sort | xargs)"
check "bond0 is still managed" is_managed
networkd_stop

out=$(unit_run "$stop" 2>&1) || fail "ExecStop failed ($?): $out"
log "ExecStop: $out"
check "bond0 is released" eval '! grep -qx bond0 "$EXABOND_CTL"'
check "/dev/exabond-bond0 is gone" test ! -e /dev/exabond-bond0
out=$(unit_run "$stop" 2>&1) || fail "ExecStop on a released bond failed ($?): $out"
log "ExecStop again: $out"
check "ExecStop again says there is nothing to release" \
	grep -q '^bond0: not managed' <<< "$out"

# --- Leave the NICs as they were --------------------------------------------

# The cleanups registered above would do this too; here it is checked,
# including the per-link sysctls the harness does not look at.
sysctl_diff() { diff <(echo "${sysctl_before[$1]}") <(nic_sysctls "$1") | grep '^[<>]' || true; }
ip link del br0
ip link del bond0
wait_for 5 test ! -e /sys/class/net/vlan100
for n in "$p0" "$p1" "$p2"; do
	log "$n: sysctls networkd and bonding changed: $(sysctl_diff "$n" | xargs)"
	restore_nic "$n"
	check_eq "$n is as it was" "${link_before[$n]}" "$(link_state "$n")"
	check_eq "$n's sysctls are as they were" "" "$(sysctl_diff "$n")"
done
