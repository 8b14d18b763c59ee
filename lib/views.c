// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views.h"

bool dmabuf_filter_match(const struct dmabuf_filter *f, const struct dmabuf_buffer *b)
{
	size_t i;

	if (!f)
		return true;
	if (b->size < f->min_size)
		return false;
	if (f->exporter && (!b->exporter || strcmp(f->exporter, b->exporter)))
		return false;
	if (f->pid) {
		for (i = 0; i < b->n_own; i++)
			if (b->own[i].pid == f->pid)
				break;
		if (i == b->n_own)
			return false;
	}
	if (f->device) {
		for (i = 0; i < b->n_att; i++)
			if (b->att[i].device && !strcmp(b->att[i].device, f->device))
				break;
		if (i == b->n_att)
			return false;
	}
	return true;
}

/* Owners are known completely only when procfs read every process. */
static bool owners_complete(const struct dmabuf_snapshot *s)
{
	unsigned int procfs = __builtin_ctz(DMABUF_SRC_PROCFS);

	return s->status[procfs].state == DMABUF_SOURCE_OK;
}

int dmabuf_buffer_unowned(const struct dmabuf_snapshot *s, const struct dmabuf_buffer *b)
{
	if (b->n_own)
		return 0;
	return owners_complete(s) ? 1 : DMABUF_UNKNOWN;
}

static char any_of(const struct dmabuf_buffer *b, size_t off, char letter)
{
	bool unknown = false;
	size_t i;

	for (i = 0; i < b->n_att; i++) {
		int v = *(const int *)((const char *)&b->att[i] + off);

		if (v == 1)
			return letter;
		if (v == DMABUF_UNKNOWN)
			unknown = true;
	}
	return unknown ? '?' : '-';
}

static char tri_letter(int v, char letter)
{
	return v == 1 ? letter : v == 0 ? '-' : '?';
}

void dmabuf_buffer_state(const struct dmabuf_snapshot *s, const struct dmabuf_buffer *b,
			 char out[6])
{
	out[0] = tri_letter(b->exporter_dynamic, 'D');
	out[1] = any_of(b, offsetof(struct dmabuf_attachment, mismatch), 'M');
	out[2] = any_of(b, offsetof(struct dmabuf_attachment, cached), 'C');
	out[3] = any_of(b, offsetof(struct dmabuf_attachment, pinned), 'P');
	out[4] = tri_letter(dmabuf_buffer_unowned(s, b), 'U');
	out[5] = '\0';
}

static int cmp_proc_pid(const void *a, const void *b)
{
	const struct dmabuf_proc_row *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int dmabuf_view_procs(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
		      struct dmabuf_proc_row **rows, size_t *n)
{
	struct dmabuf_proc_row *r = NULL;
	size_t nr = 0, cap = 0, i, j, k;

	for (i = 0; i < s->n_buf; i++) {
		const struct dmabuf_buffer *b = &s->buf[i];

		if (!dmabuf_filter_match(f, b))
			continue;
		for (j = 0; j < b->n_own; j++) {
			const struct dmabuf_owner *o = &b->own[j];

			if (f && f->pid && o->pid != f->pid)
				continue;
			/* few processes hold dma-bufs: a linear search is fine */
			for (k = 0; k < nr && r[k].pid != o->pid; k++)
				;
			if (k == nr) {
				if (nr == cap) {
					struct dmabuf_proc_row *nrw;

					cap = cap ? cap * 2 : 16;
					nrw = realloc(r, cap * sizeof(*nrw));
					if (!nrw) {
						free(r);
						return -ENOMEM;
					}
					r = nrw;
				}
				memset(&r[nr], 0, sizeof(r[nr]));
				r[nr].pid = o->pid;
				memcpy(r[nr].comm, o->comm, sizeof(r[nr].comm));
				nr++;
			}
			r[k].nbufs++;
			r[k].nfds += o->nfds;
			r[k].nmaps += o->nmaps;
			r[k].rss += b->size;
			r[k].pss += b->size / b->n_own;
		}
	}
	if (nr > 1)
		qsort(r, nr, sizeof(*r), cmp_proc_pid);
	*rows = r;
	*n = nr;
	return 0;
}

static int cmp_exporter(const void *a, const void *b)
{
	const struct dmabuf_exporter_row *x = a, *y = b;

	return strcmp(x->exporter, y->exporter);
}

int dmabuf_view_exporters(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
			  struct dmabuf_exporter_row **rows, size_t *n)
{
	struct dmabuf_exporter_row *r = NULL;
	size_t nr = 0, i, k;

	for (i = 0; i < s->n_buf; i++) {
		const struct dmabuf_buffer *b = &s->buf[i];
		const char *e = b->exporter ? b->exporter : "?";

		if (!dmabuf_filter_match(f, b))
			continue;
		for (k = 0; k < nr && strcmp(r[k].exporter, e); k++)
			;
		if (k == nr) {
			struct dmabuf_exporter_row *nrw = realloc(r, (nr + 1) * sizeof(*nrw));

			if (!nrw) {
				free(r);
				return -ENOMEM;
			}
			r = nrw;
			memset(&r[nr], 0, sizeof(r[nr]));
			r[nr].exporter = e;
			r[nr].dynamic = b->exporter_dynamic;
			nr++;
		}
		r[k].nbufs++;
		r[k].natt += b->n_att;
		r[k].bytes += b->size;
		r[k].nunowned += dmabuf_buffer_unowned(s, b) == 1;
		if (r[k].dynamic != b->exporter_dynamic)
			r[k].dynamic = DMABUF_UNKNOWN;
	}
	if (nr > 1)
		qsort(r, nr, sizeof(*r), cmp_exporter);
	*rows = r;
	*n = nr;
	return 0;
}

static int cmp_device(const void *a, const void *b)
{
	const struct dmabuf_device_row *x = a, *y = b;

	return strcmp(x->device, y->device);
}

int dmabuf_view_devices(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
			struct dmabuf_device_row **rows, size_t *n)
{
	struct dmabuf_device_row *r = NULL;
	size_t nr = 0, i, j, k;

	for (i = 0; i < s->n_buf; i++) {
		const struct dmabuf_buffer *b = &s->buf[i];

		if (!dmabuf_filter_match(f, b))
			continue;
		for (j = 0; j < b->n_att; j++) {
			const struct dmabuf_attachment *a = &b->att[j];
			const char *d = a->device ? a->device : "?";

			if (f && f->device && strcmp(f->device, d))
				continue;
			for (k = 0; k < nr && strcmp(r[k].device, d); k++)
				;
			if (k == nr) {
				struct dmabuf_device_row *nrw = realloc(r, (nr + 1) * sizeof(*nrw));

				if (!nrw) {
					free(r);
					return -ENOMEM;
				}
				r = nrw;
				memset(&r[nr], 0, sizeof(r[nr]));
				r[nr].device = d;
				r[nr].driver = a->driver;
				nr++;
			}
			r[k].natt++;
			r[k].bytes += b->size;
			r[k].ndynamic += a->importer_dynamic == 1;
			r[k].nmismatch += a->mismatch == 1;
			r[k].ncached += a->cached == 1;
			r[k].npinned += a->pinned == 1;
		}
	}
	if (nr > 1)
		qsort(r, nr, sizeof(*r), cmp_device);
	*rows = r;
	*n = nr;
	return 0;
}
