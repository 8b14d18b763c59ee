// SPDX-License-Identifier: GPL-2.0
/*
 * trace.bpf.c - the dma-buf tracer: one record (include/trace_event.h) per
 * dma-buf operation, with the locking-contract check of the seed's
 * convention, or with --summary one count in a kernel map. lib/trace.c owns
 * the skeleton: it decides per event which of the three program flavours
 * below loads (autoload) and where it attaches
 * (bpf_program__set_attach_target / attach_kprobe with a function name it
 * found in this kernel), and fills the rodata before the load.
 *
 *   dt_tp_*        tp_btf on the dma_buf tracepoints (7.x)
 *   dt_fe_/dt_fx_  fentry/fexit trampolines
 *   dt_fs_         fsession: one program at entry and exit (7.x; map, unmap)
 *   dt_kp_/dt_kr_  kprobe/kretprobe, the last resort
 *   dt_*_map1/unmap1  --no-latency: map/unmap by one program at entry
 *
 * Entry/exit pairs keep the entry's state per task and call site; the
 * record is written at exit, so a call is one record with its latency.
 * Every kernel difference is a CO-RE existence check; none is a version.
 * The last argument of the event functions says whether their pointers are
 * typed (BTF: plain loads) or not (kprobes: probe reads); see trace.bpf.h.
 *
 * The contract check reads the owner word of the buffer's reservation
 * ww_mutex (a task pointer with flag bits, MUTEX_FLAGS 0x07, since 4.10):
 * without lockdep (no Debian kernel has it) this is the only way to tell
 * "held by the calling task" from "held by someone". For the caller's own
 * lock the answer is exact; another task's lock may change under the read.
 */
#include "trace_events.bpf.h"

/* --- tp_btf: the dma_buf tracepoints (7.x) ------------------------------- */

SEC("tp_btf")
int BPF_PROG(dt_tp_export, struct dma_buf *d)
{
	do_buf_event(ctx, TRACE_EV_EXPORT, TRACE_M_TRACEPOINT, d, 0, true, true);
	return 0;
}

SEC("tp_btf")
int BPF_PROG(dt_tp_fd, struct dma_buf *d, int fd)
{
	do_fd_event(ctx, TRACE_EV_FD, TRACE_M_TRACEPOINT, d, fd, fd < 0 ? fd : 0, true);
	return 0;
}

SEC("tp_btf")
int BPF_PROG(dt_tp_get, struct dma_buf *d, int fd)
{
	do_fd_event(ctx, TRACE_EV_GET, TRACE_M_TRACEPOINT, d, fd, 0, true);
	return 0;
}

SEC("tp_btf")
int BPF_PROG(dt_tp_attach, struct dma_buf *d, struct dma_buf_attachment *a, bool dyn,
	     struct device *dev)
{
	do_attach(ctx, TRACE_M_TRACEPOINT, d, a, dev, 0, false, 0, true);
	return 0;
}

SEC("tp_btf")
int BPF_PROG(dt_tp_detach, struct dma_buf *d, struct dma_buf_attachment *a, bool dyn,
	     struct device *dev)
{
	do_detach(ctx, TRACE_M_TRACEPOINT, d, a, true);
	return 0;
}

SEC("tp_btf")
int BPF_PROG(dt_tp_mmap, struct dma_buf *d)
{
	do_buf_event(ctx, TRACE_EV_MMAP, TRACE_M_TRACEPOINT, d, 0, false, true);
	return 0;
}

SEC("tp_btf")
int BPF_PROG(dt_tp_mmap_fd, struct dma_buf *d)
{
	do_buf_event(ctx, TRACE_EV_MMAP, TRACE_M_TRACEPOINT, d, 0, false, true);
	return 0;
}

/* --- fentry/fexit -------------------------------------------------------- */

SEC("fexit")
int BPF_PROG(dt_fx_export, const struct dma_buf_export_info *info, struct dma_buf *ret)
{
	do_buf_event(ctx, TRACE_EV_EXPORT, TRACE_M_FENTRY, ret, 0, true, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_fd, struct dma_buf *d, int flags, int ret)
{
	do_fd_event(ctx, TRACE_EV_FD, TRACE_M_FENTRY, d, ret, ret < 0 ? ret : 0, true);
	return 0;
}

/* an fd reserved earlier is published: dma_buf_fd_install() cannot fail */
SEC("fentry")
int BPF_PROG(dt_fe_fd_inst, struct dma_buf *d, int fd)
{
	do_fd_event(ctx, TRACE_EV_FD, TRACE_M_FENTRY, d, fd, 0, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_get, int fd, struct dma_buf *ret)
{
	do_fd_event(ctx, TRACE_EV_GET, TRACE_M_FENTRY, ret, fd,
		    is_err((__u64)ret) ? (__s64)ret : 0, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_attach, struct dma_buf *d, struct device *dev,
	     const struct dma_buf_attach_ops *iops, void *priv, struct dma_buf_attachment *ret)
{
	do_attach(ctx, TRACE_M_FENTRY, d, ret, dev, (__u64)iops, true, 0, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_detach, struct dma_buf *d, struct dma_buf_attachment *a)
{
	do_detach(ctx, TRACE_M_FENTRY, d, a, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_map, struct dma_buf_attachment *a, enum dma_data_direction dir)
{
	map_enter(TRACE_EV_MAP, a, 0, dir, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_map, struct dma_buf_attachment *a, enum dma_data_direction dir,
	     struct sg_table *ret)
{
	map_exit(ctx, TRACE_EV_MAP, TRACE_M_FENTRY, a, (__u64)ret, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_unmap, struct dma_buf_attachment *a, struct sg_table *sgt,
	     enum dma_data_direction dir)
{
	map_enter(TRACE_EV_UNMAP, a, (__u64)sgt, dir, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_unmap, struct dma_buf_attachment *a, struct sg_table *sgt,
	     enum dma_data_direction dir)
{
	map_exit(ctx, TRACE_EV_UNMAP, TRACE_M_FENTRY, a, 0, true);
	return 0;
}

/* --no-latency: map/unmap by one program per call */
SEC("fentry")
int BPF_PROG(dt_fe_map1, struct dma_buf_attachment *a, enum dma_data_direction dir)
{
	map_once(ctx, TRACE_EV_MAP, TRACE_M_FENTRY, a, 0, dir, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_unmap1, struct dma_buf_attachment *a, struct sg_table *sgt,
	     enum dma_data_direction dir)
{
	map_once(ctx, TRACE_EV_UNMAP, TRACE_M_FENTRY, a, (__u64)sgt, dir, true);
	return 0;
}

/* loaded as BPF_TRACE_FSESSION: lib/trace.c sets the type (libbpf may not know "fsession") */
SEC("fentry")
int BPF_PROG(dt_fs_map, struct dma_buf_attachment *a, enum dma_data_direction dir,
	     struct sg_table *ret)
{
	map_session(ctx, TRACE_EV_MAP, a, 0, dir, (__u64)ret);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fs_unmap, struct dma_buf_attachment *a, struct sg_table *sgt,
	     enum dma_data_direction dir)
{
	map_session(ctx, TRACE_EV_UNMAP, a, (__u64)sgt, dir, 0);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_pin, struct dma_buf_attachment *a)
{
	call_enter(TRACE_EV_PIN, a, NULL, 0, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_pin, struct dma_buf_attachment *a, int ret)
{
	call_exit(ctx, TRACE_EV_PIN, TRACE_M_FENTRY, a, NULL, ret, true, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_unpin, struct dma_buf_attachment *a)
{
	call_enter(TRACE_EV_UNPIN, a, NULL, 0, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_unpin, struct dma_buf_attachment *a)
{
	call_exit(ctx, TRACE_EV_UNPIN, TRACE_M_FENTRY, a, NULL, 0, false, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_move, struct dma_buf *d)
{
	do_move(ctx, TRACE_M_FENTRY, d, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_begin, struct dma_buf *d, enum dma_data_direction dir)
{
	call_enter(TRACE_EV_BEGIN_CPU, NULL, d, dir, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_begin, struct dma_buf *d, enum dma_data_direction dir, int ret)
{
	call_exit(ctx, TRACE_EV_BEGIN_CPU, TRACE_M_FENTRY, NULL, d, ret, true, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_end, struct dma_buf *d, enum dma_data_direction dir)
{
	call_enter(TRACE_EV_END_CPU, NULL, d, dir, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_end, struct dma_buf *d, enum dma_data_direction dir, int ret)
{
	call_exit(ctx, TRACE_EV_END_CPU, TRACE_M_FENTRY, NULL, d, ret, true, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_mmap_fd, struct file *file, struct vm_area_struct *vma, int ret)
{
	/* private_data is a void *: no typed loads from it */
	do_buf_event(ctx, TRACE_EV_MMAP, TRACE_M_FENTRY, BPF_CORE_READ(file, private_data),
		     ret, true, false);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_mmap, struct dma_buf *d, struct vm_area_struct *vma, unsigned long pgoff,
	     int ret)
{
	do_buf_event(ctx, TRACE_EV_MMAP, TRACE_M_FENTRY, d, ret, true, true);
	return 0;
}

SEC("fexit")
int BPF_PROG(dt_fx_vmap, struct dma_buf *d, struct iosys_map *map, int ret)
{
	do_vmap(ctx, TRACE_EV_VMAP, TRACE_M_FENTRY, d, ret, true, true);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_vunmap, struct dma_buf *d, struct iosys_map *map)
{
	do_vmap(ctx, TRACE_EV_VUNMAP, TRACE_M_FENTRY, d, 0, false, true);
	return 0;
}

/* the last file reference is gone: the buffer is released */
SEC("fentry")
int BPF_PROG(dt_fe_rel_file, struct inode *inode, struct file *file)
{
	do_buf_event(ctx, TRACE_EV_RELEASE, TRACE_M_FENTRY, BPF_CORE_READ(file, private_data),
		     0, false, false);
	return 0;
}

SEC("fentry")
int BPF_PROG(dt_fe_rel_dent, struct dentry *dentry)
{
	do_buf_event(ctx, TRACE_EV_RELEASE, TRACE_M_FENTRY, BPF_CORE_READ(dentry, d_fsdata),
		     0, false, false);
	return 0;
}

/* --- kprobe/kretprobe: the last resort ----------------------------------- */

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_export, struct dma_buf *ret)
{
	do_buf_event(ctx, TRACE_EV_EXPORT, TRACE_M_KPROBE, ret, 0, true, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_fd, struct dma_buf *d)
{
	if (wanted(TRACE_EV_FD))
		enter(TRACE_EV_FD, (__u64)d, 0, 0, 0, 0, ~0u);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_fd, int ret)
{
	struct inflight in;

	if (leave(TRACE_EV_FD, &in))
		do_fd_event(ctx, TRACE_EV_FD, TRACE_M_KPROBE, (void *)in.a0, ret, ret < 0 ? ret : 0,
			    false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_fd_inst, struct dma_buf *d, int fd)
{
	do_fd_event(ctx, TRACE_EV_FD, TRACE_M_KPROBE, d, fd, 0, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_get, int fd)
{
	if (wanted(TRACE_EV_GET))
		enter(TRACE_EV_GET, (__u64)fd, 0, 0, 0, 0, ~0u);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_get, struct dma_buf *ret)
{
	struct inflight in;

	if (leave(TRACE_EV_GET, &in))
		do_fd_event(ctx, TRACE_EV_GET, TRACE_M_KPROBE, ret, (__s32)in.a0,
			    is_err((__u64)ret) ? (__s64)ret : 0, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_attach, struct dma_buf *d, struct device *dev, const void *iops)
{
	if (wanted(TRACE_EV_ATTACH))
		enter(TRACE_EV_ATTACH, (__u64)d, (__u64)dev, (__u64)iops, 0, 0, ~0u);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_attach, struct dma_buf_attachment *ret)
{
	struct inflight in;

	if (leave(TRACE_EV_ATTACH, &in))
		do_attach(ctx, TRACE_M_KPROBE, (void *)in.a0, ret, (void *)in.a1, in.a2, true,
			  bpf_ktime_get_ns() - in.ts, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_detach, struct dma_buf *d, struct dma_buf_attachment *a)
{
	do_detach(ctx, TRACE_M_KPROBE, d, a, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_map, struct dma_buf_attachment *a, int dir)
{
	map_enter(TRACE_EV_MAP, a, 0, dir, false);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_map, struct sg_table *ret)
{
	map_exit(ctx, TRACE_EV_MAP, TRACE_M_KPROBE, NULL, (__u64)ret, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_unmap, struct dma_buf_attachment *a, struct sg_table *sgt, int dir)
{
	map_enter(TRACE_EV_UNMAP, a, (__u64)sgt, dir, false);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_unmap)
{
	map_exit(ctx, TRACE_EV_UNMAP, TRACE_M_KPROBE, NULL, 0, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_map1, struct dma_buf_attachment *a, int dir)
{
	map_once(ctx, TRACE_EV_MAP, TRACE_M_KPROBE, a, 0, dir, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_unmap1, struct dma_buf_attachment *a, struct sg_table *sgt, int dir)
{
	map_once(ctx, TRACE_EV_UNMAP, TRACE_M_KPROBE, a, (__u64)sgt, dir, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_pin, struct dma_buf_attachment *a)
{
	call_enter(TRACE_EV_PIN, a, NULL, 0, false);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_pin, int ret)
{
	call_exit(ctx, TRACE_EV_PIN, TRACE_M_KPROBE, NULL, NULL, ret, true, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_unpin, struct dma_buf_attachment *a)
{
	call_enter(TRACE_EV_UNPIN, a, NULL, 0, false);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_unpin)
{
	call_exit(ctx, TRACE_EV_UNPIN, TRACE_M_KPROBE, NULL, NULL, 0, false, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_move, struct dma_buf *d)
{
	do_move(ctx, TRACE_M_KPROBE, d, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_begin, struct dma_buf *d, int dir)
{
	call_enter(TRACE_EV_BEGIN_CPU, NULL, d, dir, false);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_begin, int ret)
{
	call_exit(ctx, TRACE_EV_BEGIN_CPU, TRACE_M_KPROBE, NULL, NULL, ret, true, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_end, struct dma_buf *d, int dir)
{
	call_enter(TRACE_EV_END_CPU, NULL, d, dir, false);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_end, int ret)
{
	call_exit(ctx, TRACE_EV_END_CPU, TRACE_M_KPROBE, NULL, NULL, ret, true, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_mmap_fd, struct file *file)
{
	if (wanted(TRACE_EV_MMAP))
		enter(SITE_MMAP_FD, (__u64)BPF_CORE_READ(file, private_data), 0, 0, 0, 0, ~0u);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_mmap_fd, int ret)
{
	struct inflight in;

	if (leave(SITE_MMAP_FD, &in))
		do_buf_event(ctx, TRACE_EV_MMAP, TRACE_M_KPROBE, (void *)in.a0, ret, true, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_mmap, struct dma_buf *d)
{
	if (wanted(TRACE_EV_MMAP))
		enter(TRACE_EV_MMAP, (__u64)d, 0, 0, 0, 0, ~0u);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_mmap, int ret)
{
	struct inflight in;

	if (leave(TRACE_EV_MMAP, &in))
		do_buf_event(ctx, TRACE_EV_MMAP, TRACE_M_KPROBE, (void *)in.a0, ret, true, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_vmap, struct dma_buf *d)
{
	if (wanted(TRACE_EV_VMAP))
		enter(TRACE_EV_VMAP, (__u64)d, 0, 0, 0, 0, ~0u);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(dt_kr_vmap, int ret)
{
	struct inflight in;

	if (leave(TRACE_EV_VMAP, &in))
		do_vmap(ctx, TRACE_EV_VMAP, TRACE_M_KPROBE, (void *)in.a0, ret, true, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_vunmap, struct dma_buf *d)
{
	do_vmap(ctx, TRACE_EV_VUNMAP, TRACE_M_KPROBE, d, 0, false, false);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dt_kp_rel_file, struct inode *inode, struct file *file)
{
	do_buf_event(ctx, TRACE_EV_RELEASE, TRACE_M_KPROBE, BPF_CORE_READ(file, private_data),
		     0, false, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
