#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel from Debian's linux-source-6.1: x86_64_defconfig,
# kernel/configs/kvm_guest.config and tests/vm/kernels/debug.config (KASAN,
# lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, debugobjects and what the test VM
# needs). The result is cached outside the tree, keyed by the source
# package's version and the fragment's content, so a second call only
# prints where it is:
#
#	CACHE/debug-VERSION-HASH/
#		bzImage			the kernel the VM boots
#		obj/			the build tree: KDIR for out-of-tree modules
#		modroot/lib/modules/KVER/	its modules (the guest mounts them)
#		kernelrelease		KVER
#		build-seconds		how long the build took
#
# usage: build-debug.sh CACHE
# prints: the directory above (the last line of stdout)
set -euo pipefail

usage() { echo "usage: $0 CACHE" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
cache=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz

[[ -f "$tarball" ]] || { echo "$0: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$(sha256sum < "$fragment" | cut -c1-12)
dir=$cache/debug-$srcver-$key
if [[ -f "$dir/done" ]]; then
	echo "$dir"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
echo "debug kernel: building in $dir (log: $log)" >&2
start=$(date +%s)

tar -C "$dir" -xf "$tarball"
mv "$dir/linux-source-6.1" "$dir/src"
src=$dir/src
obj=$dir/obj
jobs=$(nproc)
kmake() { make -C "$src" O="$obj" LOCALVERSION=-exabond-debug "$@"; }

{
	kmake x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$src/kernel/configs/kvm_guest.config" "$fragment"
	kmake olddefconfig
} >> "$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }

# Kconfig silently drops a symbol whose dependencies are not met: every
# line of the fragment must be in the final .config as written.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	if ! grep -qxF -- "$want" "$obj/.config"; then
		sym=${want#\# }
		sym=${sym%%[= ]*}
		echo "$0: the .config does not have '$want' (it has:" \
			"$(grep -E "^(# )?$sym[= ]" "$obj/.config" || echo nothing))" >&2
		bad=1
	fi
done < "$fragment"
((bad == 0)) || exit 1

echo "debug kernel: compiling with $jobs jobs" >&2
kmake -j"$jobs" bzImage modules >> "$log" 2>&1 ||
	{ tail -n 40 "$log" >&2; exit 1; }
kmake INSTALL_MOD_PATH="$dir/modroot" INSTALL_MOD_STRIP=1 modules_install \
	>> "$log" 2>&1 || { tail -n 20 "$log" >&2; exit 1; }
cp "$obj/arch/x86/boot/bzImage" "$dir/bzImage"
kmake -s kernelrelease > "$dir/kernelrelease"
echo $(($(date +%s) - start)) > "$dir/build-seconds"
touch "$dir/done"
echo "debug kernel: $(cat "$dir/kernelrelease") built in" \
	"$(cat "$dir/build-seconds") s" >&2
echo "$dir"
