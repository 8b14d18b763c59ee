#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/run.sh [KERNEL] [icount|wall|both] [WORD...]
#
# The tracer's overhead (bench/README.md), in the guest of the test matrix:
# tests/vm/guest/run_bench_trace in KERNEL's guest (default 7.3) with two
# vCPUs (the loop on one, the tool on the other), booted through
# bench/guest.sh and tests/vm/run.sh, with bpftrace from Debian added as a
# second initramfs archive (installed into the harness's trixie chroot and
# copied with every library it needs; without it the bpftrace rows are left
# out):
#   icount  -icount shift=0: one guest ns is one instruction, so the times
#           run_bench_trace prints are instruction counts (deterministic);
#   wall    no -icount: wall-clock time under TCG.
# Prints the table per mode and keeps it in OUTPUT/bench/trace-MODE.txt.
# WORDs (no blanks or commas) keep only the variants whose name contains
# one of them, e.g. "summary kfunc": the untraced loop always runs.
# Environment: DMABUF_CACHE, OUTPUT (default build), VM_TIMEOUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/vm/lib.sh"

label=${1:-7.3}
modes=${2:-both}
shift $(($# < 2 ? $# : 2))
[ "$modes" = both ] && modes="icount wall"
cache=${DMABUF_CACHE:-$top/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
output=${OUTPUT:-build}
case $output in /*) ;; *) output=$top/$output ;; esac
mkdir -p "$output/bench"

# bpftrace and its libraries, from the trixie chroot the harness keeps
"$top/tests/vm/kernel.sh" prepare 7.3 "$cache"
chroot_dir=$(. "$cache/kernel-7.3.env" && echo "$CHROOT")
extra=$output/bench/bpftrace.cpio.gz
rm -f "$extra"
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

OUTPUT=$output KERNEL=$label MODES=$modes BENCH_SMP=2 VM_TIMEOUT=${VM_TIMEOUT:-1800} \
	VM_INITRD_EXTRA=$([ -f "$extra" ] && echo "$extra") \
	exec "$here/guest.sh" trace run_bench_trace "$@"
