// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * trace_outstanding.c - dmabuf-trace --outstanding: the buffers exported
 * while tracing that were not released by the end, with who exported them,
 * when, and (with --stack) from where. A leak hunt in one run: start the
 * tracer, run the workload, stop it; what is listed is still alive.
 *
 * It follows the decoded events: an export adds its buffer (keyed by inode
 * number, unique while the buffer lives), a release removes it; a release of
 * a buffer exported before the trace started is not counted. The buffers
 * sit in an array (removal moves the last one into the hole) indexed by an
 * open-addressing table of inode numbers (linear probing, removal by
 * backward shift: no tombstones, so a long trace of short-lived buffers
 * never degrades). Both are bounded: past the limit a buffer is counted as
 * not followed, and the output says how many.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "model.h"
#include "trace.h"
#include "views.h"

#define EMPTY UINT32_MAX

struct dmabuf_trace_outstanding {
	struct dmabuf_trace_live_buf *bufs;
	size_t n, cap, max;
	uint32_t *slots;		/* index into bufs, EMPTY */
	size_t nslots;			/* a power of two, at least twice n */
	uint64_t exported, released, untracked;
	const struct dmabuf_trace_live_buf **sorted;
};

struct dmabuf_trace_outstanding *dmabuf_trace_outstanding_new(size_t max)
{
	struct dmabuf_trace_outstanding *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->max = max ? max : DMABUF_TRACE_OUTSTANDING_MAX;
	return o;
}

void dmabuf_trace_outstanding_free(struct dmabuf_trace_outstanding *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->bufs[i].stack);
		free(o->bufs[i].holders);
	}
	free(o->bufs);
	free(o->slots);
	free(o->sorted);
	free(o);
}

static size_t slot_of(uint64_t ino, size_t nslots)
{
	/* inode numbers count up: a multiplicative hash spreads neighbours */
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 32) & (nslots - 1);
}

/* The slot holding INO, or the empty slot where it would go. */
static size_t find(const struct dmabuf_trace_outstanding *o, uint64_t ino)
{
	size_t s = slot_of(ino, o->nslots);

	while (o->slots[s] != EMPTY && o->bufs[o->slots[s]].ino != ino)
		s = (s + 1) & (o->nslots - 1);
	return s;
}

static int grow_slots(struct dmabuf_trace_outstanding *o)
{
	size_t nslots = o->nslots ? o->nslots * 2 : 256, i;
	uint32_t *slots = malloc(nslots * sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	free(o->slots);
	o->slots = slots;
	o->nslots = nslots;
	for (i = 0; i < nslots; i++)
		slots[i] = EMPTY;
	for (i = 0; i < o->n; i++)
		slots[find(o, o->bufs[i].ino)] = (uint32_t)i;
	return 0;
}

/* Empties slot S and shifts back the entries of its run that hashed before it. */
static void clear_slot(struct dmabuf_trace_outstanding *o, size_t s)
{
	size_t mask = o->nslots - 1, next = (s + 1) & mask;

	o->slots[s] = EMPTY;
	while (o->slots[next] != EMPTY) {
		size_t home = slot_of(o->bufs[o->slots[next]].ino, o->nslots);

		/* the entry at NEXT may move to S if S lies between its home and NEXT */
		if (((next - home) & mask) >= ((next - s) & mask)) {
			o->slots[s] = o->slots[next];
			o->slots[next] = EMPTY;
			s = next;
		}
		next = (next + 1) & mask;
	}
}

static void remove_at(struct dmabuf_trace_outstanding *o, size_t s)
{
	uint32_t i = o->slots[s], last = (uint32_t)(o->n - 1);

	free(o->bufs[i].stack);
	free(o->bufs[i].holders);
	clear_slot(o, s);
	if (i != last) {
		o->slots[find(o, o->bufs[last].ino)] = i;
		o->bufs[i] = o->bufs[last];
	}
	o->n--;
}

/* FRAMES (N) as one string, a frame per line; NULL when there are none. */
static char *join_frames(const char *const *frames, int n)
{
	size_t len = 1;
	char *s, *p;
	int i;

	if (n <= 0)
		return NULL;
	for (i = 0; i < n; i++)
		len += strlen(frames[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t l = strlen(frames[i]);

		memcpy(p, frames[i], l);
		p[l] = '\n';
		p += l + 1;
	}
	p[-1] = '\0';
	return s;
}

static int add_export(struct dmabuf_trace_outstanding *o, const struct dmabuf_trace_event *ev,
		      const char *const *frames, int nframes)
{
	struct dmabuf_trace_live_buf *b;
	size_t s;

	if (o->nslots && o->slots[find(o, ev->ino)] != EMPTY)	/* an inode seen again */
		remove_at(o, find(o, ev->ino));
	if (o->n >= o->max) {
		o->untracked++;
		return 0;
	}
	if ((o->n + 1) * 2 > o->nslots && grow_slots(o))
		goto nomem;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		void *p = realloc(o->bufs, cap * sizeof(*o->bufs));

		if (!p)
			goto nomem;
		o->bufs = p;
		o->cap = cap;
	}
	b = &o->bufs[o->n];
	memset(b, 0, sizeof(*b));
	b->ts_ns = ev->ts_ns;
	b->ino = ev->ino;
	b->size = ev->size;
	b->pid = ev->pid;
	b->tid = ev->tid;
	memcpy(b->comm, ev->comm, sizeof(b->comm));
	memcpy(b->exporter, ev->exporter, sizeof(b->exporter));
	b->has_name = ev->has_name;
	memcpy(b->name, ev->name, sizeof(b->name));
	b->stack = join_frames(frames, nframes);
	b->present = -1;
	b->file_count = -1;
	s = find(o, ev->ino);
	o->slots[s] = (uint32_t)o->n++;
	return 0;
nomem:
	o->untracked++;
	return -ENOMEM;
}

int dmabuf_trace_outstanding_add(struct dmabuf_trace_outstanding *o,
				 const struct dmabuf_trace_event *ev, const char *const *frames,
				 int nframes)
{
	size_t s;

	if (!ev->has_buf)
		return 0;
	if (ev->kind == TRACE_EV_EXPORT) {
		/* a failed export has no buffer to follow */
		if (ev->has_ret && ev->ret < 0)
			return 0;
		o->exported++;
		return add_export(o, ev, frames, nframes);
	}
	if (!o->nslots)
		return 0;
	s = find(o, ev->ino);
	if (o->slots[s] == EMPTY)
		return 0;
	if (ev->kind == TRACE_EV_RELEASE) {
		remove_at(o, s);
		o->released++;
	} else if (ev->has_name) {
		/* named after its export (DMA_BUF_SET_NAME): the last name seen */
		struct dmabuf_trace_live_buf *b = &o->bufs[o->slots[s]];

		b->has_name = true;
		memcpy(b->name, ev->name, sizeof(b->name));
	}
	return 0;
}

int dmabuf_trace_outstanding_resolve(struct dmabuf_trace_outstanding *o,
				     struct dmabuf_snapshot *s)
{
	size_t i;
	uint32_t j;

	for (i = 0; i < o->n; i++) {
		struct dmabuf_trace_live_buf *b = &o->bufs[i];
		struct dmabuf_buffer *now = dmabuf_buffer_get(s, b->ino, false);

		free(b->holders);
		b->holders = NULL;
		b->n_holders = 0;
		b->present = now != NULL;
		b->file_count = now ? now->file_count : -1;
		if (!now)
			continue;
		if (now->name) {
			b->has_name = true;
			snprintf(b->name, sizeof(b->name), "%s", now->name);
		}
		if (!now->n_own)
			continue;
		b->holders = calloc(now->n_own, sizeof(*b->holders));
		if (!b->holders)
			return -ENOMEM;
		for (j = 0; j < now->n_own; j++) {
			const struct dmabuf_owner *w = &now->own[j];

			b->holders[j].pid = (uint32_t)w->pid;
			memcpy(b->holders[j].comm, w->comm, sizeof(b->holders[j].comm));
			b->holders[j].fds = w->nfds;
			b->holders[j].maps = w->nmaps;
		}
		b->n_holders = now->n_own;
	}
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct dmabuf_trace_live_buf *x = *(const struct dmabuf_trace_live_buf *const *)a;
	const struct dmabuf_trace_live_buf *y = *(const struct dmabuf_trace_live_buf *const *)b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

const struct dmabuf_trace_live_buf **
dmabuf_trace_outstanding_list(struct dmabuf_trace_outstanding *o, size_t *n,
			      struct dmabuf_trace_outstanding_counts *c)
{
	const struct dmabuf_trace_live_buf **sorted;
	size_t i;

	c->exported = o->exported;
	c->released = o->released;
	c->untracked = o->untracked;
	*n = 0;
	sorted = realloc(o->sorted, (o->n ? o->n : 1) * sizeof(*sorted));
	if (!sorted)
		return NULL;
	o->sorted = sorted;
	for (i = 0; i < o->n; i++)
		sorted[i] = &o->bufs[i];
	qsort(sorted, o->n, sizeof(*sorted), by_time);
	*n = o->n;
	return sorted;
}

/* S escaped into OUT (at least 4 * strlen(S) + 1 bytes). */
static const char *esc(const char *s, char *out, size_t size)
{
	dmabuf_escape(s, strlen(s), out, size);
	return out;
}

static const char *plural(unsigned int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Who holds B at the end, a line each, before its stack. */
static void print_holders(FILE *f, const struct dmabuf_trace_live_buf *b)
{
	char comm[4 * sizeof(b->holders->comm) + 1];
	unsigned int i;

	if (b->present == 0) {
		fprintf(f, "    not in the snapshot taken at the end (released since, or not visible)\n");
		return;
	}
	if (b->present < 0)
		return;
	for (i = 0; i < b->n_holders; i++) {
		const struct dmabuf_trace_holder *h = &b->holders[i];

		fprintf(f, "    held by %" PRIu32 " %s: %u %s, %u %s\n", h->pid,
			esc(h->comm, comm, sizeof(comm)), h->fds, plural(h->fds, "fd", "fds"),
			h->maps, plural(h->maps, "mapping", "mappings"));
	}
	if (!b->n_holders && b->file_count > 0)
		fprintf(f, "    held by no process: %ld file %s from the kernel (a driver)\n",
			b->file_count, plural((unsigned int)b->file_count, "reference", "references"));
	else if (!b->n_holders)
		fprintf(f, "    held by no process: by the kernel (a driver)\n");
}

int dmabuf_trace_outstanding_print(struct dmabuf_trace_outstanding *o, FILE *f, uint64_t t0_ns)
{
	struct dmabuf_trace_outstanding_counts c;
	const struct dmabuf_trace_live_buf **list;
	size_t n, i;

	list = dmabuf_trace_outstanding_list(o, &n, &c);
	if (!list)
		return -ENOMEM;
	fprintf(f, "\nOutstanding: %zu of the %" PRIu64 " buffers exported while tracing %s not "
		"released", n, c.exported, n == 1 ? "was" : "were");
	if (c.untracked)
		fprintf(f, " (%" PRIu64 " more not followed: the table was full or memory short)",
			c.untracked);
	fputc('\n', f);
	if (!n)
		return 0;
	fprintf(f, "%-14s %6s %-15s %7s %-16s %6s %s\n", "TIME(s)", "PID", "COMM", "INO",
		"EXPORTER", "SIZE", "NAME");
	for (i = 0; i < n; i++) {
		const struct dmabuf_trace_live_buf *b = list[i];
		char comm[4 * TRACE_COMM_LEN + 1], exp[4 * TRACE_EXP_NAME_LEN + 1];
		char name[4 * TRACE_NAME_LEN + 1], size[16];
		const char *p;

		dmabuf_format_size(b->size, 0, size, sizeof(size));
		fprintf(f, "%-14.6f %6" PRIu32 " %-15s %7" PRIu64 " %-16s %6s %s\n",
			(double)(b->ts_ns > t0_ns ? b->ts_ns - t0_ns : 0) / 1e9, b->pid,
			esc(b->comm, comm, sizeof(comm)), b->ino, esc(b->exporter, exp, sizeof(exp)),
			size, b->has_name ? esc(b->name, name, sizeof(name)) : "-");
		print_holders(f, b);
		for (p = b->stack; p && *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
			fprintf(f, "    %.*s\n", (int)strcspn(p, "\n"), p);
	}
	return 0;
}

/* "present", "file_count", "holders": what the end snapshot said, null when not looked. */
static void json_now(struct json_writer *jw, const struct dmabuf_trace_live_buf *b)
{
	unsigned int i;

	if (b->present < 0) {
		jw_null_field(jw, "present");
		jw_null_field(jw, "file_count");
		jw_null_field(jw, "holders");
		return;
	}
	jw_bool_field(jw, "present", b->present);
	if (b->file_count >= 0)
		jw_uint_field(jw, "file_count", (uint64_t)b->file_count);
	else
		jw_null_field(jw, "file_count");
	jw_name(jw, "holders");
	jw_start_array(jw);
	for (i = 0; i < b->n_holders; i++) {
		jw_start_object(jw);
		jw_uint_field(jw, "pid", b->holders[i].pid);
		jw_string_field(jw, "comm", b->holders[i].comm);
		jw_uint_field(jw, "fds", b->holders[i].fds);
		jw_uint_field(jw, "maps", b->holders[i].maps);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

int dmabuf_trace_outstanding_json(struct dmabuf_trace_outstanding *o, struct json_writer *jw)
{
	struct dmabuf_trace_outstanding_counts c;
	const struct dmabuf_trace_live_buf **list;
	size_t n, i;

	list = dmabuf_trace_outstanding_list(o, &n, &c);
	if (!list)
		return -ENOMEM;
	jw_name(jw, "outstanding");
	jw_start_object(jw);
	jw_uint_field(jw, "exported", c.exported);
	jw_uint_field(jw, "released", c.released);
	jw_uint_field(jw, "untracked", c.untracked);
	jw_name(jw, "buffers");
	jw_start_array(jw);
	for (i = 0; i < n; i++) {
		const struct dmabuf_trace_live_buf *b = list[i];
		const char *p;

		jw_start_object(jw);
		jw_uint_field(jw, "ts_ns", b->ts_ns);
		jw_uint_field(jw, "pid", b->pid);
		jw_uint_field(jw, "tid", b->tid);
		jw_string_field(jw, "comm", b->comm);
		jw_uint_field(jw, "ino", b->ino);
		jw_string_field(jw, "exporter", b->exporter);
		jw_uint_field(jw, "size", b->size);
		jw_string_field(jw, "name", b->has_name ? b->name : NULL);
		json_now(jw, b);
		if (b->stack) {
			jw_name(jw, "stack");
			jw_start_array(jw);
			for (p = b->stack; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
				jw_string_len(jw, p, strcspn(p, "\n"));
			jw_end_array(jw);
		}
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	return 0;
}
