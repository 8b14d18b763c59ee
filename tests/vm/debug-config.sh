#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# debug-config.sh SRCDIR OUTDIR: the .config of the "6.1-debug" test kernel:
# tinyconfig, plus what a QEMU guest booted with -kernel/-initrd and a serial
# console needs, the dma-buf and DRM code under test (with MOVE_NOTIFY on),
# BPF with BTF, and lockdep + KASAN. Then checks every option stuck.
set -euo pipefail
src=$1 out=$2
mkdir -p "$out"
make -s -C "$src" O="$out" tinyconfig >/dev/null
cfg() { "$src/scripts/config" --file "$out/.config" "$@"; }

# Base. Without ACPI the guest sees one CPU and cannot power off; without
# PREEMPT a dma-fence selftest hangs on one CPU; KASAN needs SLUB (tinyconfig
# picks SLOB); -Os, XZ and a 128 KiB log are tinyconfig's, not ours.
base="64BIT SMP ACPI EXPERT PRINTK PRINTK_TIME BUG TTY SERIAL_8250 SERIAL_8250_CONSOLE
	BLK_DEV_INITRD RD_GZIP DEVTMPFS DEVTMPFS_MOUNT PROC_FS SYSFS DEBUG_FS MODULES
	MODULE_UNLOAD BINFMT_ELF BINFMT_SCRIPT MULTIUSER FUTEX SHMEM TMPFS MEMFD_CREATE
	POSIX_TIMERS EPOLL SIGNALFD TIMERFD EVENTFD FILE_LOCKING FHANDLE PREEMPT SLUB
	KERNEL_GZIP CC_OPTIMIZE_FOR_PERFORMANCE UNWINDER_ORC"
# libbpf's feature probes load socket filters: no NET, no global data maps.
net="NET UNIX"
dmabuf="DMA_SHARED_BUFFER SYNC_FILE UDMABUF DMABUF_HEAPS DMABUF_HEAPS_SYSTEM
	DMABUF_MOVE_NOTIFY DMABUF_DEBUG DMABUF_SYSFS_STATS DRM DRM_VGEM"
bpf="BPF_SYSCALL BPF_JIT PERF_EVENTS KALLSYMS KALLSYMS_ALL DEBUG_KERNEL DEBUG_INFO
	DEBUG_INFO_DWARF5 DEBUG_INFO_BTF DEBUG_INFO_BTF_MODULES FTRACE FUNCTION_TRACER
	DYNAMIC_FTRACE KPROBES KPROBE_EVENTS BPF_EVENTS IKCONFIG IKCONFIG_PROC"
debug="PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_PREEMPT DEBUG_LIST DEBUG_SG DMA_API_DEBUG
	KASAN KASAN_GENERIC KASAN_INLINE"
for o in $base $net $dmabuf $bpf $debug; do
	cfg -e "$o"
done
cfg -m DMABUF_SELFTESTS
for o in PREEMPT_NONE SLOB KERNEL_XZ CC_OPTIMIZE_FOR_SIZE UNWINDER_GUESS RD_BZIP2 RD_LZMA RD_XZ \
	 RD_LZO RD_LZ4 RD_ZSTD DEBUG_INFO_NONE DEBUG_INFO_REDUCED DEBUG_INFO_SPLIT KASAN_OUTLINE; do
	cfg -d "$o"
done
cfg --set-val FRAME_WARN 2048 --set-val LOG_BUF_SHIFT 20
make -s -C "$src" O="$out" olddefconfig >/dev/null

# Every option asked for must have stuck (olddefconfig drops unmet ones silently).
bad=
for o in $base $net $dmabuf $bpf $debug LOCKDEP PROVE_RCU DEBUG_LOCK_ALLOC DEBUG_WW_MUTEX_SLOWPATH; do
	grep -q "^CONFIG_$o=y" "$out/.config" || bad="$bad $o"
done
grep -q '^CONFIG_DMABUF_SELFTESTS=m' "$out/.config" || bad="$bad DMABUF_SELFTESTS(m)"
[ -z "$bad" ] || { echo "debug-config: options not set:$bad" >&2; exit 1; }
