// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * events.c - live event rates: the tracing engine (lib/trace.h) calls back
 * per event; events are counted per kind and per buffer over one refresh
 * interval, and the rates shown are the counts of the last complete
 * interval over its length. Only the kinds top shows are traced, so the
 * in-kernel filter drops the rest before they cost a record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

/* The kinds counted per buffer, and their slot. */
static const unsigned int shown[] = {
	TRACE_EV_ATTACH, TRACE_EV_DETACH, TRACE_EV_MAP, TRACE_EV_UNMAP, TRACE_EV_MOVE,
	TRACE_EV_RELEASE,
};
#define NSHOWN (sizeof(shown) / sizeof(shown[0]))

struct ev_slot {
	uint64_t ino;		/* 0: free */
	uint32_t n[NSHOWN];
};

struct ev_table {
	struct ev_slot *slot;
	size_t cap, used;	/* cap: a power of two */
};

struct top_events {
	struct dmabuf_trace *tr;
	uint64_t count[TRACE_EV__COUNT];	/* this interval */
	double rate[TRACE_EV__COUNT];		/* the last one */
	struct ev_table now, last;
	double last_secs;
	uint64_t lost;
	bool failed;
};

static int slot_of(unsigned int kind)
{
	size_t i;

	for (i = 0; i < NSHOWN; i++)
		if (shown[i] == kind)
			return (int)i;
	return -1;
}

static size_t hash_ino(uint64_t ino, size_t cap)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static struct ev_slot *table_find(const struct ev_table *tb, uint64_t ino)
{
	size_t h;

	if (!tb->cap || !ino)
		return NULL;
	for (h = hash_ino(ino, tb->cap); tb->slot[h].ino; h = (h + 1) & (tb->cap - 1))
		if (tb->slot[h].ino == ino)
			return &tb->slot[h];
	return NULL;
}

static struct ev_slot *table_get(struct ev_table *tb, uint64_t ino)
{
	struct ev_slot *s = table_find(tb, ino);
	size_t h;

	if (s)
		return s;
	if ((tb->used + 1) * 2 > tb->cap) {
		struct ev_table bigger = { calloc(tb->cap ? tb->cap * 2 : 256, sizeof(struct ev_slot)),
					   tb->cap ? tb->cap * 2 : 256, 0 };
		size_t i;

		if (!bigger.slot)
			return NULL;
		for (i = 0; i < tb->cap; i++) {
			if (!tb->slot[i].ino)
				continue;
			h = hash_ino(tb->slot[i].ino, bigger.cap);
			while (bigger.slot[h].ino)
				h = (h + 1) & (bigger.cap - 1);
			bigger.slot[h] = tb->slot[i];
			bigger.used++;
		}
		free(tb->slot);
		*tb = bigger;
	}
	for (h = hash_ino(ino, tb->cap); tb->slot[h].ino; h = (h + 1) & (tb->cap - 1))
		;
	tb->slot[h].ino = ino;
	tb->used++;
	return &tb->slot[h];
}

static int on_event(void *ctx, const struct dmabuf_trace_event *ev)
{
	struct top_events *e = ctx;
	int k = slot_of(ev->kind);

	if (ev->kind < TRACE_EV__COUNT)
		e->count[ev->kind]++;
	if (k >= 0 && ev->has_buf && ev->ino) {
		struct ev_slot *s = table_get(&e->now, ev->ino);

		if (s)
			s->n[k]++;
	}
	return 0;
}

void top_events_open(struct top *t)
{
	struct dmabuf_trace_opts o;
	char err[400];
	size_t i;
	int ret;

	t->ev = NULL;
	if (t->o.no_events) {
		snprintf(t->ev_status, sizeof(t->ev_status), "events: off (--no-events)");
		return;
	}
	if (!t->live) {
		snprintf(t->ev_status, sizeof(t->ev_status),
			 "events: unavailable (a captured tree, not the running kernel)");
		return;
	}
	t->ev = calloc(1, sizeof(*t->ev));
	if (!t->ev) {
		snprintf(t->ev_status, sizeof(t->ev_status), "events: unavailable (out of memory)");
		return;
	}
	memset(&o, 0, sizeof(o));
	for (i = 0; i < NSHOWN; i++)
		o.filter.events |= 1u << shown[i];
	/*
	 * Rates need counts, not every record, and the ring is resident memory
	 * twice over (libbpf maps its data pages twice, for records that wrap):
	 * 128 KiB of 216-byte records drained every 100 ms keeps up with some
	 * 6000 events/s; past that the header says how many were lost.
	 */
	o.buffer_size = 128u << 10;
	ret = dmabuf_trace_open(&o, &t->ev->tr, err, sizeof(err));
	if (ret) {
		char clean[sizeof(err) * 4];

		top_clean(err, clean, sizeof(clean), false);
		snprintf(t->ev_status, sizeof(t->ev_status), "events: unavailable (%.170s)", clean);
		free(t->ev);
		t->ev = NULL;
		return;
	}
	t->ev_status[0] = '\0';
}

void top_events_poll(struct top *t, int timeout_ms)
{
	int ret;

	if (!t->ev || t->ev->failed)
		return;
	ret = dmabuf_trace_poll(t->ev->tr, timeout_ms, on_event, t->ev);
	if (ret < 0 && ret != -EINTR) {
		t->ev->failed = true;
		snprintf(t->ev_status, sizeof(t->ev_status), "events: stopped (%s)", strerror(-ret));
	}
}

void top_events_tick(struct top *t, uint64_t elapsed_ns)
{
	struct top_events *e = t->ev;
	struct dmabuf_trace_counts c;
	struct ev_table swap;
	double secs = (double)elapsed_ns / 1e9;
	bool moved = false;
	size_t i;

	if (!e)
		return;
	if (secs <= 0)
		secs = 1e-9;
	for (i = 0; i < TRACE_EV__COUNT; i++) {
		double r = (double)e->count[i] / secs;

		if (r != e->rate[i] || e->count[i])
			moved = true;
		e->rate[i] = r;
		e->count[i] = 0;
	}
	if (moved)
		t->ev_gen++;
	swap = e->last;
	e->last = e->now;
	e->now = swap;
	if (e->now.slot)
		memset(e->now.slot, 0, e->now.cap * sizeof(*e->now.slot));
	e->now.used = 0;
	e->last_secs = secs;
	if (!e->failed) {
		dmabuf_trace_counts(e->tr, &c);
		e->lost = c.lost;
	}
}

void top_events_close(struct top *t)
{
	if (!t->ev)
		return;
	dmabuf_trace_close(t->ev->tr);
	free(t->ev->now.slot);
	free(t->ev->last.slot);
	free(t->ev);
	t->ev = NULL;
}

double top_event_rate(const struct top *t, uint64_t ino, unsigned int kind)
{
	const struct ev_slot *s;
	int k;

	if (!t || !t->ev)
		return 0;
	if (!ino)
		return kind < TRACE_EV__COUNT ? t->ev->rate[kind] : 0;
	k = slot_of(kind);
	s = table_find(&t->ev->last, ino);
	return s && k >= 0 && t->ev->last_secs > 0 ? s->n[k] / t->ev->last_secs : 0;
}

double top_event_rate_total(const struct top *t, uint64_t ino)
{
	const struct ev_slot *s;
	double sum = 0;
	size_t i;

	if (!t || !t->ev || !(s = table_find(&t->ev->last, ino)) || t->ev->last_secs <= 0)
		return 0;
	for (i = 0; i < NSHOWN; i++)
		sum += s->n[i];
	return sum / t->ev->last_secs;
}

static void rate_text(double v, char *buf, size_t len)
{
	if (v < 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

void top_events_line(const struct top *t, char *buf, size_t len)
{
	static const unsigned int kinds[] = { TRACE_EV_ATTACH, TRACE_EV_MAP, TRACE_EV_MOVE,
					      TRACE_EV_RELEASE };
	size_t i, used;

	if (!t->ev || t->ev->failed) {
		snprintf(buf, len, "%s", t->ev_status);
		return;
	}
	used = (size_t)snprintf(buf, len, "events/s:");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && used < len; i++) {
		char r[32];

		rate_text(t->ev->rate[kinds[i]], r, sizeof(r));
		used += (size_t)snprintf(buf + used, len - used, " %s %s",
					 dmabuf_trace_event_name(kinds[i]), r);
	}
	if (t->ev->lost && used < len)
		snprintf(buf + used, len - used, "  (lost %llu)", (unsigned long long)t->ev->lost);
}
