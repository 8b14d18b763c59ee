/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.bpf.h - the base of bpf/trace.bpf.c: its configuration (rodata
 * lib/trace.c fills before the load), the kernel flavours of CO-RE, the
 * maps, the entry/exit state, and one event gathered and filtered. Then
 * trace_out.bpf.h (the event counted or sent), trace_events.bpf.h (the
 * event of each dma-buf operation), and the programs per attach method in
 * trace.bpf.c.
 *
 * What an event costs is what this file is written around (bench/README.md):
 *   - fentry/fexit/tp_btf programs get typed (BTF) pointers and read fields
 *     with plain loads (RD(true, ...)); only the kprobe flavour and pointers
 *     the verifier cannot type (void *private_data) go through
 *     bpf_probe_read_kernel (RD(false, ...));
 *   - an event is gathered into a small struct ev on the stack first; the
 *     filters run on it before anything is reserved, and strings are read
 *     only into the record that is sent (or once per summary entry);
 *   - entry state lives in task storage (a slot per call site), not in a
 *     hash keyed by thread: no hashing, locking or deletion per call;
 *   - --summary aggregates here (dt_sum), no record goes to user space.
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
#define NSITES		(TRACE_EV__COUNT + 2)

/* A field of P: a plain load where P is a typed pointer, else a probe read. */
#define RD(direct, p, field) ((direct) ? (p)->field : BPF_CORE_READ(p, field))

/* fsession (7.x) kfuncs; weak: absent before, where no dt_fs_ program loads */
extern __u64 *bpf_session_cookie(void *ctx) __ksym __weak;
extern bool bpf_session_is_return(void *ctx) __ksym __weak;

/* --- configuration, set by lib/trace.c before the load ------------------- */

const volatile __u32 event_mask = 0xffffffff;	/* 1 << TRACE_EV_* */
const volatile __u32 filter_tgid = 0;
const volatile __u64 filter_ino = 0;
const volatile bool filter_comm_on = false;
/* zero-padded (lib/trace.c set_string()), aligned: compared as two words (comm_eq()) */
const volatile char filter_comm[TRACE_COMM_LEN] __attribute__((aligned(8))) = {};
const volatile bool filter_exp_on = false;
const volatile char filter_exp[TRACE_EXP_NAME_LEN] = {};
const volatile bool filter_dev_on = false;
const volatile char filter_dev[TRACE_DEV_LEN] = {};
const volatile bool want_stack = false;
/* map/unmap/vmap/vunmap need the resv from every caller (the 6.2 convention) */
const volatile bool all_callers_lock = false;
const volatile __u32 move_notify = TRACE_MN_UNKNOWN;
const volatile bool use_perfbuf = false;
/* calls in flight: task storage (5.11+), else the dt_inflight hash */
const volatile bool use_task_storage = true;
/* --summary: aggregate into dt_sum instead of sending records */
const volatile bool summary = false;
/* wake the reader only when this much waits: it polls every 100 ms anyway */
const volatile __u64 wakeup_bytes = 0;
/* DMABUF_TRACE_PROFILE: stop at a stage, to measure what each costs (bench/) */
const volatile __u32 profile = TRACE_PROFILE_OFF;

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

/* Scratch too large for the stack: a perf-buffer record. */
union heap {
	struct trace_move_rec m;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union heap);
} dt_heap SEC(".maps");

struct inflight {
	__u64 ts;		/* 0: no call in flight */
	__u64 a0, a1, a2;	/* the arguments a kretprobe cannot see */
	__u64 sgt_before;	/* map/unmap: attach->sgt at entry (the cache era) */
	__u32 contract;
	__u32 resv;		/* enum trace_resv, or ~0 when not read */
};

/* Calls between entry and exit, per task: one slot per call site. */
struct task_calls {
	struct inflight slot[NSITES];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_calls);
} dt_calls SEC(".maps");

struct inflight_key {
	__u32 tid;
	__u32 site;
};

/*
 * The same without task storage (before 5.11, where there is no ring buffer
 * either: lib/trace.c pairs the two). A preallocated hash: an entry lives
 * for one call (exit takes it out, also on error returns).
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

/* --summary (include/trace_event.h); lib/trace.c shrinks them to one entry otherwise */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACE_SUM_ENTRIES);
	__type(key, __u32);
	__type(value, struct trace_sum_val);
} dt_sum SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_SUM_ENTRIES);
	__type(key, struct trace_sum_key);
	__type(value, __u32);
} dt_sum_idx SEC(".maps");

/* the slots no key holds: lib/trace.c fills it before the programs attach */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, TRACE_SUM_ENTRIES);
	__type(value, __u32);
} dt_sum_free SEC(".maps");

struct sum_memo {
	struct trace_sum_key k;
	__u32 slot;
	__u32 pad;
};

/* per CPU and event kind: the key counted last and its slot */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_EV__COUNT);
	__type(key, __u32);
	__type(value, struct sum_memo);
} dt_sum_memo SEC(".maps");

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
	if (profile == TRACE_PROFILE_ATTACH || !(event_mask & (1u << kind)))
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

/*
 * COMM (NUL-padded: zeroed before bpf_get_current_comm()) against the -c
 * filter (zero-padded): two word compares, where a byte loop made every program
 * several times longer to verify (minutes on a KASAN kernel).
 */
static __always_inline bool comm_eq(const char *comm)
{
	const volatile __u64 *f = (const volatile __u64 *)filter_comm;
	__u64 c[2];

	__builtin_memcpy(c, comm, sizeof(c));
	return c[0] == f[0] && c[1] == f[1];
}

static __always_inline __u32 resv_owner_state(struct dma_buf *d, bool direct)
{
	struct dma_resv *resv = RD(direct, d, resv);
	__u64 owner;

	if (bpf_core_field_exists(resv->lock.base.owner)) {
		owner = RD(direct, resv, lock.base.owner.counter);
		owner &= ~MUTEX_FLAGS;
	} else {
		owner = (__u64)RD(direct, (struct dma_resv___rt *)resv, lock.base.rtmutex.owner);
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

static __always_inline bool exp_dynamic(struct dma_buf *d, bool *known, bool direct)
{
	const struct dma_buf_ops *ops = RD(direct, d, ops);

	*known = bpf_core_field_exists(ops->pin);
	return *known && RD(direct, ops, pin);
}

static __always_inline bool imp_dynamic(struct dma_buf_attachment *a, bool direct)
{
	return bpf_core_field_exists(a->importer_ops) && RD(direct, a, importer_ops);
}

static __always_inline __u64 attach_sgt(struct dma_buf_attachment *a, bool direct)
{
	if (!cache_era())
		return 0;
	return (__u64)RD(direct, (struct dma_buf_attachment___cache *)a, sgt);
}

/*
 * The map/unmap contract of the convention, as the core asserts it: every
 * caller since the 6.2 convention; before it a dynamic importer always, and
 * a dynamic exporter unless the core's cached table answers.
 */
static __always_inline __u32 map_contract(struct dma_buf_attachment *a, struct dma_buf *d,
					  bool cached_hit, __u32 *state, bool direct)
{
	bool known;

	*state = resv_owner_state(d, direct);
	if (all_callers_lock)
		return need_held(*state, TRACE_RULE_ALL_CALLERS);
	if (imp_dynamic(a, direct))
		return need_held(*state, TRACE_RULE_IMP_DYNAMIC);
	if (!cached_hit && exp_dynamic(d, &known, direct))
		return need_held(*state, TRACE_RULE_EXP_DYNAMIC);
	return TRACE_CONTRACT_OK;
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

static __always_inline struct inflight *task_slot(__u32 site, bool create)
{
	struct task_calls *tc;

	tc = bpf_task_storage_get(&dt_calls, bpf_get_current_task_btf(), 0,
				  create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!tc || site >= NSITES)
		return NULL;
	return &tc->slot[site];
}

static __always_inline void enter(__u32 site, __u64 a0, __u64 a1, __u64 a2, __u64 sgt,
				  __u32 contract, __u32 resv)
{
	struct inflight v = {
		.ts = bpf_ktime_get_ns(), .a0 = a0, .a1 = a1, .a2 = a2, .sgt_before = sgt,
		.contract = contract, .resv = resv,
	};
	struct inflight_key k;
	struct inflight *s;

	if (use_task_storage) {
		s = task_slot(site, true);
		if (s)
			*s = v;
		else
			count(TRACE_CNT_INFLIGHT_FULL);
		return;
	}
	k.tid = (__u32)bpf_get_current_pid_tgid();
	k.site = site;
	if (bpf_map_update_elem(&dt_inflight, &k, &v, BPF_ANY))
		count(TRACE_CNT_INFLIGHT_FULL);
}

/* Takes the entry state of SITE out into *out; false if none. */
static __always_inline bool leave(__u32 site, struct inflight *out)
{
	struct inflight_key k;
	struct inflight *v;

	if (profile == TRACE_PROFILE_ATTACH)
		return false;
	if (use_task_storage) {
		v = task_slot(site, false);
		if (!v || !v->ts)
			return false;
		*out = *v;
		v->ts = 0;
		return true;
	}
	k.tid = (__u32)bpf_get_current_pid_tgid();
	k.site = site;
	v = bpf_map_lookup_elem(&dt_inflight, &k);
	if (!v)
		return false;
	*out = *v;
	bpf_map_delete_elem(&dt_inflight, &k);
	return true;
}

/* --- one event: gathered on the stack, filtered, then sent or counted ---- */

/*
 * What an event needs, read with plain loads (or probe reads, see RD());
 * strings are read later, and only into what is sent. With --summary only
 * the keys, the latency and the contract are gathered: the rest would not
 * be used.
 */
struct ev {
	__u64 ts, ino, size, latency, ret, att;
	const char *exp_name, *name;
	struct device *dev;
	__u64 exp_key, dev_key;		/* --summary keys: the pointers, 0 for none */
	__u32 kind, method, flags, dir, contract, resv, fd;
};

/* TS: whether the event takes its time now (a latency needs it early) */
static __always_inline void ev_init(struct ev *e, __u32 kind, __u32 method, bool ts)
{
	__builtin_memset(e, 0, sizeof(*e));
	if (ts)
		e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	e->method = method;
	e->dir = TRACE_DIR_UNSET;
}

static __always_inline void ev_buf(struct ev *e, struct dma_buf *d, bool direct)
{
	bool known, dyn;

	if (!d || is_err((__u64)d))
		return;
	e->exp_name = RD(direct, d, exp_name);
	e->exp_key = (__u64)e->exp_name;
	e->flags |= TRACE_F_HAS_BUF;
	if (!summary || filter_ino)
		e->ino = direct ? d->file->f_inode->i_ino : BPF_CORE_READ(d, file, f_inode, i_ino);
	if (summary)
		return;
	e->size = RD(direct, d, size);
	/* name belongs to name_lock: a rename under the read may mix; accepted */
	e->name = RD(direct, d, name);
	if (e->name)
		e->flags |= TRACE_F_HAS_NAME;
	dyn = exp_dynamic(d, &known, direct);
	if (known)
		e->flags |= TRACE_F_EXP_DYN_KNOWN | (dyn ? TRACE_F_EXP_DYN : 0);
}

static __always_inline void ev_dev(struct ev *e, struct device *dev)
{
	if (!dev)
		return;
	e->dev = dev;
	e->dev_key = (__u64)dev;
	e->flags |= TRACE_F_HAS_DEV;
}

/* dev_name(): init_name until device_add(), then kobj.name */
static __always_inline const char *dev_name(struct device *dev, bool direct)
{
	const char *name = RD(direct, dev, init_name);

	return name ? name : RD(direct, dev, kobj.name);
}

static __always_inline void ev_att(struct ev *e, struct dma_buf_attachment *a, bool direct)
{
	if (!a || is_err((__u64)a))
		return;
	ev_dev(e, RD(direct, a, dev));
	if (summary)
		return;
	e->att = (__u64)a;
	if (bpf_core_field_exists(a->importer_ops))
		e->flags |= TRACE_F_IMP_DYN_KNOWN | (imp_dynamic(a, direct) ? TRACE_F_IMP_DYN : 0);
	if (bpf_core_field_exists(a->peer2peer))
		e->flags |= TRACE_F_P2P_KNOWN | (RD(direct, a, peer2peer) ? TRACE_F_P2P : 0);
}

static __always_inline void ev_set(struct ev *e, __u32 flag_known, __u32 flag, int v)
{
	if (v >= 0)
		e->flags |= flag_known | (v ? flag : 0);
}

static __always_inline void ev_ret(struct ev *e, __s64 ret)
{
	e->ret = (__u64)ret;
	e->flags |= TRACE_F_HAS_RET;
}

static __always_inline void ev_contract(struct ev *e, __u32 contract, __u32 resv)
{
	e->contract = contract;
	if (resv <= TRACE_RESV_OTHER) {
		e->resv = resv;
		e->flags |= TRACE_F_HAS_RESV;
	}
}

/* The filters that need the buffer or the device; false drops the event. */
static __always_inline bool ev_match(struct ev *e, char *comm, char *exp, char *dev, bool direct)
{
	if (filter_ino && (!(e->flags & TRACE_F_HAS_BUF) || e->ino != filter_ino))
		return false;
	if (filter_comm_on) {
		/* 6.1's helper leaves the bytes after the NUL as they were: zeroed first */
		__builtin_memset(comm, 0, TRACE_COMM_LEN);
		bpf_get_current_comm(comm, TRACE_COMM_LEN);
		if (!comm_eq(comm))
			return false;
	}
	if (filter_exp_on) {
		if (!(e->flags & TRACE_F_HAS_BUF))
			return false;
		read_str(exp, TRACE_EXP_NAME_LEN, e->exp_name);
		if (!str_eq(exp, filter_exp, TRACE_EXP_NAME_LEN))
			return false;
	}
	if (filter_dev_on) {
		if (!(e->flags & TRACE_F_HAS_DEV))
			return false;
		read_str(dev, TRACE_DEV_LEN, dev_name(e->dev, direct));
		if (!str_eq(dev, filter_dev, TRACE_DEV_LEN))
			return false;
	}
	return true;
}

#endif
