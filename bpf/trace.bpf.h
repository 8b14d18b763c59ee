/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.bpf.h - the body of bpf/trace.bpf.c: its configuration (rodata
 * lib/trace.c fills before the load), the kernel flavours of CO-RE, the
 * maps, and the functions that build one record per event; the programs
 * that call them per attach method are in trace.bpf.c.
 */
#ifndef DMABUF_TRACE_BPF_H
#define DMABUF_TRACE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "trace_event.h"

#define MAX_ERRNO	4095
#define MUTEX_FLAGS	0x07UL
#define RT_MUTEX_FLAGS	0x01UL
#define SITE_MMAP_FD	(TRACE_EV__COUNT + 1)	/* dma_buf_mmap_internal vs dma_buf_mmap */

/* --- configuration, set by lib/trace.c before the load ------------------- */

const volatile __u32 event_mask = 0xffffffff;	/* 1 << TRACE_EV_* */
const volatile __u32 filter_tgid = 0;
const volatile __u64 filter_ino = 0;
const volatile bool filter_comm_on = false;
const volatile char filter_comm[TRACE_COMM_LEN] = {};
const volatile bool filter_exp_on = false;
const volatile char filter_exp[TRACE_EXP_NAME_LEN] = {};
const volatile bool filter_dev_on = false;
const volatile char filter_dev[TRACE_DEV_LEN] = {};
const volatile bool want_stack = false;
/* map/unmap/vmap/vunmap need the resv from every caller (the 6.2 convention) */
const volatile bool all_callers_lock = false;
const volatile __u32 move_notify = TRACE_MN_UNKNOWN;
const volatile bool use_perfbuf = false;
/* wake the reader only when this much waits: it polls every 100 ms anyway */
const volatile __u64 wakeup_bytes = 0;

/* --- kernel flavours ----------------------------------------------------- */

/* The attach-time mapping cache (5.5 .. 6.15), removed in 6.16 by "dma-buf:
 * drop caching of sg_tables" with the attach-time mapping of mismatched pairs. */
struct dma_buf_attachment___cache {
	struct sg_table *sgt;
} __attribute__((preserve_access_index));

/* 7.1 "dma-buf: Rename dma_buf_move_notify() to dma_buf_invalidate_mappings()"
 * renamed the importer callback; "Make .invalidate_mapping() truly optional"
 * made it optional, so only importers with it are notified. */
struct dma_buf_attach_ops___inv {
	void (*invalidate_mappings)(struct dma_buf_attachment *);
} __attribute__((preserve_access_index));

/* PREEMPT_RT builds ww_mutex on rt_mutex: the owner is rtmutex.owner. */
struct rt_mutex_base___rt {
	struct task_struct *owner;
} __attribute__((preserve_access_index));
struct rt_mutex___rt {
	struct rt_mutex_base___rt rtmutex;
} __attribute__((preserve_access_index));
struct ww_mutex___rt {
	struct rt_mutex___rt base;
} __attribute__((preserve_access_index));
struct dma_resv___rt {
	struct ww_mutex___rt lock;
} __attribute__((preserve_access_index));

/* --- maps ---------------------------------------------------------------- */

/* Ring buffer; lib/trace.c turns it into a perf event array where needed. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} dt_events SEC(".maps");

/* Where a perf-buffer record is built (too large for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trace_move_rec);
} dt_heap SEC(".maps");

struct inflight_key {
	__u32 tid;
	__u32 site;
};

struct inflight {
	__u64 ts;
	__u64 a0, a1, a2;
	__u64 sgt_before;	/* map/unmap: attach->sgt at entry (the cache era) */
	__u32 contract;
	__u32 resv;		/* enum trace_resv, or ~0 when not read */
};

/*
 * Calls between entry and exit. A preallocated hash: an entry lives for one
 * call (exit takes it out, also on error returns), so it cannot fill up
 * with leftovers; an LRU would cost more per call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct inflight_key);
	__type(value, struct inflight);
} dt_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_CNT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} dt_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, TRACE_STACK_DEPTH * sizeof(__u64));
} dt_stacks SEC(".maps");

/* --- helpers ------------------------------------------------------------- */

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&dt_counters, &which);

	if (c)
		*c += 1;
}

static __always_inline bool is_err(__u64 p)
{
	return p >= (__u64)-MAX_ERRNO;
}

/* Cheap checks first: is this event wanted, from this process? */
static __always_inline bool wanted(__u32 kind)
{
	if (!(event_mask & (1u << kind)))
		return false;
	if (filter_tgid && (bpf_get_current_pid_tgid() >> 32) != filter_tgid) {
		count(TRACE_CNT_FILTERED);
		return false;
	}
	return true;
}

static __always_inline bool cache_era(void)
{
	return bpf_core_field_exists(struct dma_buf_attachment___cache, sgt);
}

/* Copies a kernel string; returns true if it was cut. */
static __always_inline bool read_str(char *dst, __u32 size, const char *src)
{
	char last = 0;
	long n;

	dst[0] = '\0';
	if (!src)
		return false;
	n = bpf_probe_read_kernel_str(dst, size, src);
	if (n < 0) {
		dst[0] = '\0';
		return false;
	}
	return n == size && !bpf_probe_read_kernel(&last, 1, src + size - 1) && last;
}

static __always_inline __u32 resv_owner_state(struct dma_buf *d)
{
	struct dma_resv *resv = BPF_CORE_READ(d, resv);
	__u64 owner;

	if (bpf_core_field_exists(resv->lock.base.owner)) {
		owner = BPF_CORE_READ(resv, lock.base.owner.counter);
		owner &= ~MUTEX_FLAGS;
	} else {
		owner = (__u64)BPF_CORE_READ((struct dma_resv___rt *)resv, lock.base.rtmutex.owner);
		owner &= ~RT_MUTEX_FLAGS;
	}
	if (!owner)
		return TRACE_RESV_FREE;
	return owner == bpf_get_current_task() ? TRACE_RESV_CALLER : TRACE_RESV_OTHER;
}

/* A rule that needs the resv held by the caller, checked against STATE. */
static __always_inline __u32 need_held(__u32 state, __u32 rule)
{
	if (state == TRACE_RESV_CALLER)
		return TRACE_CONTRACT_OK;
	return TRACE_CONTRACT(state == TRACE_RESV_OTHER ? TRACE_CONTRACT_OTHER_TASK :
			      TRACE_CONTRACT_NOT_HELD, rule);
}

static __always_inline bool exp_dynamic(struct dma_buf *d, bool *known)
{
	const struct dma_buf_ops *ops = BPF_CORE_READ(d, ops);

	*known = bpf_core_field_exists(ops->pin);
	return *known && BPF_CORE_READ(ops, pin);
}

static __always_inline bool imp_dynamic(struct dma_buf_attachment *a)
{
	return bpf_core_field_exists(a->importer_ops) && BPF_CORE_READ(a, importer_ops);
}

static __always_inline __u64 attach_sgt(struct dma_buf_attachment *a)
{
	if (!cache_era())
		return 0;
	return (__u64)BPF_CORE_READ((struct dma_buf_attachment___cache *)a, sgt);
}

/*
 * The map/unmap contract of the convention, as the core asserts it: every
 * caller since the 6.2 convention; before it a dynamic importer always, and
 * a dynamic exporter unless the core's cached table answers.
 */
static __always_inline __u32 map_contract(struct dma_buf_attachment *a, struct dma_buf *d,
					  bool cached_hit, __u32 *state)
{
	bool known;

	*state = resv_owner_state(d);
	if (all_callers_lock)
		return need_held(*state, TRACE_RULE_ALL_CALLERS);
	if (imp_dynamic(a))
		return need_held(*state, TRACE_RULE_IMP_DYNAMIC);
	if (!cached_hit && exp_dynamic(d, &known))
		return need_held(*state, TRACE_RULE_EXP_DYNAMIC);
	return TRACE_CONTRACT_OK;
}

static __always_inline struct trace_rec *ev_reserve(__u32 size)
{
	struct trace_rec *e;
	__u32 zero = 0;

	if (!use_perfbuf) {
		e = bpf_ringbuf_reserve(&dt_events, size, 0);
		if (!e)
			count(TRACE_CNT_LOST);
		return e;
	}
	return bpf_map_lookup_elem(&dt_heap, &zero);
}

static __always_inline void ev_discard(struct trace_rec *e)
{
	count(TRACE_CNT_FILTERED);
	if (!use_perfbuf)
		bpf_ringbuf_discard(e, 0);
}

static __always_inline bool str_eq(const char *a, const volatile char *b, __u32 len)
{
	__u32 i;

	for (i = 0; i < len; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			return true;
	}
	return true;
}

/* The filters that need the record's fields; false drops the record. */
static __always_inline bool ev_match(struct trace_rec *e)
{
	if (filter_ino && (!(e->flags & TRACE_F_HAS_BUF) || e->ino != filter_ino))
		return false;
	if (filter_comm_on && !str_eq(e->comm, filter_comm, TRACE_COMM_LEN))
		return false;
	if (filter_exp_on && (!(e->flags & TRACE_F_HAS_BUF) ||
			      !str_eq(e->exporter, filter_exp, TRACE_EXP_NAME_LEN)))
		return false;
	if (filter_dev_on && (!(e->flags & TRACE_F_HAS_DEV) ||
			      !str_eq(e->device, filter_dev, TRACE_DEV_LEN)))
		return false;
	return true;
}

static __always_inline void ev_submit(void *ctx, struct trace_rec *e, __u32 size)
{
	if (!ev_match(e)) {
		ev_discard(e);
		return;
	}
	if (want_stack) {
		long id = bpf_get_stackid(ctx, &dt_stacks, 0);

		if (id >= 0) {
			e->stack_id = (__u32)id;
			e->flags |= TRACE_F_HAS_STACK;
		} else {
			count(TRACE_CNT_STACK_LOST);
		}
	}
	count(TRACE_CNT_EVENTS);
	if (!use_perfbuf) {
		/*
		 * A wakeup per record (the default when the reader is idle) costs
		 * more than the record: wake it only when enough waits.
		 */
		bpf_ringbuf_submit(e, wakeup_bytes &&
				   bpf_ringbuf_query(&dt_events, BPF_RB_AVAIL_DATA) < wakeup_bytes ?
				   BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP);
		return;
	}
	if (bpf_perf_event_output(ctx, &dt_events, BPF_F_CURRENT_CPU, e, size))
		count(TRACE_CNT_LOST);
}

static __always_inline void ev_init(struct trace_rec *e, __u32 kind, __u32 method, __u32 size)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->ts_ns = bpf_ktime_get_ns();
	e->ino = 0;
	e->size = 0;
	e->latency_ns = 0;
	e->ret = 0;
	e->attach = 0;
	e->kind = kind;
	e->method = method;
	e->size_rec = size;
	e->flags = 0;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->dir = TRACE_DIR_UNSET;
	e->contract = 0;
	e->resv = 0;
	e->fd = 0;
	e->stack_id = 0;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->exporter[0] = '\0';
	e->name[0] = '\0';
	e->device[0] = '\0';
}

static __always_inline void ev_buf(struct trace_rec *e, struct dma_buf *d)
{
	const char *name;
	bool known, dyn;

	if (!d || is_err((__u64)d))
		return;
	e->ino = BPF_CORE_READ(d, file, f_inode, i_ino);
	e->size = BPF_CORE_READ(d, size);
	if (read_str(e->exporter, sizeof(e->exporter), BPF_CORE_READ(d, exp_name)))
		e->flags |= TRACE_F_EXP_CUT;
	/* name belongs to name_lock: a rename under the read may mix; accepted */
	name = BPF_CORE_READ(d, name);
	if (name) {
		e->flags |= TRACE_F_HAS_NAME;
		if (read_str(e->name, sizeof(e->name), name))
			e->flags |= TRACE_F_NAME_CUT;
	}
	dyn = exp_dynamic(d, &known);
	if (known)
		e->flags |= TRACE_F_EXP_DYN_KNOWN | (dyn ? TRACE_F_EXP_DYN : 0);
	e->flags |= TRACE_F_HAS_BUF;
}

static __always_inline void ev_dev(struct trace_rec *e, struct device *dev)
{
	const char *dname;

	if (!dev)
		return;
	/* dev_name(): init_name until device_add(), then kobj.name */
	dname = BPF_CORE_READ(dev, init_name);
	if (!dname)
		dname = BPF_CORE_READ(dev, kobj.name);
	if (read_str(e->device, sizeof(e->device), dname))
		e->flags |= TRACE_F_DEV_CUT;
	e->flags |= TRACE_F_HAS_DEV;
}

static __always_inline void ev_att(struct trace_rec *e, struct dma_buf_attachment *a)
{
	if (!a || is_err((__u64)a))
		return;
	e->attach = (__u64)a;
	ev_dev(e, BPF_CORE_READ(a, dev));
	if (bpf_core_field_exists(a->importer_ops))
		e->flags |= TRACE_F_IMP_DYN_KNOWN | (imp_dynamic(a) ? TRACE_F_IMP_DYN : 0);
	if (bpf_core_field_exists(a->peer2peer))
		e->flags |= TRACE_F_P2P_KNOWN | (BPF_CORE_READ(a, peer2peer) ? TRACE_F_P2P : 0);
}

static __always_inline void ev_set(struct trace_rec *e, __u32 flag_known, __u32 flag, int v)
{
	if (v >= 0)
		e->flags |= flag_known | (v ? flag : 0);
}

static __always_inline void ev_ret(struct trace_rec *e, __s64 ret)
{
	e->ret = (__u64)ret;
	e->flags |= TRACE_F_HAS_RET;
}

static __always_inline void ev_contract(struct trace_rec *e, __u32 contract, __u32 resv)
{
	e->contract = contract;
	if (resv <= TRACE_RESV_OTHER) {
		e->resv = resv;
		e->flags |= TRACE_F_HAS_RESV;
	}
}

/*
 * Does a map that called the exporter leave it pinned for the mapping?
 * 1, 0, or -1 unknown. The cache era (to 6.15) pins a dynamic exporter per
 * mapping when CONFIG_DMABUF_MOVE_NOTIFY is off (a mismatched importer is
 * answered from the attach-time cache instead); 6.16+ pins for a static
 * importer, and for a dynamic one when the option is off (gone in 7.x).
 */
static __always_inline int map_pins(bool exp_dyn, bool exp_known, bool imp_dyn)
{
	if (!exp_known)
		return -1;
	if (!exp_dyn)
		return 0;
	if (!cache_era() && !imp_dyn)
		return 1;
	if (move_notify == TRACE_MN_OFF)
		return 1;
	if (move_notify == TRACE_MN_ON || move_notify == TRACE_MN_ABSENT)
		return 0;
	return -1;
}

/* --- entry/exit state ---------------------------------------------------- */

static __always_inline struct inflight_key ikey(__u32 site)
{
	struct inflight_key k = { .tid = (__u32)bpf_get_current_pid_tgid(), .site = site };

	return k;
}

static __always_inline void enter(__u32 site, __u64 a0, __u64 a1, __u64 a2, __u64 sgt,
				  __u32 contract, __u32 resv)
{
	struct inflight_key k = ikey(site);
	struct inflight v = {
		.ts = bpf_ktime_get_ns(), .a0 = a0, .a1 = a1, .a2 = a2, .sgt_before = sgt,
		.contract = contract, .resv = resv,
	};

	if (bpf_map_update_elem(&dt_inflight, &k, &v, BPF_ANY))
		count(TRACE_CNT_INFLIGHT_FULL);
}

/* Takes the entry state of SITE out of the map into *out; false if none. */
static __always_inline bool leave(__u32 site, struct inflight *out)
{
	struct inflight_key k = ikey(site);
	struct inflight *v = bpf_map_lookup_elem(&dt_inflight, &k);

	if (!v)
		return false;
	*out = *v;
	bpf_map_delete_elem(&dt_inflight, &k);
	return true;
}

/* --- the events ---------------------------------------------------------- */

static __always_inline void do_buf_event(void *ctx, __u32 kind, __u32 method, struct dma_buf *d,
					 __s64 ret, bool has_ret)
{
	__u32 size = sizeof(struct trace_rec);
	struct trace_rec *e;

	if (!wanted(kind))
		return;
	e = ev_reserve(size);
	if (!e)
		return;
	ev_init(e, kind, method, size);
	if (!is_err((__u64)d))
		ev_buf(e, d);
	if (has_ret)
		ev_ret(e, is_err((__u64)d) ? (__s64)d : ret);
	ev_submit(ctx, e, size);
}

static __always_inline void do_fd_event(void *ctx, __u32 kind, __u32 method, struct dma_buf *d,
					__s32 fd, __s64 ret)
{
	__u32 size = sizeof(struct trace_rec);
	struct trace_rec *e;

	if (!wanted(kind))
		return;
	e = ev_reserve(size);
	if (!e)
		return;
	ev_init(e, kind, method, size);
	if (!is_err((__u64)d))
		ev_buf(e, d);
	if (fd >= 0) {
		e->fd = (__u32)fd;
		e->flags |= TRACE_F_HAS_FD;
	}
	ev_ret(e, ret);
	ev_submit(ctx, e, size);
}

/* attach: A is the attachment or an ERR_PTR (then DEV and IMP_OPS tell who tried) */
static __always_inline void do_attach(void *ctx, __u32 method, struct dma_buf *d,
				      struct dma_buf_attachment *a, struct device *dev,
				      __u64 imp_ops, bool has_imp_ops, __u64 latency)
{
	__u32 size = sizeof(struct trace_rec);
	struct trace_rec *e;
	bool known, dyn;

	if (!wanted(TRACE_EV_ATTACH))
		return;
	e = ev_reserve(size);
	if (!e)
		return;
	ev_init(e, TRACE_EV_ATTACH, method, size);
	ev_buf(e, d);
	if (is_err((__u64)a)) {
		ev_ret(e, (__s64)a);
		ev_dev(e, dev);
		if (has_imp_ops)
			e->flags |= TRACE_F_IMP_DYN_KNOWN | (imp_ops ? TRACE_F_IMP_DYN : 0);
	} else {
		ev_att(e, a);
		ev_ret(e, 0);
		if (cache_era()) {
			bool cached = attach_sgt(a) != 0;

			dyn = exp_dynamic(d, &known);
			ev_set(e, TRACE_F_CACHED_KNOWN, TRACE_F_CACHED, cached);
			if (known)
				ev_set(e, TRACE_F_PINNED_KNOWN, TRACE_F_PINNED, cached && dyn);
		}
	}
	if (latency) {
		e->latency_ns = latency;
		e->flags |= TRACE_F_HAS_LATENCY;
	}
	ev_submit(ctx, e, size);
}

static __always_inline void do_detach(void *ctx, __u32 method, struct dma_buf *d,
				      struct dma_buf_attachment *a)
{
	__u32 size = sizeof(struct trace_rec);
	struct trace_rec *e;
	bool known, dyn;

	if (!wanted(TRACE_EV_DETACH))
		return;
	e = ev_reserve(size);
	if (!e)
		return;
	ev_init(e, TRACE_EV_DETACH, method, size);
	ev_buf(e, d);
	ev_att(e, a);
	/* tracepoint: it fires after the cached table is gone; only entry probes see it */
	if (cache_era() && method != TRACE_M_TRACEPOINT) {
		bool cached = attach_sgt(a) != 0;

		dyn = exp_dynamic(d, &known);
		ev_set(e, TRACE_F_CACHED_KNOWN, TRACE_F_CACHED, cached);
		if (known)
			ev_set(e, TRACE_F_PINNED_KNOWN, TRACE_F_PINNED, cached && dyn);
	}
	ev_submit(ctx, e, size);
}

static __always_inline void map_enter(__u32 site, struct dma_buf_attachment *a, __u64 sgt_arg,
				      __u32 dir)
{
	struct dma_buf *d;
	__u64 cached_sgt;
	__u32 state, contract;
	bool hit;

	if (!wanted(site))
		return;
	d = BPF_CORE_READ(a, dmabuf);
	cached_sgt = attach_sgt(a);
	/* map: a cached table answers; unmap: the table is the cached one */
	hit = cached_sgt && (site == TRACE_EV_MAP || cached_sgt == sgt_arg);
	contract = map_contract(a, d, hit, &state);
	enter(site, (__u64)a, sgt_arg, dir, cached_sgt, contract, state);
}

static __always_inline void map_exit(void *ctx, __u32 site, __u32 method, __u64 sgt_ret)
{
	__u32 size = sizeof(struct trace_rec);
	struct dma_buf_attachment *a;
	struct trace_rec *e;
	struct inflight in;
	bool known, dyn, hit;
	struct dma_buf *d;

	if (!leave(site, &in))
		return;
	e = ev_reserve(size);
	if (!e)
		return;
	ev_init(e, site, method, size);
	a = (void *)in.a0;
	d = BPF_CORE_READ(a, dmabuf);
	ev_buf(e, d);
	ev_att(e, a);
	e->dir = (__u32)in.a2;
	e->flags |= TRACE_F_HAS_DIR | TRACE_F_HAS_LATENCY;
	e->latency_ns = e->ts_ns - in.ts;
	ev_contract(e, in.contract, in.resv);
	if (site == TRACE_EV_MAP) {
		ev_ret(e, is_err(sgt_ret) ? (__s64)sgt_ret : 0);
		hit = in.sgt_before && !is_err(sgt_ret);
	} else {
		hit = in.sgt_before && in.sgt_before == in.a1;
	}
	dyn = exp_dynamic(d, &known);
	if (site == TRACE_EV_UNMAP || !is_err(sgt_ret)) {
		ev_set(e, TRACE_F_CACHED_KNOWN, TRACE_F_CACHED, hit);
		/* a cached table of a dynamic exporter was pinned at attach */
		ev_set(e, TRACE_F_PINNED_KNOWN, TRACE_F_PINNED,
		       hit ? (known ? dyn : -1) : map_pins(dyn, known, imp_dynamic(a)));
	}
	ev_submit(ctx, e, size);
}

/* pin, unpin, begin/end_cpu_access: entry state, then one record at exit */
static __always_inline void call_enter(__u32 site, __u64 obj, bool is_att, __u32 dir)
{
	struct dma_buf *d;
	__u32 state, contract;

	if (!wanted(site))
		return;
	d = is_att ? BPF_CORE_READ((struct dma_buf_attachment *)obj, dmabuf) : (void *)obj;
	state = resv_owner_state(d);
	if (site == TRACE_EV_PIN || site == TRACE_EV_UNPIN)
		contract = need_held(state, TRACE_RULE_PIN_MOVE);
	else if (state == TRACE_RESV_CALLER)
		contract = TRACE_CONTRACT(TRACE_CONTRACT_HELD, TRACE_RULE_MIGHT_LOCK);
	else
		contract = TRACE_CONTRACT_OK;
	enter(site, obj, is_att, dir, 0, contract, state);
}

static __always_inline void call_exit(void *ctx, __u32 site, __u32 method, __s64 ret, bool has_ret)
{
	__u32 size = sizeof(struct trace_rec);
	struct trace_rec *e;
	struct inflight in;
	struct dma_buf *d;
	void *obj;

	if (!leave(site, &in))
		return;
	e = ev_reserve(size);
	if (!e)
		return;
	ev_init(e, site, method, size);
	/* a plain pointer first: inside BPF_CORE_READ(), in.a0 would be relocated too */
	obj = (void *)in.a0;
	if (in.a1) {
		d = BPF_CORE_READ((struct dma_buf_attachment *)obj, dmabuf);
		ev_att(e, obj);
	} else {
		d = obj;
	}
	ev_buf(e, d);
	if (site == TRACE_EV_BEGIN_CPU || site == TRACE_EV_END_CPU) {
		e->dir = (__u32)in.a2;
		e->flags |= TRACE_F_HAS_DIR;
	}
	e->latency_ns = e->ts_ns - in.ts;
	e->flags |= TRACE_F_HAS_LATENCY;
	ev_contract(e, in.contract, in.resv);
	if (has_ret)
		ev_ret(e, ret);
	ev_submit(ctx, e, size);
}

/* vmap (at exit) and vunmap (at entry): the resv from every caller since 6.2 */
static __always_inline void do_vmap(void *ctx, __u32 kind, __u32 method, struct dma_buf *d,
				    __s64 ret, bool has_ret)
{
	__u32 size = sizeof(struct trace_rec);
	struct trace_rec *e;
	__u32 state;

	if (!wanted(kind))
		return;
	e = ev_reserve(size);
	if (!e)
		return;
	ev_init(e, kind, method, size);
	ev_buf(e, d);
	state = resv_owner_state(d);
	ev_contract(e, all_callers_lock ? need_held(state, TRACE_RULE_ALL_CALLERS) : 0, state);
	if (has_ret)
		ev_ret(e, ret);
	ev_submit(ctx, e, size);
}

static __always_inline void do_move(void *ctx, __u32 method, struct dma_buf *d)
{
	__u32 size = sizeof(struct trace_move_rec);
	struct list_head *head, *pos;
	struct trace_move_rec *m;
	__u32 i, state;

	if (!wanted(TRACE_EV_MOVE))
		return;
	m = (void *)ev_reserve(size);
	if (!m)
		return;
	ev_init(&m->e, TRACE_EV_MOVE, method, size);
	ev_buf(&m->e, d);
	state = resv_owner_state(d);
	ev_contract(&m->e, need_held(state, TRACE_RULE_PIN_MOVE), state);
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
	ev_submit(ctx, &m->e, size);
}

#endif
