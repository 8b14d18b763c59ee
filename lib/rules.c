// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rules.c - what the kernel's dma-buf core does with an attachment, derived
 * from who is dynamic, for the fields no source reported directly.
 *
 * The rules (drivers/dma-buf/dma-buf.c):
 * - mismatch: importer dynamic (attach->importer_ops) != exporter dynamic
 *   (ops->pin). Since "dma-buf: change DMA-buf locking convention" (5.5) the
 *   kernel then maps once at attach, DMA_BIDIRECTIONAL, and caches the table
 *   until detach; a dynamic exporter is pinned for that whole time.
 * - From 6.16 there is no cache: a static importer pins a dynamic exporter
 *   between map and unmap only (dma_buf_pin_on_map), a dynamic importer never
 *   pins, so "pinned" depends on whether it is mapped now: unknown here.
 * - A static exporter has no pin: never pinned.
 */
#include <stdlib.h>

#include "model.h"

static int cmp_ino(const void *a, const void *b)
{
	const struct dmabuf_buffer *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void derive_attachment(const struct dmabuf_kernel *k, const struct dmabuf_buffer *b,
			      struct dmabuf_attachment *a)
{
	int exp_dyn = b->exporter_dynamic;

	if (a->mismatch == DMABUF_UNKNOWN && a->importer_dynamic != DMABUF_UNKNOWN &&
	    exp_dyn != DMABUF_UNKNOWN) {
		a->mismatch = a->importer_dynamic != exp_dyn;
		a->src |= DMABUF_SRC_DERIVED;
	}
	if (a->cached == DMABUF_UNKNOWN) {
		if (k->has_map_cache == 0) {
			a->cached = 0;
			a->src |= DMABUF_SRC_DERIVED;
		} else if (k->has_map_cache == 1 && a->mismatch == 1) {
			a->cached = 1;
			a->cached_dir = DMABUF_DIR_BIDIRECTIONAL;
			a->src |= DMABUF_SRC_DERIVED;
		}
	}
	if (a->pinned == DMABUF_UNKNOWN) {
		if (exp_dyn == 0) {
			a->pinned = 0;
			a->src |= DMABUF_SRC_DERIVED;
		} else if (exp_dyn == 1 && k->has_map_cache == 1 && a->mismatch == 1) {
			a->pinned = 1;
			a->src |= DMABUF_SRC_DERIVED;
		} else if (exp_dyn == 1 && k->has_map_cache == 0 && a->importer_dynamic == 1) {
			a->pinned = 0;
			a->src |= DMABUF_SRC_DERIVED;
		}
	}
}

/*
 * Sorts the buffers by inode; false when they already were. The collectors
 * mostly add them nearly in order (bufinfo and iter/dmabuf walk the kernel's
 * list newest first: descending, but for buffers made concurrently), so the
 * order is turned the right way round first and then finished by insertion,
 * as long as that moves few buffers: a qsort of 10,000 buffers of 200 bytes
 * cost more than the rest of finishing them.
 */
static bool sort_buffers(struct dmabuf_snapshot *s)
{
	struct dmabuf_buffer *b = s->buf, t;
	size_t n = s->n_buf, i, j, up = 0, moves = 0;

	for (i = 1; i < n; i++)
		up += b[i - 1].ino < b[i].ino;
	if (n < 2 || up == n - 1)
		return false;
	if (up < (n - 1) / 2) {
		for (i = 0; i < n / 2; i++) {
			t = b[i];
			b[i] = b[n - 1 - i];
			b[n - 1 - i] = t;
		}
	}
	for (i = 1; i < n && moves <= 4 * n; i++) {
		if (b[i - 1].ino < b[i].ino)
			continue;
		t = b[i];
		for (j = i; j > 0 && b[j - 1].ino > t.ino; j--, moves++)
			b[j] = b[j - 1];
		b[j] = t;
	}
	if (i < n)	/* far from sorted after all */
		qsort(b, n, sizeof(*b), cmp_ino);
	return true;
}

void dmabuf_snapshot_finish(struct dmabuf_snapshot *s)
{
	size_t i, j;

	/* sorting moved the buffers: rebuild the inode index */
	if (sort_buffers(s))
		dmabuf_snapshot_reindex(s);
	for (i = 0; i < s->n_buf; i++)
		for (j = 0; j < s->buf[i].n_att; j++)
			derive_attachment(&s->kernel, &s->buf[i], &s->buf[i].att[j]);
}
