// SPDX-License-Identifier: GPL-2.0
/*
 * The harness's proof that the BPF tool chain works on a test kernel: the
 * same CO-RE object attaches as fentry where the kernel allows it and as a
 * kprobe otherwise, and counts dma_buf_export() calls.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

__u64 exports;

SEC("fentry/dma_buf_export")
int BPF_PROG(export_fentry)
{
	__sync_fetch_and_add(&exports, 1);
	return 0;
}

SEC("kprobe/dma_buf_export")
int BPF_KPROBE(export_kprobe)
{
	__sync_fetch_and_add(&exports, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
