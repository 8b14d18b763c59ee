// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * state.c - the scan: a snapshot from the shared collectors, diffed with the
 * previous one by inode (both are sorted by inode, so one merge pass), with
 * a fingerprint per buffer. When nothing changed the new snapshot is
 * dropped and the old one stays, so the rows that point into it stay valid
 * and nothing is rebuilt: a steady refresh costs the collection and one
 * pass of hashing. When something changed, the previous snapshot is kept
 * one more refresh for the buffers that are gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapshot_json.h"
#include "top.h"

/* Processes top has seen holding buffers, sorted by pid: the leak hint. */
struct top_seen_proc {
	pid_t pid;
	char comm[17];
	uint64_t first;		/* RSS when first seen */
	uint64_t last;		/* RSS at the last change */
	int64_t delta;
};

struct top_seen {
	struct top_seen_proc *p;
	size_t n;
};

uint64_t top_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- fingerprints --------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	if (!s)
		return mix(h, 0x5bd1e995u);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return mix(h, 1);
}

/* Everything the views, the tree and the detail pane show of a buffer. */
static uint64_t buffer_hash(const struct dmabuf_buffer *b)
{
	uint64_t h = mix(0xcbf29ce484222325ull, b->size);
	size_t i;
	unsigned int k;

	h = mix_str(h, b->exporter);
	h = mix_str(h, b->name);
	h = mix(h, (uint64_t)b->file_count);
	h = mix(h, (uint64_t)(unsigned int)b->f_flags << 32 | (unsigned int)b->f_mode);
	h = mix(h, (uint64_t)(unsigned int)b->exporter_dynamic);
	h = mix_str(h, b->exp_ops);
	h = mix(h, (uint64_t)b->violations);
	h = mix(h, (uint64_t)b->n_att << 32 | b->seen);
	for (k = 0; k < DMABUF_F__COUNT; k++)
		h = mix(h, b->src[k]);
	for (i = 0; i < b->n_att; i++) {
		const struct dmabuf_attachment *a = &b->att[i];

		h = mix_str(h, a->device);
		h = mix_str(h, a->driver);
		h = mix(h, (uint64_t)(a->importer_dynamic & 0xff) | (uint64_t)(a->peer2peer & 0xff) << 8 |
			   (uint64_t)(a->cached & 0xff) << 16 | (uint64_t)(a->cached_dir & 0xff) << 24 |
			   (uint64_t)(a->pinned & 0xff) << 32 | (uint64_t)(a->mismatch & 0xff) << 40);
		h = mix(h, a->src);
	}
	h = mix(h, b->n_own);
	for (i = 0; i < b->n_own; i++) {
		const struct dmabuf_owner *o = &b->own[i];

		h = mix(h, (uint64_t)o->pid << 32 | o->nfds);
		h = mix_str(h, o->comm);
		for (k = 0; k < o->nfds; k++)
			h = mix(h, (uint64_t)o->fds[k]);
		h = mix(h, (uint64_t)o->nmaps << 40 ^ o->mapped_bytes);
		h = mix(h, o->src);
	}
	return h;
}

static bool same_status(const struct dmabuf_snapshot *a, const struct dmabuf_snapshot *b)
{
	unsigned int i;

	if (a->used != b->used || strcmp(a->kernel.release, b->kernel.release))
		return false;
	for (i = 0; i < DMABUF_SRC_COUNT; i++)
		if (a->status[i].state != b->status[i].state || a->status[i].err != b->status[i].err)
			return false;
	return true;
}

/* --- growth per process ---------------------------------------------------- */

static int cmp_exporter_bytes(const void *a, const void *b)
{
	const struct dmabuf_exporter_row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->exporter, y->exporter);
}

/*
 * Merges the processes of the new snapshot (sorted by pid) into what top has
 * seen: growth counts from the first time top saw a process; a pid with a
 * new comm is a new process; a process that holds nothing any more is
 * forgotten.
 */
static int update_seen(struct top *t, const struct dmabuf_proc_row *r, size_t n)
{
	struct top_seen *sn = t->seen;
	struct top_seen_proc *out = calloc(n ? n : 1, sizeof(*out));
	size_t i = 0, j = 0, k = 0;

	if (!out)
		return -ENOMEM;
	t->leak_pid = 0;
	t->leak_growth = 0;
	while (j < n) {
		struct top_seen_proc *o = &out[k++];

		while (i < sn->n && sn->p[i].pid < r[j].pid)
			i++;	/* holds nothing now: forgotten */
		o->pid = r[j].pid;
		memcpy(o->comm, r[j].comm, sizeof(o->comm));
		if (i < sn->n && sn->p[i].pid == r[j].pid && !strcmp(sn->p[i].comm, r[j].comm)) {
			o->first = sn->p[i].first;
			o->delta = (int64_t)(r[j].rss - sn->p[i].last);
		} else {
			o->first = t->baseline ? r[j].rss : 0;
			o->delta = t->baseline ? 0 : (int64_t)r[j].rss;
		}
		o->last = r[j].rss;
		if ((int64_t)(o->last - o->first) > t->leak_growth) {
			t->leak_growth = (int64_t)(o->last - o->first);
			t->leak_pid = o->pid;
			memcpy(t->leak_comm, o->comm, sizeof(t->leak_comm));
		}
		j++;
	}
	free(sn->p);
	sn->p = out;
	sn->n = k;
	return 0;
}

int64_t top_growth(const struct top *t, pid_t pid, int64_t *delta)
{
	const struct top_seen *sn = t->seen;
	size_t lo = 0, hi = sn ? sn->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sn->p[mid].pid == pid) {
			if (delta)
				*delta = sn->p[mid].delta;
			return (int64_t)(sn->p[mid].last - sn->p[mid].first);
		}
		if (sn->p[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (delta)
		*delta = 0;
	return 0;
}

/* Totals, exporters and growth of a new current snapshot. */
static int derive(struct top *t)
{
	struct dmabuf_proc_row *procs = NULL;
	size_t i, nprocs = 0;
	int ret;

	t->total_bytes = 0;
	for (i = 0; i < t->cur->n_buf; i++)
		t->total_bytes += t->cur->buf[i].size;
	free(t->exps);
	t->exps = NULL;
	t->nexps = 0;
	ret = dmabuf_view_exporters(t->cur, NULL, &t->exps, &t->nexps);
	if (ret)
		return ret;
	if (t->nexps > 1)
		qsort(t->exps, t->nexps, sizeof(*t->exps), cmp_exporter_bytes);
	ret = dmabuf_view_procs(t->cur, NULL, &procs, &nprocs);
	if (!ret)
		ret = update_seen(t, procs, nprocs);
	free(procs);
	return ret;
}

static void history_push(struct top *t, uint64_t v)
{
	if (t->nhist == TOP_HISTORY) {
		memmove(t->hist, t->hist + 1, (TOP_HISTORY - 1) * sizeof(t->hist[0]));
		t->nhist--;
	}
	t->hist[t->nhist++] = v;
}

static int push_gone(struct top_change *c, const struct dmabuf_buffer *b)
{
	if (c->n_gone == c->cap_gone) {
		size_t cap = c->cap_gone ? c->cap_gone * 2 : 16;
		const struct dmabuf_buffer **g = realloc(c->gone, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		c->gone = g;
		c->cap_gone = cap;
	}
	c->gone[c->n_gone++] = b;
	return 0;
}

/* --- the scan ---------------------------------------------------------------- */

int top_scan(struct top *t)
{
	struct dmabuf_snapshot *next = dmabuf_snapshot_new(t->o.root), *cur = t->cur;
	uint64_t *hash = NULL;
	unsigned char *mark = NULL;
	struct top_change c = t->chg;
	size_t i = 0, j = 0, k;
	bool had_marks = t->chg.n_new || t->chg.n_gone || t->chg.n_changed;

	/* the rows may point into the snapshot this scan frees */
	top_remember_selection(t);
	if (!next || dmabuf_collect(next, &t->o.collect))
		goto nomem;
	t->scans++;
	hash = malloc((next->n_buf ? next->n_buf : 1) * sizeof(*hash));
	mark = malloc(next->n_buf ? next->n_buf : 1);
	if (!hash || !mark)
		goto nomem;
	for (k = 0; k < next->n_buf; k++) {
		hash[k] = buffer_hash(&next->buf[k]);
		mark[k] = ' ';
	}
	c.n_new = c.n_changed = c.n_gone = 0;
	c.bytes = 0;
	if (cur) {
		while (i < cur->n_buf || j < next->n_buf) {
			if (j == next->n_buf || (i < cur->n_buf && cur->buf[i].ino < next->buf[j].ino)) {
				if (push_gone(&c, &cur->buf[i]))
					goto nomem;
				c.bytes -= (int64_t)cur->buf[i].size;
				i++;
			} else if (i == cur->n_buf || next->buf[j].ino < cur->buf[i].ino) {
				mark[j] = TOP_MARK_NEW;
				c.n_new++;
				c.bytes += (int64_t)next->buf[j].size;
				j++;
			} else {
				if (hash[j] != t->hash[i]) {
					mark[j] = TOP_MARK_CHANGED;
					c.n_changed++;
					c.bytes += (int64_t)(next->buf[j].size - cur->buf[i].size);
				}
				i++;
				j++;
			}
		}
		t->baseline = false;
		if (!c.n_new && !c.n_gone && !c.n_changed && same_status(cur, next)) {
			/* nothing changed: the rows keep pointing into the snapshot they know */
			dmabuf_snapshot_free(next);
			free(hash);
			free(mark);
			c.any = false;
			t->chg = c;
			history_push(t, t->total_bytes);
			if (t->seen)
				for (k = 0; k < t->seen->n; k++)
					t->seen->p[k].delta = 0;
			if (!had_marks) {
				t->sel_key_valid = false;
				return TOP_HEADER;
			}
			/* the last refresh's marks and gone rows go */
			memset(t->mark, ' ', t->cur->n_buf);
			dmabuf_snapshot_free(t->old);
			t->old = NULL;
			t->gen++;
			return TOP_REBUILD | TOP_HEADER;
		}
	}
	t->baseline = !cur;
	c.any = true;
	t->chg = c;
	dmabuf_snapshot_free(t->old);
	/* the previous snapshot stays one refresh for the gone rows, if there are any */
	t->old = c.n_gone ? cur : NULL;
	if (!c.n_gone)
		dmabuf_snapshot_free(cur);
	t->cur = next;
	free(t->hash);
	free(t->mark);
	t->hash = hash;
	t->mark = mark;
	t->gen++;
	if (!t->seen && !(t->seen = calloc(1, sizeof(*t->seen))))
		return -ENOMEM;
	if (derive(t))
		return -ENOMEM;
	history_push(t, t->total_bytes);
	return TOP_REBUILD | TOP_HEADER;
nomem:
	/* the gone list may have moved; what it held was rewritten */
	t->chg.gone = c.gone;
	t->chg.cap_gone = c.cap_gone;
	t->chg.n_gone = 0;
	dmabuf_snapshot_free(next);
	free(hash);
	free(mark);
	return -ENOMEM;
}

void top_state_free(struct top *t)
{
	dmabuf_snapshot_free(t->cur);
	dmabuf_snapshot_free(t->old);
	t->cur = t->old = NULL;
	free(t->hash);
	free(t->mark);
	free(t->chg.gone);
	free(t->exps);
	if (t->seen)
		free(t->seen->p);
	free(t->seen);
	t->seen = NULL;
}

size_t top_source_notes(const struct dmabuf_snapshot *s, unsigned int asked, char (*out)[320],
			size_t max)
{
	unsigned int bit;
	size_t n = 0;

	for (bit = 0; bit < DMABUF_SRC_COUNT && n < max; bit++) {
		const struct dmabuf_source_status *st = &s->status[bit];

		if (!dmabuf_source_noteworthy(s, bit, asked))
			continue;
		snprintf(out[n++], sizeof(out[0]), "%s %s%s%s", dmabuf_source_name(bit),
			 dmabuf_source_state_name(st->state), st->detail[0] ? ": " : "", st->detail);
	}
	return n;
}
