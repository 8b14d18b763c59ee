#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/guest.sh NAME PROGRAM [ARG...] - what bench/snapshot.sh and
# bench/top.sh and bench/run.sh share: for each mode of MODES ("icount"
# and/or "wall"), boots the test guest (KERNEL, default 7.3) with one vCPU
# (BENCH_SMP) through tests/vm/run.sh (VM_INITRD_EXTRA passes through),
# under QEMU -icount shift=0 for "icount" (guest instructions, deterministic
# to <1%) or plainly for "wall" (wall clock, 30-50% apart between TCG boots),
# runs tests/vm/guest/PROGRAM MODE ARG... and prints its report, kept in
# OUTPUT/bench/NAME-MODE.txt. Exits 1 when a boot or a run failed; with
# STRICT=1 also when the icount report has a MISS line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
[ $# -ge 2 ] || { echo "usage: bench/guest.sh NAME PROGRAM [ARG...]" >&2; exit 2; }
name=$1 program=$2
shift 2
output=${OUTPUT:-build}
case $output in /*) ;; *) output=$top/$output ;; esac
kernel=${KERNEL:-7.3}
mkdir -p "$output/bench"

rc=0
for mode in ${MODES:-icount wall}; do
	case $mode in icount|wall) ;; *) echo "MODES: icount and/or wall, not '$mode'" >&2; exit 2 ;; esac
	report=$output/bench/$name-$mode.txt
	boot=$output/bench/$name-$mode.boot.log
	extra=
	[ "$mode" = icount ] && extra="-icount shift=0"
	echo "== $mode boot (log: $boot)"
	if ! OUTPUT=$output VM_SMP=${BENCH_SMP:-1} QEMU_EXTRA="$extra" VM_TIMEOUT="${VM_TIMEOUT:-3600}" \
		"$top/tests/vm/run.sh" run "$kernel" "$program" "$mode" "$@" > "$boot" 2>&1; then
		echo "the $mode boot failed: see $boot" >&2
		rc=1
	fi
	sed -n '/^@@ RUN BEGIN/,/^@@ RUN END/{/^@@/!p}' "$output/vm/$kernel/results.log" |
		tr -d '\r' > "$report"
	cat "$report"
	echo
done

if [ "${STRICT:-0}" = 1 ] && grep -q '^MISS' "$output/bench/$name-icount.txt" 2>/dev/null; then
	echo "STRICT=1: a goal was missed" >&2
	rc=1
fi
exit $rc
