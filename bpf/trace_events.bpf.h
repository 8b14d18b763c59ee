/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_events.bpf.h - one function per dma-buf operation of
 * bpf/trace.bpf.c: what the event of each call holds (buffer, attachment,
 * direction, dynamic sides, cached mapping, the contract check), shared by
 * the program flavours of every attach method in trace.bpf.c. The last
 * argument says whether their pointers are typed (BTF: plain loads) or not
 * (kprobes: probe reads).
 */
#ifndef DMABUF_TRACE_EVENTS_BPF_H
#define DMABUF_TRACE_EVENTS_BPF_H

#include "trace_out.bpf.h"

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

#endif
