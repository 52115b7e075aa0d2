#!/bin/bash
# usage: extract-bonding-selftests.sh TARBALL DEST
#
# Extracts from Debian's linux-source tarball (TARBALL, e.g.
# /usr/src/linux-source-6.1.tar.xz) the kernel's bonding selftests and what
# they need, into DEST with the tree's relative layout, so that
# tests/vm/tests/bonding_selftests.sh can run them in the VM:
#
#	DEST/tools/testing/selftests/drivers/net/bonding/	the whole directory:
#		TEST_PROGS and TEST_FILES of its Makefile, settings (the
#		per-test timeout), config, and net_forwarding_lib.sh, a
#		symlink to ../../../net/forwarding/lib.sh
#	DEST/tools/testing/selftests/net/forwarding/lib.sh	its target, which
#		sources nothing else the tree has (only an optional
#		forwarding.config, absent here)
#
# The tarball is read once (about 12 s: xz has to be decompressed to its
# end); under the guest's emulated CPU that would take minutes, hence
# here, on the host. Idempotent: DEST records which tarball (path, size,
# mtime) it came from and is left alone while that still holds; otherwise
# it is rebuilt aside and swapped in, never left half-written.
set -euo pipefail

die() {
	printf 'extract-bonding-selftests: %s\n' "$*" >&2
	exit 1
}

(($# == 2)) || die "usage: $0 TARBALL DEST"
tarball=$1
dest=$2
[[ -f "$tarball" && -r "$tarball" ]] ||
	die "$tarball: no such readable file (Debian's linux-source-6.1 package provides /usr/src/linux-source-6.1.tar.xz)"

readonly bonding=tools/testing/selftests/drivers/net/bonding
readonly fwlib=tools/testing/selftests/net/forwarding/lib.sh
stamp="$(realpath "$tarball") $(stat -c '%s %Y' "$tarball")"

# makefile_list MAKEFILE REGEX: the words assigned to the variables whose
# names match REGEX, one a line, across continuation lines.
makefile_list() {
	awk -v re="^($2)[ \t]*:?=" '
		$0 ~ re { sub(/^[^=]*=/, ""); f = 1 }
		f { c = /\\$/; gsub(/\\/, ""); n = split($0, w); for (i = 1; i <= n; i++) print w[i]; f = c }' "$1"
}

# verify DIR: everything the Makefile lists is there and the library
# symlink resolves inside DIR.
verify() {
	local dir=$1 f
	[[ -f "$dir/$bonding/Makefile" && -f "$dir/$bonding/settings" ]] ||
		{ echo "no $bonding/Makefile or settings"; return 1; }
	while read -r f; do
		[[ -e "$dir/$bonding/$f" ]] || { echo "$bonding/$f missing"; return 1; }
	done < <(makefile_list "$dir/$bonding/Makefile" 'TEST_(PROGS|FILES)')
	[[ "$(realpath -m "$dir/$bonding/net_forwarding_lib.sh")" == "$(realpath -m "$dir/$fwlib")" &&
		-f "$dir/$fwlib" ]] ||
		{ echo "$bonding/net_forwarding_lib.sh does not lead to $fwlib"; return 1; }
}

if [[ -f "$dest/.source" && "$(cat "$dest/.source")" == "$stamp" ]] &&
	verify "$dest" >/dev/null; then
	echo "extract-bonding-selftests: $dest is up to date"
	exit 0
fi

mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$dest.new.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
# Members are named under the tarball's one top directory
# (linux-source-6.1/), whatever it is called.
tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
	"*/$bonding/*" "*/$fwlib" ||
	die "cannot extract $bonding and $fwlib from $tarball"
why=$(verify "$tmp") || die "$tarball: $why"
printf '%s\n' "$stamp" > "$tmp/.source"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "extract-bonding-selftests: $(find "$dest" -type f -o -type l | grep -vc '/\.source$') files in $dest"
