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
MODES=${MODES:-icount wall} exec "$(dirname "$0")/guest.sh" snapshot run_bench_snapshot "$@"
