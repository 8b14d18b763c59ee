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
#include "trace.bpf.h"

/* --- the events ---------------------------------------------------------- */

static __always_inline void do_buf_event(void *ctx, __u32 kind, __u32 method, struct dma_buf *d,
					 __s64 ret, bool has_ret, bool direct)
{
	struct ev e;

	if (!wanted(kind))
		return;
	ev_init(&e, kind, method, !summary);
	ev_buf(&e, d, direct);
	if (has_ret)
		ev_ret(&e, is_err((__u64)d) ? (__s64)d : ret);
	ev_send(ctx, &e, direct);
}

static __always_inline void do_fd_event(void *ctx, __u32 kind, __u32 method, struct dma_buf *d,
					__s32 fd, __s64 ret, bool direct)
{
	struct ev e;

	if (!wanted(kind))
		return;
	ev_init(&e, kind, method, !summary);
	ev_buf(&e, d, direct);
	if (fd >= 0) {
		e.fd = (__u32)fd;
		e.flags |= TRACE_F_HAS_FD;
	}
	ev_ret(&e, ret);
	ev_send(ctx, &e, direct);
}

/* the attach-time cache (to 6.15): a table cached at attach, and the pin it holds */
static __always_inline void ev_cached(struct ev *e, struct dma_buf *d,
				      struct dma_buf_attachment *a, bool direct)
{
	bool known, dyn, cached;

	if (!cache_era() || summary)
		return;
	cached = attach_sgt(a, direct) != 0;
	dyn = exp_dynamic(d, &known, direct);
	ev_set(e, TRACE_F_CACHED_KNOWN, TRACE_F_CACHED, cached);
	if (known)
		ev_set(e, TRACE_F_PINNED_KNOWN, TRACE_F_PINNED, cached && dyn);
}

/* attach: A is the attachment or an ERR_PTR (then DEV and IMP_OPS tell who tried) */
static __always_inline void do_attach(void *ctx, __u32 method, struct dma_buf *d,
				      struct dma_buf_attachment *a, struct device *dev,
				      __u64 imp_ops, bool has_imp_ops, __u64 latency, bool direct)
{
	struct ev e;

	if (!wanted(TRACE_EV_ATTACH))
		return;
	ev_init(&e, TRACE_EV_ATTACH, method, !summary);
	ev_buf(&e, d, direct);
	if (is_err((__u64)a)) {
		ev_ret(&e, (__s64)a);
		ev_dev(&e, dev);
		if (has_imp_ops)
			e.flags |= TRACE_F_IMP_DYN_KNOWN | (imp_ops ? TRACE_F_IMP_DYN : 0);
	} else {
		ev_att(&e, a, direct);
		ev_ret(&e, 0);
		ev_cached(&e, d, a, direct);
	}
	if (latency) {
		e.latency = latency;
		e.flags |= TRACE_F_HAS_LATENCY;
	}
	ev_send(ctx, &e, direct);
}

static __always_inline void do_detach(void *ctx, __u32 method, struct dma_buf *d,
				      struct dma_buf_attachment *a, bool direct)
{
	struct ev e;

	if (!wanted(TRACE_EV_DETACH))
		return;
	ev_init(&e, TRACE_EV_DETACH, method, !summary);
	ev_buf(&e, d, direct);
	ev_att(&e, a, direct);
	/* tracepoint: it fires after the cached table is gone; only entry probes see it */
	if (method != TRACE_M_TRACEPOINT)
		ev_cached(&e, d, a, direct);
	ev_send(ctx, &e, direct);
}

/* The entry state of a map/unmap: the arguments, the cached table and the contract */
static __always_inline void map_state(__u32 site, struct dma_buf_attachment *a, __u64 sgt_arg,
				      __u32 dir, struct inflight *in, bool direct)
{
	struct dma_buf *d = RD(direct, a, dmabuf);
	bool hit;

	in->a0 = (__u64)a;
	in->a1 = sgt_arg;
	in->a2 = dir;
	in->sgt_before = attach_sgt(a, direct);
	/* map: a cached table answers; unmap: the table is the cached one */
	hit = in->sgt_before && (site == TRACE_EV_MAP || in->sgt_before == sgt_arg);
	in->contract = map_contract(a, d, hit, &in->resv, direct);
}

static __always_inline void map_enter(__u32 site, struct dma_buf_attachment *a, __u64 sgt_arg,
				      __u32 dir, bool direct)
{
	struct inflight in;

	if (!wanted(site))
		return;
	map_state(site, a, sgt_arg, dir, &in, direct);
	enter(site, in.a0, in.a1, in.a2, in.sgt_before, in.contract, in.resv);
}

/*
 * The record of a map/unmap that returned at NOW, its entry's state in IN;
 * !TIMED (a constant): traced at entry alone (--no-latency), no latency and
 * no return (a constant keeps the timed programs as they were for 6.1's
 * verifier).
 */
static __always_inline void map_record(void *ctx, __u32 site, __u32 method,
				       struct dma_buf_attachment *a, __u64 sgt_ret,
				       const struct inflight *in, __u64 now, bool timed, bool direct)
{
	bool known, dyn, hit;
	struct dma_buf *d;
	struct ev e;

	ev_init(&e, site, method, false);
	e.ts = now;
	d = RD(direct, a, dmabuf);
	ev_buf(&e, d, direct);
	ev_att(&e, a, direct);
	e.dir = (__u32)in->a2;
	e.flags |= TRACE_F_HAS_DIR;
	if (timed) {
		e.flags |= TRACE_F_HAS_LATENCY;
		e.latency = e.ts - in->ts;
	}
	ev_contract(&e, in->contract, in->resv);
	if (site == TRACE_EV_MAP) {
		if (timed)
			ev_ret(&e, is_err(sgt_ret) ? (__s64)sgt_ret : 0);
		hit = in->sgt_before && !is_err(sgt_ret);
	} else {
		hit = in->sgt_before && in->sgt_before == in->a1;
	}
	if (summary)
		goto send;
	dyn = exp_dynamic(d, &known, direct);
	if (site == TRACE_EV_UNMAP || !is_err(sgt_ret)) {
		ev_set(&e, TRACE_F_CACHED_KNOWN, TRACE_F_CACHED, hit);
		/* a cached table of a dynamic exporter was pinned at attach */
		ev_set(&e, TRACE_F_PINNED_KNOWN, TRACE_F_PINNED,
		       hit ? (known ? dyn : -1) : map_pins(dyn, known, imp_dynamic(a, direct)));
	}
send:
	ev_send(ctx, &e, direct);
}

/* A: the attachment where the exit program sees it (fexit), else from the entry */
static __always_inline void map_exit(void *ctx, __u32 site, __u32 method,
				     struct dma_buf_attachment *a, __u64 sgt_ret, bool direct)
{
	struct inflight in;

	if (!leave(site, &in))
		return;
	if (!direct)
		a = (void *)in.a0;
	map_record(ctx, site, method, a, sgt_ret, &in, bpf_ktime_get_ns(), true, direct);
}

/*
 * --no-latency: one program per call, at entry, the record (or count) made
 * there: no entry state kept, no clock read for the summary, no return.
 */
static __always_inline void map_once(void *ctx, __u32 site, __u32 method,
				     struct dma_buf_attachment *a, __u64 sgt_arg, __u32 dir,
				     bool direct)
{
	struct inflight in;

	if (!wanted(site))
		return;
	map_state(site, a, sgt_arg, dir, &in, direct);
	map_record(ctx, site, method, a, 0, &in, 0, false, direct);
}

/*
 * fsession (7.x): one program at the entry and the exit of map/unmap, the
 * entry's state in the session cookie instead of task storage: the time's
 * low 56 bits over a byte of lock owner, contract rule and code (CK_*).
 * lib/trace_kernel.c offers it only without the attach-time cache, so
 * there is no table to remember at entry.
 */
#define CK_VALID	0x80
#define CK_RESV(c)	(((c) >> 5) & 3)
#define CK_RULE(c)	(((c) >> 2) & 7)
#define CK_CODE(c)	((c) & 3)

static __always_inline void map_session(void *ctx, __u32 site, struct dma_buf_attachment *a,
					__u64 sgt_arg, __u32 dir, __u64 sgt_ret)
{
	__u64 *ck = bpf_session_cookie(ctx);
	__u32 state, contract;
	struct inflight in;
	__u64 now;

	if (!bpf_session_is_return(ctx)) {
		*ck = 0;
		if (!wanted(site))
			return;
		contract = map_contract(a, a->dmabuf, false, &state, true);
		*ck = bpf_ktime_get_ns() << 8 | CK_VALID | (state & 3) << 5 |
		      (TRACE_CONTRACT_RULE(contract) & 7) << 2 | (TRACE_CONTRACT_CODE(contract) & 3);
		return;
	}
	if (!(*ck & CK_VALID))
		return;
	now = bpf_ktime_get_ns();
	in.ts = now - (((now << 8) - (*ck & ~0xffULL)) >> 8);
	in.a0 = (__u64)a;
	in.a1 = sgt_arg;
	in.a2 = dir;
	in.sgt_before = 0;
	in.contract = TRACE_CONTRACT(CK_CODE(*ck), CK_RULE(*ck));
	in.resv = CK_RESV(*ck);
	map_record(ctx, site, TRACE_M_FENTRY, a, sgt_ret, &in, now, true, true);
}

/* pin, unpin (on attachment A), begin/end_cpu_access (on buffer D): entry state */
static __always_inline void call_enter(__u32 site, struct dma_buf_attachment *a,
				       struct dma_buf *d, __u32 dir, bool direct)
{
	bool is_att = site == TRACE_EV_PIN || site == TRACE_EV_UNPIN;
	__u32 state, contract;

	if (!wanted(site))
		return;
	if (is_att)
		d = RD(direct, a, dmabuf);
	state = resv_owner_state(d, direct);
	if (is_att)
		contract = need_held(state, TRACE_RULE_PIN_MOVE);
	else if (state == TRACE_RESV_CALLER)
		contract = TRACE_CONTRACT(TRACE_CONTRACT_HELD, TRACE_RULE_MIGHT_LOCK);
	else
		contract = TRACE_CONTRACT_OK;
	enter(site, is_att ? (__u64)a : (__u64)d, is_att, dir, 0, contract, state);
}

/* ... and one record at exit; A or D as the exit program sees them (fexit) */
static __always_inline void call_exit(void *ctx, __u32 site, __u32 method,
				      struct dma_buf_attachment *a, struct dma_buf *d,
				      __s64 ret, bool has_ret, bool direct)
{
	bool is_att = site == TRACE_EV_PIN || site == TRACE_EV_UNPIN;
	struct inflight in;
	struct ev e;

	if (!leave(site, &in))
		return;
	if (!direct) {
		/* plain pointers first: inside RD(), in.a0 would be relocated too */
		a = (void *)in.a0;
		d = (void *)in.a0;
	}
	ev_init(&e, site, method, true);
	if (is_att) {
		d = RD(direct, a, dmabuf);
		ev_att(&e, a, direct);
	}
	ev_buf(&e, d, direct);
	if (site == TRACE_EV_BEGIN_CPU || site == TRACE_EV_END_CPU) {
		e.dir = (__u32)in.a2;
		e.flags |= TRACE_F_HAS_DIR;
	}
	e.latency = e.ts - in.ts;
	e.flags |= TRACE_F_HAS_LATENCY;
	ev_contract(&e, in.contract, in.resv);
	if (has_ret)
		ev_ret(&e, ret);
	ev_send(ctx, &e, direct);
}

/* vmap (at exit) and vunmap (at entry): the resv from every caller since 6.2 */
static __always_inline void do_vmap(void *ctx, __u32 kind, __u32 method, struct dma_buf *d,
				    __s64 ret, bool has_ret, bool direct)
{
	__u32 state;
	struct ev e;

	if (!wanted(kind))
		return;
	ev_init(&e, kind, method, !summary);
	ev_buf(&e, d, direct);
	state = resv_owner_state(d, direct);
	ev_contract(&e, all_callers_lock ? need_held(state, TRACE_RULE_ALL_CALLERS) : 0, state);
	if (has_ret)
		ev_ret(&e, ret);
	ev_send(ctx, &e, direct);
}

/* the attachment list is walked with probe reads: container_of() defeats typed loads */
static __always_inline void do_move(void *ctx, __u32 method, struct dma_buf *d, bool direct)
{
	__u32 size = sizeof(struct trace_move_rec);
	struct list_head *head, *pos;
	struct trace_move_rec *m;
	__u32 i, state;
	struct ev e;

	if (!wanted(TRACE_EV_MOVE))
		return;
	ev_init(&e, TRACE_EV_MOVE, method, !summary);
	ev_buf(&e, d, direct);
	state = resv_owner_state(d, direct);
	ev_contract(&e, need_held(state, TRACE_RULE_PIN_MOVE), state);
	m = (void *)ev_record(&e, size, direct);
	if (!m)
		return;
	m->notified = 0;
	m->attachments = 0;
	for (i = 0; i < TRACE_MOVE_DEVS; i++)
		m->notified_dev[i][0] = '\0';
	/* the resv protects the list; the caller holds it (else: contract above) */
	head = (void *)d + bpf_core_field_offset(struct dma_buf, attachments);
	pos = BPF_CORE_READ(d, attachments.next);
	for (i = 0; i < TRACE_MOVE_SCAN; i++) {
		struct dma_buf_attachment *a;
		const void *iops;
		const char *dname;
		struct device *dev;
		bool notified;

		if (!pos || pos == head)
			break;
		a = (void *)pos - bpf_core_field_offset(struct dma_buf_attachment, node);
		m->attachments++;
		iops = BPF_CORE_READ(a, importer_ops);
		notified = iops != NULL;
		if (notified && bpf_core_field_exists(struct dma_buf_attach_ops___inv,
						      invalidate_mappings))
			notified = BPF_CORE_READ((struct dma_buf_attach_ops___inv *)iops,
						 invalidate_mappings) != NULL;
		if (notified) {
			__u32 slot = m->notified;

			if (slot < TRACE_MOVE_DEVS) {
				dev = BPF_CORE_READ(a, dev);
				dname = BPF_CORE_READ(dev, init_name);
				if (!dname)
					dname = BPF_CORE_READ(dev, kobj.name);
				read_str(m->notified_dev[slot], TRACE_DEV_LEN, dname);
			}
			m->notified++;
		}
		pos = BPF_CORE_READ(pos, next);
	}
	rec_submit(ctx, &m->e, size);
}

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
