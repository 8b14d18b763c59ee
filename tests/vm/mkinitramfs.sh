#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# mkinitramfs.sh OUT KVER MODROOT LAB_KO TESTDIR [BINDIR]
#   OUT      initramfs to write (gzip'd newc cpio)
#   MODROOT  directory holding lib/modules/KVER
#   LAB_KO   the dmabuf_lab module built for KVER
#   TESTDIR  guest tests: every executable in it lands in /t
#   BINDIR   the suite's static tools, installed in /usr/local/bin
# Packs busybox-static, the kernel modules the tests need (vgem, udmabuf and
# their dependencies, decompressed, in load order) and tests/vm/init.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 5 ] || die "usage: mkinitramfs.sh OUT KVER MODROOT LAB_KO TESTDIR [BINDIR]"
out=$1 kver=$2 modroot=$3 ko=$4 testdir=$5 bindir=${6:-}

busybox=/bin/busybox
dpkg-query -W -f='${db:Status-Abbrev}' busybox-static 2>/dev/null | grep -q '^ii' ||
	die "busybox-static is not installed (scripts/deps check)"

root=$(mktemp -d "${TMPDIR:-/tmp}/dmabuf-initrd.XXXXXX")
chmod 755 "$root"	# the guest's /: unprivileged tests must reach it
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,etc,t,lib/modules}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod +x "$root/init"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"

# Terminal descriptions for the ncurses tools: the usual ones, and the host's
# $TERM, the guest's console when the user's terminal is (make demo, VM_TTY).
host_term=
case ${TERM:-} in
''|*[!A-Za-z0-9._+-]*) ;;
*) host_term=${TERM:0:1}/$TERM ;;
esac
for tname in l/linux x/xterm x/xterm-256color v/vt100 s/screen s/screen-256color $host_term; do
	for base in /usr/share/terminfo /lib/terminfo /etc/terminfo; do
		if [ -f "$base/$tname" ]; then
			mkdir -p "$root/usr/share/terminfo/${tname%/*}"
			cp "$base/$tname" "$root/usr/share/terminfo/$tname"
			break
		fi
	done
done

: > "$root/modules.list"
for mod in vgem udmabuf; do
	modprobe -d "$modroot" -S "$kver" --show-depends "$mod" 2>/dev/null |
		awk '$1 == "insmod" {print $2}' || true
done | awk '!seen[$0]++' | while read -r path; do
	name=$(basename "$path")
	name=${name%.xz}
	name=${name%.zst}
	case $path in
	*.xz) xz -dc "$path" > "$root/lib/modules/$name" ;;
	*.zst) zstd -qdc "$path" > "$root/lib/modules/$name" ;;
	*) cp "$path" "$root/lib/modules/$name" ;;
	esac
	echo "$name" >> "$root/modules.list"
done
cp "$ko" "$root/lib/modules/dmabuf_lab.ko"
# The kernel's own dma-buf selftests, where it was built with them (the debug
# kernel): loaded by a guest test, not at boot.
selftests=$(modprobe -d "$modroot" -S "$kver" --show-depends dmabuf_selftests 2>/dev/null |
	awk '$1 == "insmod" {print $2}' | tail -n1 || true)
if [ -n "$selftests" ]; then
	mkdir -p "$root/lib/modules/extra"
	case $selftests in
	*.xz) xz -dc "$selftests" > "$root/lib/modules/extra/dmabuf_selftests.ko" ;;
	*.zst) zstd -qdc "$selftests" > "$root/lib/modules/extra/dmabuf_selftests.ko" ;;
	*) cp "$selftests" "$root/lib/modules/extra/dmabuf_selftests.ko" ;;
	esac
fi

find "$testdir" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/t/" \;
if [ -n "$bindir" ]; then
	find "$bindir" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/usr/local/bin/" \;
fi

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
