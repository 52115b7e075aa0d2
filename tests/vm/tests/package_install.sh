#!/bin/bash
# vm-timeout: 1800
#
# The Debian packages as a user gets them (`make deb` builds them into
# $BUILD/deb/ before the VM tests run): dpkg -i installs all four, DKMS
# builds exabond.ko in the guest for the running kernel and modprobe loads
# that build; then only installed files are used: /usr/bin/exabondctl
# manages a bond over veths, /dev/exabond-<bond> appears and status reads
# it, /usr/sbin/exabond-monitor starts and follows it, a tiny C++ program
# built with pkg-config and one built with find_package(exabond) read the
# active member (and see it change), and udev's rule gives the node its
# mode and the systemd tag. dpkg --purge then removes every file, the DKMS
# registration and the module. The harness's exabond.ko is loaded again
# at the end, also when the test fails.
#
# The guest's root is the host's under a tmpfs overlay: what dpkg and DKMS
# write here is gone at poweroff. Compiling under TCG is slow: the DKMS
# build and the two smoke programs take most of this test's time.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

readonly PACKAGES=(exabond-dkms libexabond0 libexabond-dev exabond-tools)
export DEBIAN_FRONTEND=noninteractive
debdir=$(dirname "$EXABOND_BUILD")/deb
kver=$(uname -r)
dkms_dir=/lib/modules/$kver/updates/dkms

# not CMD...: CMD fails; for check and wait_for.
not() { ! "$@"; }
loaded() { lsmod | grep -q '^exabond '; }
# is_dkms_build FILE: FILE is the module DKMS installed for this kernel.
is_dkms_build() { [[ "$1" == "$dkms_dir"/exabond.ko* ]]; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# --- the packages ---------------------------------------------------------------

debs=()
for p in "${PACKAGES[@]}"; do
	found=("$debdir/${p}_"*.deb)
	[[ -e "${found[0]}" ]] ||
		fail "$debdir has no ${p}_*.deb: build the packages first (make deb BUILD=$(dirname "$EXABOND_BUILD"))"
	((${#found[@]} == 1)) || fail "$debdir has ${#found[@]} ${p}_*.deb files: ${found[*]}"
	debs+=("${found[0]}")
done
version=$(dpkg-deb -f "${debs[0]}" Version)
upstream=${version%-*}
log "packages: ${debs[*]##*/} (version $version)"

# Nothing of exabond's may be installed already: the smoke tests below must
# see only what these packages install.
for p in "${PACKAGES[@]}"; do
	not installed "$p" ||
		fail "$p is already installed on this root: the test needs a root without it"
done
for f in /usr/include/exabond /usr/bin/exabondctl /usr/sbin/exabond-monitor \
	 "/usr/src/exabond-$upstream" /var/lib/dkms/exabond \
	 /lib/udev/rules.d/60-exabond.rules; do
	[[ ! -e "$f" ]] || fail "$f exists before the packages are installed"
done

# restore_module: the harness's exabond.ko, as the other tests expect it.
restore_module() {
	if loaded; then
		rmmod exabond
	fi
	insmod "$EXABOND_MODULE"
}
on_exit restore_module
on_exit dpkg --purge "${PACKAGES[@]}"

run rmmod exabond
check "the harness's exabond.ko is unloaded" not loaded

# --- install: DKMS builds the module here ------------------------------------------

# DKMS's postinst builds for the running kernel and for the newest kernel
# that has a /boot/config-*. The guest's /boot is the host's, which may
# hold other kernels (the RT one after `make check CHECK_RT=1`): then the
# generic tier built and depmod-ed twice, 1003 s of dpkg -i beside the RT
# VM, for nothing this test checks. The packages see the running kernel's
# files alone, as on a host with one kernel, whatever else is installed.
# (A kernel booted from elsewhere, like the debug kernel, has none there.)
boot=$(mktemp -d)
for f in "/boot/config-$kver" "/boot/System.map-$kver"; do
	[[ ! -e "$f" ]] || cp -a "$f" "$boot/"
done
run mount --bind "$boot" /boot
on_exit umount /boot

start=$SECONDS
run dpkg -i "${debs[@]}"
log "dpkg -i with the DKMS build for $kver took $((SECONDS - start)) s"
for p in "${PACKAGES[@]}"; do
	check_eq "$p is installed" "install ok installed $version" \
		"$(dpkg-query -W -f='${Status} ${Version}' "$p")"
done

status=$(dkms status -m exabond -v "$upstream" -k "$kver")
log "dkms status: $status"
check "DKMS built and installed exabond $upstream for $kver" \
	grep -q "^exabond/$upstream, $kver, x86_64: installed" <<<"$status"
check_eq "DKMS built for no other kernel" 1 "$(dkms status -m exabond | wc -l)"
modfile=$(modinfo -n exabond)
check "modinfo finds the DKMS build ($modfile)" is_dkms_build "$modfile"
check_eq "the DKMS build's kernel" "$kver" "$(modinfo -F vermagic exabond | cut -d' ' -f1)"
log "signer: $(modinfo -F signer exabond || true)"

run modprobe exabond
check "exabond is loaded" loaded

# --- the installed tools -------------------------------------------------------------

veth_pair pk0 pk1
veth_pair pl0 pl1
run ip link add pkbond type bond mode active-backup miimon 100
on_exit ip link del pkbond
run ip link set pk0 master pkbond
run ip link set pl0 master pkbond
run ip link set pkbond up
check "pkbond has an active member" wait_for 10 active_is pkbond ""

check_eq "exabondctl --version" "$upstream" \
	"$(/usr/bin/exabondctl --version | grep -o '[0-9][0-9.]*[0-9]' | head -n1)"
run /usr/bin/exabondctl manage pkbond
on_exit ctl_write "b'-pkbond\\n'"
check "/dev/exabond-pkbond is a character device" test -c /dev/exabond-pkbond
check_eq "its mode" "444" "$(stat -c %a /dev/exabond-pkbond)"
out=$(/usr/bin/exabondctl status pkbond)
sed 's/^/    /' <<<"$out"
check "exabondctl status names the active member" \
	grep -q "Currently Active Slave: $(bond_active pkbond)" <<<"$out"

check_eq "exabond-monitor --version" "$upstream" \
	"$(/usr/sbin/exabond-monitor --version | grep -o '[0-9][0-9.]*[0-9]' | head -n1)"
mlog=$(mktemp)
/usr/sbin/exabond-monitor --log stderr 2>"$mlog" &
mpid=$!
on_exit kill "$mpid"
if ! wait_for 30 grep -q "following [0-9]* bond" "$mlog"; then
	sed 's/^/    /' "$mlog"
	fail "/usr/sbin/exabond-monitor did not start"
fi
if ! wait_for 10 grep -q "pkbond: managed by exabond.ko; following its page" "$mlog"; then
	sed 's/^/    /' "$mlog"
	fail "the monitor does not follow pkbond's page"
fi
log "ok: the monitor follows pkbond's page"
kill -TERM "$mpid"
rc=0
wait "$mpid" || rc=$?
check_eq "the monitor's exit status after SIGTERM" 0 "$rc"

# --- building against the installed library ---------------------------------------------

cat > reader.cpp <<'EOF'
#include <exabond/exabond.hpp>
#include <iostream>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	auto bond = exabond::Bond::open(argv[1]);
	std::cout << bond.active_ifindex() << '\n';
	return 0;
}
EOF
mkdir cmake-project
cp reader.cpp cmake-project/
cat > cmake-project/CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(reader LANGUAGES CXX)
find_package(exabond REQUIRED)
add_executable(reader reader.cpp)
target_link_libraries(reader PRIVATE exabond::exabond)
EOF

start=$SECONDS
# shellcheck disable=SC2046
run g++ -std=c++17 -Wall -Wextra -Werror -o pc-reader reader.cpp \
	$(pkg-config --cflags --libs exabond)
log "pkg-config build: $((SECONDS - start)) s"
start=$SECONDS
run cmake -S cmake-project -B cmake-build
run cmake --build cmake-build
log "find_package build: $((SECONDS - start)) s"
# libexabond_of PROGRAM: the file ld.so loads for PROGRAM's libexabond.so.0.
libexabond_of() {
	readlink -f "$(ldd "$1" | awk '$1 == "libexabond.so.0" { print $3 }')"
}
installed_lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libexabond.so.0)
check_eq "pkg-config's program loads" "$installed_lib" "$(libexabond_of pc-reader)"
check_eq "find_package's program loads" "$installed_lib" \
	"$(libexabond_of cmake-build/reader)"

ifindex_of() { cat "/sys/class/net/$1/ifindex"; }
active=$(bond_active pkbond)
check_eq "pkg-config's program: active member" "$(ifindex_of "$active")" \
	"$(./pc-reader pkbond)"
check_eq "find_package's program: active member" "$(ifindex_of "$active")" \
	"$(./cmake-build/reader pkbond)"
other=pk0
[[ "$active" != pk0 ]] || other=pl0
run ip link set pkbond type bond active_slave "$other"
check "bonding made $other active" wait_for 10 active_is pkbond "$other"
reads_active() { [[ "$("$1" pkbond)" == "$(ifindex_of "$other")" ]]; }
check "pkg-config's program sees $other active" wait_for 10 reads_active ./pc-reader
check "find_package's program sees $other active" \
	wait_for 10 reads_active ./cmake-build/reader

# --- the udev rule (no udevd here: udevadm test runs the rules) -----------------

# udevadm test also does what udevd would: a /dev/char link and a database
# entry. Gone after the test, with the directories if it made them.
devno=$(stat -c '%Hr:%Lr' /dev/exabond-pkbond)
for d in /dev/char /run/udev; do
	[[ -e "$d" ]] || on_exit rm -rf "$d"
done
on_exit rm -f "/dev/char/$devno" "/run/udev/data/c$devno"
out=$(udevadm test --action=add /sys/class/exabond/exabond-pkbond 2>&1) ||
	fail "udevadm test failed: $out"
grep -E 'exabond|MODE|TAGS|DEVNAME' <<<"$out" | sed 's/^/    /'
check "60-exabond.rules sets MODE 0444" \
	grep -Eq '60-exabond\.rules:[0-9]+ MODE 0444' <<<"$out"
check "the node is tagged for systemd" grep -Eq '^TAGS=(.*:)?systemd:' <<<"$out"

# --- purge: everything goes ----------------------------------------------------------

ctl_write "b'-pkbond\\n'" >/dev/null
run rmmod exabond
mapfile -t files < <(dpkg-query -L "${PACKAGES[@]}" | sort -u |
	while read -r f; do [[ -d "$f" ]] || echo "$f"; done)
check "the packages list files" test "${#files[@]}" -gt 20
start=$SECONDS
run dpkg --purge "${PACKAGES[@]}"
log "dpkg --purge took $((SECONDS - start)) s"
for p in "${PACKAGES[@]}"; do
	check "$p is gone from dpkg's database" not installed "$p"
done
left=()
for f in "${files[@]}"; do
	[[ ! -e "$f" && ! -L "$f" ]] || left+=("$f")
done
check_eq "files of the packages left after purge" "" "${left[*]}"
check_eq "dkms status for exabond after purge" "" "$(dkms status -m exabond)"
check "no DKMS state for exabond" test ! -e /var/lib/dkms/exabond
check "no exabond.ko in $dkms_dir" not compgen -G "$dkms_dir/exabond.ko*"
check "modprobe no longer finds exabond" not modinfo -n exabond
check "the monitor's unit is not enabled" \
	test ! -e /etc/systemd/system/multi-user.target.wants/exabond-monitor.service

run restore_module
check "the harness's exabond.ko is loaded again" loaded
