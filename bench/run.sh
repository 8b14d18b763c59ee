#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/run.sh [KERNEL] [icount|wall|both]
#
# The tracer's overhead, in the guest of the test matrix (tests/vm): builds
# the static tools and bench/run_bench.c, the dmabuf_lab module for KERNEL
# (default 7.3), an initramfs with bpftrace from Debian added (installed
# into the harness's trixie chroot and copied with every library it needs),
# and boots it under QEMU TCG:
#   icount  -icount shift=0: one guest ns is one instruction, so the times
#           run_bench prints are instruction counts (deterministic);
#   wall    no -icount: wall-clock time under TCG.
# Prints run_bench's table per mode and keeps it in OUTPUT/bench/.
# Environment: DMABUF_CACHE, OUTPUT (default build), VM_TIMEOUT (default 1800).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/vm/lib.sh"

label=${1:-7.3}
modes=${2:-both}
[ "$modes" = both ] && modes="icount wall"
cache=${DMABUF_CACHE:-$top/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
output=${OUTPUT:-build}
case $output in /*) ;; *) output=$top/$output ;; esac
out=$output/bench
mkdir -p "$out/t"

"$top/tests/vm/kernel.sh" prepare 7.3 "$cache"
[ "$label" = 7.3 ] || "$top/tests/vm/kernel.sh" prepare "$label" "$cache"
btf=$(. "$cache/kernel-7.3.env" && echo "$BTF")
chroot_dir=$(. "$cache/kernel-7.3.env" && echo "$CHROOT")
# shellcheck disable=SC1090
. "$cache/kernel-$label.env"

step "build the static tools"
make -s -C "$top" OUTPUT="$output/guest" STATIC=1 VMLINUX_BTF="$btf" guest-bins
step "build run_bench"
gcc -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -static -I"$top/include" \
	"$here/run_bench.c" -o "$out/t/run_bench"
step "build dmabuf_lab.ko for $KVER"
"$top/scripts/build-kmod" "$KDIR" "$out/$label" "$CHROOT"
step "pack initramfs"
"$top/tests/vm/mkinitramfs.sh" "$out/base.cpio.gz" "$KVER" "$MODROOT" "$out/$label/dmabuf_lab.ko" \
	"$out/t" "$output/guest/bin"

# bpftrace and its libraries, as a second archive: the kernel unpacks both.
extra=$out/bpftrace.cpio.gz
if [ -n "$chroot_dir" ] && [ -d "$chroot_dir" ]; then
	if [ ! -x "$chroot_dir/usr/bin/bpftrace" ]; then
		step "install bpftrace into the trixie chroot"
		in_chroot "$chroot_dir" apt-get update -qq >/dev/null || true
		in_chroot "$chroot_dir" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends bpftrace >/dev/null ||
			warn "bpftrace could not be installed: the bench runs without it"
	fi
	if [ -x "$chroot_dir/usr/bin/bpftrace" ]; then
		stage=$(mktemp -d "${TMPDIR:-/tmp}/bench-bpftrace.XXXXXX")
		trap 'rm -rf "$stage"' EXIT
		mkdir -p "$stage/usr/bin"
		cp "$chroot_dir/usr/bin/bpftrace" "$stage/usr/bin/"
		in_chroot "$chroot_dir" ldd /usr/bin/bpftrace | awk '/=>/ {print $3} /ld-linux/ {print $1}' |
			sort -u | while read -r lib; do
				[ -n "$lib" ] || continue
				mkdir -p "$stage$(dirname "$lib")"
				cp -L "$chroot_dir$lib" "$stage$lib"
			done
		# the loader's canonical path, whatever path ldd printed
		mkdir -p "$stage/lib64"
		[ -e "$stage/lib64/ld-linux-x86-64.so.2" ] ||
			cp -L "$chroot_dir/lib64/ld-linux-x86-64.so.2" "$stage/lib64/"
		(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$extra"
	fi
fi
initrd=$out/initramfs.cpio.gz
cat "$out/base.cpio.gz" $( [ -f "$extra" ] && echo "$extra") > "$initrd"

for mode in $modes; do
	icount=()
	[ "$mode" = icount ] && icount=(-icount shift=0)
	results=$out/results-$label-$mode.log
	step "boot $KVER ($mode)"
	rm -f "$results"
	timeout -k 10 "${VM_TIMEOUT:-1800}" qemu-system-x86_64 -accel tcg -cpu max "${icount[@]}" \
		-m 2G -smp 2 -kernel "$VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4 rdinit=/init dmabuf.mode=run dmabuf.run=run_bench" \
		-display none -vga none -monitor none -no-reboot \
		-serial file:"$out/console-$label-$mode.log" -serial file:"$results" </dev/null || true
	echo "=== kernel $KVER, $mode"
	sed -n '/^@@ RUN BEGIN/,/^@@ RUN END/{/^@@ RUN/!p}' "$results" | tr -d '\r' |
		tee "$out/bench-$label-$mode.txt"
done
