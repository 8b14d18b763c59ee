#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/snapshot.sh [n=BUFFERS] [procs=P] [reps=R] - the snapshot benchmark
# (bench/snapshot.md). Boots the 7.3 test guest twice with one vCPU through
# tests/vm/run.sh: under QEMU -icount shift=0 (guest instructions,
# deterministic to <1%), then plainly (wall clock, which varies by 30-50%
# between TCG boots), runs tests/vm/guest/run_bench_snapshot in each and
# prints both reports. Exits 1 when a boot or a method's output check failed;
# with STRICT=1 also when a goal is missed.
#
# Environment: OUTPUT (default build), KERNEL (default 7.3), VM_TIMEOUT,
# DMABUF_CACHE - as tests/vm/run.sh. Reports: OUTPUT/bench/snapshot-*.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
output=${OUTPUT:-build}
case $output in /*) ;; *) output=$top/$output ;; esac
kernel=${KERNEL:-7.3}
mkdir -p "$output/bench"

rc=0
for mode in icount wall; do
	report=$output/bench/snapshot-$mode.txt
	boot=$output/bench/snapshot-$mode.boot.log
	extra=
	[ "$mode" = icount ] && extra="-icount shift=0"
	echo "== $mode boot (log: $boot)"
	if ! OUTPUT=$output VM_SMP=1 QEMU_EXTRA="$extra" VM_TIMEOUT="${VM_TIMEOUT:-3600}" \
		"$top/tests/vm/run.sh" run "$kernel" run_bench_snapshot "$mode" "$@" > "$boot" 2>&1; then
		echo "the $mode boot failed: see $boot" >&2
		rc=1
	fi
	sed -n '/^@@ RUN BEGIN/,/^@@ RUN END/{/^@@/!p}' "$output/vm/$kernel/results.log" |
		tr -d '\r' > "$report"
	cat "$report"
	echo
done

if [ "${STRICT:-0}" = 1 ] && grep -q '^MISS' "$output/bench/snapshot-icount.txt"; then
	echo "STRICT=1: a goal was missed" >&2
	rc=1
fi
exit $rc
