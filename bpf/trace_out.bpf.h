/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_out.bpf.h - where an event of bpf/trace.bpf.c goes once gathered
 * and filtered (trace.bpf.h): counted in a --summary slot of dt_sum (with
 * its latency histogram), or written into a record of the ring buffer (the
 * perf buffer where there is none) with its strings.
 */
#ifndef DMABUF_TRACE_OUT_BPF_H
#define DMABUF_TRACE_OUT_BPF_H

#include "trace.bpf.h"

/* floor(log2(v)), 0 for 0, at most TRACE_SUM_SLOTS - 1: lib/trace_summary.c's slot */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r < TRACE_SUM_SLOTS ? r : TRACE_SUM_SLOTS - 1;
}

static __always_inline bool sum_key_eq(const struct trace_sum_key *a,
				       const struct trace_sum_key *b)
{
	return a->exp == b->exp && a->dev == b->dev && a->tgid == b->tgid && a->kind == b->kind;
}

/*
 * A new entry for K: a free slot, its names (read once), then its key in
 * dt_sum_idx. Returns the slot's value and sets *SLOT, or NULL when none
 * is free. Two CPUs may make the same key at once: the loser frees its slot.
 */
static __always_inline struct trace_sum_val *sum_new(struct ev *e, struct trace_sum_key *k,
						     __u32 *slot, bool direct)
{
	struct trace_sum_val *v;
	__u32 *idx;

	if (bpf_map_pop_elem(&dt_sum_free, slot))
		return NULL;
	v = bpf_map_lookup_elem(&dt_sum, slot);
	if (!v)
		return NULL;
	__builtin_memset(v, 0, sizeof(*v));
	if (e->flags & TRACE_F_HAS_BUF)
		read_str(v->exporter, TRACE_EXP_NAME_LEN, e->exp_name);
	if (e->flags & TRACE_F_HAS_DEV)
		read_str(v->device, TRACE_DEV_LEN, dev_name(e->dev, direct));
	bpf_get_current_comm(v->comm, TRACE_COMM_LEN);
	v->key = *k;
	if (!bpf_map_update_elem(&dt_sum_idx, k, slot, BPF_NOEXIST))
		return v;
	__builtin_memset(&v->key, 0, sizeof(v->key));
	bpf_map_push_elem(&dt_sum_free, slot, 0);
	idx = bpf_map_lookup_elem(&dt_sum_idx, k);
	if (!idx)
		return NULL;
	*slot = *idx;
	v = bpf_map_lookup_elem(&dt_sum, slot);
	return v && sum_key_eq(&v->key, k) ? v : NULL;
}

/* The entry of E: the memo of this CPU and kind, else dt_sum_idx, else a new one. */
static __always_inline struct trace_sum_val *sum_entry(struct ev *e, bool direct)
{
	/* the keys are 0 unless set: no arithmetic on them, they may be typed pointers */
	struct trace_sum_key k = {
		.exp = e->exp_key,
		.dev = e->dev_key,
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.kind = e->kind | TRACE_SUM_LIVE |
			(e->flags & TRACE_F_HAS_BUF ? TRACE_SUM_HAS_BUF : 0) |
			(e->flags & TRACE_F_HAS_DEV ? TRACE_SUM_HAS_DEV : 0),
	};
	__u32 kind = e->kind, slot, *idx;
	struct trace_sum_val *v;
	struct sum_memo *m;

	m = bpf_map_lookup_elem(&dt_sum_memo, &kind);
	/* the slot's own key says it is still this key's: user space frees idle slots */
	if (m && sum_key_eq(&m->k, &k)) {
		v = bpf_map_lookup_elem(&dt_sum, &m->slot);
		if (v && sum_key_eq(&v->key, &k))
			return v;
	}
	idx = bpf_map_lookup_elem(&dt_sum_idx, &k);
	if (idx) {
		slot = *idx;
		v = bpf_map_lookup_elem(&dt_sum, &slot);
		if (v && !sum_key_eq(&v->key, &k))
			v = NULL;
	} else {
		v = sum_new(e, &k, &slot, direct);
	}
	if (!v) {
		count(TRACE_CNT_SUM_FULL);
		return NULL;
	}
	if (m) {
		m->k = k;
		m->slot = slot;
	}
	return v;
}

/* --summary: counts, latency and its histogram of the event's entry in dt_sum. */
static __always_inline void ev_count(struct ev *e, bool direct)
{
	struct trace_sum_val *v = sum_entry(e, direct);
	__u32 slot;

	if (!v)
		return;
	/* a report zeroed it: the entry's order is that of its first count since */
	if (!v->count)
		v->first_ns = bpf_ktime_get_ns();
	__sync_fetch_and_add(&v->count, 1);
	if (!(e->flags & TRACE_F_HAS_LATENCY))
		return;
	slot = log2_slot(e->latency);
	__sync_fetch_and_add(&v->hist[slot & (TRACE_SUM_SLOTS - 1)], 1);
	__sync_fetch_and_add(&v->lat_n, 1);
	__sync_fetch_and_add(&v->lat_sum, e->latency);
	/* no atomic min/max before BPF v3: two CPUs on one entry may race here */
	if (!v->lat_min || e->latency < v->lat_min)
		v->lat_min = e->latency;
	if (e->latency > v->lat_max)
		v->lat_max = e->latency;
}

static __always_inline struct trace_rec *rec_reserve(__u32 size)
{
	struct trace_rec *r;
	__u32 zero = 0;

	if (!use_perfbuf) {
		r = bpf_ringbuf_reserve(&dt_events, size, 0);
		if (!r)
			count(TRACE_CNT_LOST);
		return r;
	}
	return bpf_map_lookup_elem(&dt_heap, &zero);
}

/*
 * The record of E: filters, then (--summary) the count, or a reserved
 * record with its strings, returned to the caller to send with
 * rec_submit() (a move record adds its devices first). NULL: nothing to send.
 */
static __always_inline struct trace_rec *ev_record(struct ev *e, __u32 size, bool direct)
{
	char comm[TRACE_COMM_LEN] __attribute__((aligned(8)));
	char exp[TRACE_EXP_NAME_LEN], dev[TRACE_DEV_LEN];
	struct trace_rec *r;
	__u64 id;

	if (!ev_match(e, comm, exp, dev, direct)) {
		count(TRACE_CNT_FILTERED);
		return NULL;
	}
	if (TRACE_CONTRACT_CODE(e->contract))
		count(TRACE_CNT_VIOLATIONS);
	if (summary) {
		/* the events are the sum of the counts: no counter of their own */
		ev_count(e, direct);
		return NULL;
	}
	r = rec_reserve(size);
	if (!r)
		return NULL;
	r->ts_ns = e->ts ? e->ts : bpf_ktime_get_ns();
	r->ino = e->ino;
	r->size = e->size;
	r->latency_ns = e->latency;
	r->ret = e->ret;
	r->attach = e->att;
	r->kind = e->kind;
	r->method = e->method;
	r->size_rec = size;
	r->flags = e->flags;
	id = bpf_get_current_pid_tgid();
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->dir = e->dir;
	r->contract = e->contract;
	r->resv = e->resv;
	r->fd = e->fd;
	r->stack_id = 0;
	r->pad = 0;
	if (filter_comm_on)
		__builtin_memcpy(r->comm, comm, TRACE_COMM_LEN);
	else
		bpf_get_current_comm(r->comm, TRACE_COMM_LEN);
	r->exporter[0] = '\0';
	r->name[0] = '\0';
	r->device[0] = '\0';
	if (e->flags & TRACE_F_HAS_BUF) {
		if (filter_exp_on)
			__builtin_memcpy(r->exporter, exp, TRACE_EXP_NAME_LEN);
		else if (read_str(r->exporter, TRACE_EXP_NAME_LEN, e->exp_name))
			r->flags |= TRACE_F_EXP_CUT;
		if ((e->flags & TRACE_F_HAS_NAME) && read_str(r->name, TRACE_NAME_LEN, e->name))
			r->flags |= TRACE_F_NAME_CUT;
	}
	if (e->flags & TRACE_F_HAS_DEV) {
		if (filter_dev_on)
			__builtin_memcpy(r->device, dev, TRACE_DEV_LEN);
		else if (read_str(r->device, TRACE_DEV_LEN, dev_name(e->dev, direct)))
			r->flags |= TRACE_F_DEV_CUT;
	}
	return r;
}

static __always_inline void rec_submit(void *ctx, struct trace_rec *r, __u32 size)
{
	__u64 flags = 0;

	if (want_stack) {
		long id = bpf_get_stackid(ctx, &dt_stacks, 0);

		if (id >= 0) {
			r->stack_id = (__u32)id;
			r->flags |= TRACE_F_HAS_STACK;
		} else {
			count(TRACE_CNT_STACK_LOST);
		}
	}
	/*
	 * A wakeup per record (the default when the reader is idle) costs more
	 * than the record: wake it only when enough waits.
	 */
	if (!use_perfbuf)
		flags = wakeup_bytes &&
			bpf_ringbuf_query(&dt_events, BPF_RB_AVAIL_DATA) < wakeup_bytes ?
			BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP;
	if (profile == TRACE_PROFILE_BUILD) {
		/* a discarded record holds its room until the reader passes it */
		if (!use_perfbuf)
			bpf_ringbuf_discard(r, flags);
		return;
	}
	count(TRACE_CNT_EVENTS);
	if (!use_perfbuf) {
		bpf_ringbuf_submit(r, flags);
		return;
	}
	if (bpf_perf_event_output(ctx, &dt_events, BPF_F_CURRENT_CPU, r, size))
		count(TRACE_CNT_LOST);
}

static __always_inline void ev_send(void *ctx, struct ev *e, bool direct)
{
	struct trace_rec *r = ev_record(e, sizeof(struct trace_rec), direct);

	if (r)
		rec_submit(ctx, r, sizeof(struct trace_rec));
}

#endif
