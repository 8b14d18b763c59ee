#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/top.sh [n=BUFFERS] [procs=P] [reps=R] [steady=M] - the dmabuf-top
# benchmark (bench/top.md). Boots the 7.3 test guest with one vCPU through
# tests/vm/run.sh under QEMU -icount shift=0 (guest instructions,
# deterministic to <1%), runs tests/vm/guest/top_bench in it and prints its
# report: a steady refresh against one `dmabuf ls -j`, and dmabuf-top's
# resident memory. MODES="icount wall" adds a plain boot (wall clock, which
# varies by 30-50% between TCG boots). Exits 1 when a boot or a run failed;
# with STRICT=1 also when a goal is missed.
#
# Environment: OUTPUT (default build), KERNEL (default 7.3), VM_TIMEOUT,
# DMABUF_CACHE - as tests/vm/run.sh. Reports: OUTPUT/bench/top-*.txt.
set -euo pipefail
MODES=${MODES:-icount} exec "$(dirname "$0")/guest.sh" top top_bench "$@"
