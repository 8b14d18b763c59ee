// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture.c - the collectors' capture hooks (capture.h): entries in the
 * order they were read, each cut at the per-file cap and all together at
 * the total cap. Out of memory, the capture stops growing and says so (err);
 * the snapshot itself goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

struct dmabuf_capture *dmabuf_capture_new(size_t file_cap, size_t total_cap)
{
	struct dmabuf_capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->file_cap = file_cap ? file_cap : DMABUF_CAPTURE_FILE_CAP;
	c->total_cap = total_cap ? total_cap : DMABUF_CAPTURE_TOTAL_CAP;
	return c;
}

void dmabuf_capture_free(struct dmabuf_capture *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->e[i].path);
		free(c->e[i].data);
	}
	free(c->e);
	free(c->bpf);
	free(c);
}

static char *vpath(const char *fmt, va_list ap)
{
	char *p = NULL;

	return vasprintf(&p, fmt, ap) < 0 ? NULL : p;
}

struct dmabuf_capture_entry *dmabuf_capture_find(struct dmabuf_capture *c, const char *path)
{
	size_t i;

	/* the newest first: appends and drops are about what was just read */
	for (i = c ? c->n : 0; i > 0; i--)
		if (c->e[i - 1].type != DMABUF_CAP_NONE && !strcmp(c->e[i - 1].path, path))
			return &c->e[i - 1];
	return NULL;
}

static struct dmabuf_capture_entry *add(struct dmabuf_capture *c, enum dmabuf_capture_type type,
					char *path)
{
	struct dmabuf_capture_entry *e;

	if (!path) {
		c->err = -ENOMEM;
		return NULL;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct dmabuf_capture_entry *n = realloc(c->e, cap * sizeof(*n));

		if (!n) {
			free(path);
			c->err = -ENOMEM;
			return NULL;
		}
		c->e = n;
		c->cap = cap;
	}
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->path = path;
	return e;
}

/* Appends what the caps allow of LEN bytes to E. */
static void put(struct dmabuf_capture *c, struct dmabuf_capture_entry *e, const void *data,
		size_t len)
{
	size_t room = e->len < c->file_cap ? c->file_cap - e->len : 0;
	size_t total_room = c->total < c->total_cap ? c->total_cap - c->total : 0;
	size_t keep = len < room ? len : room;
	char *nd;

	if (keep > total_room)
		keep = total_room;
	if (e->len == e->seen && keep < len)
		c->cut++;
	e->seen += len;
	if (!keep)
		return;
	nd = realloc(e->data, e->len + keep + 1);
	if (!nd) {
		c->err = -ENOMEM;
		return;
	}
	memcpy(nd + e->len, data, keep);
	e->len += keep;
	nd[e->len] = '\0';
	e->data = nd;
	c->total += keep;
}

void dmabuf_capture_file(struct dmabuf_capture *c, const void *data, size_t len,
			 const char *fmt, ...)
{
	struct dmabuf_capture_entry *e;
	va_list ap;

	if (!c)
		return;
	va_start(ap, fmt);
	e = add(c, DMABUF_CAP_FILE, vpath(fmt, ap));
	va_end(ap);
	if (e)
		put(c, e, data, len);
}

void dmabuf_capture_append(struct dmabuf_capture *c, const void *data, size_t len,
			   const char *fmt, ...)
{
	struct dmabuf_capture_entry *e;
	va_list ap;
	char *path;

	if (!c)
		return;
	va_start(ap, fmt);
	path = vpath(fmt, ap);
	va_end(ap);
	e = path ? dmabuf_capture_find(c, path) : NULL;
	if (e && e->type == DMABUF_CAP_FILE)
		free(path);
	else
		e = add(c, DMABUF_CAP_FILE, path);
	if (e)
		put(c, e, data, len);
}

void dmabuf_capture_link(struct dmabuf_capture *c, const char *target, size_t len,
			 const char *fmt, ...)
{
	struct dmabuf_capture_entry *e;
	va_list ap;

	if (!c)
		return;
	va_start(ap, fmt);
	e = add(c, DMABUF_CAP_LINK, vpath(fmt, ap));
	va_end(ap);
	if (e)
		put(c, e, target, len);
}

void dmabuf_capture_dir(struct dmabuf_capture *c, const char *fmt, ...)
{
	va_list ap;

	if (!c)
		return;
	va_start(ap, fmt);
	add(c, DMABUF_CAP_DIR, vpath(fmt, ap));
	va_end(ap);
}

void dmabuf_capture_drop(struct dmabuf_capture *c, const char *fmt, ...)
{
	struct dmabuf_capture_entry *e;
	va_list ap;
	char *path;

	if (!c)
		return;
	va_start(ap, fmt);
	path = vpath(fmt, ap);
	va_end(ap);
	e = path ? dmabuf_capture_find(c, path) : NULL;
	free(path);
	if (!e)
		return;
	c->total -= e->len;
	if (e->seen > e->len)
		c->cut--;
	free(e->data);
	e->data = NULL;
	e->len = e->seen = 0;
	e->type = DMABUF_CAP_NONE;
}

/* --- BPF ------------------------------------------------------------------ */

static void bpf_put(struct dmabuf_capture *c, const void *data, size_t len)
{
	c->bpf_seen += len;
	if (c->bpf_cut || c->bpf_len + len > c->file_cap || c->total + len > c->total_cap) {
		/* whole records only, and only the first ones: a prefix replays */
		c->cut += !c->bpf_cut;
		c->bpf_cut = true;
		return;
	}
	if (c->bpf_len + len > c->bpf_alloc) {
		size_t cap = c->bpf_alloc ? c->bpf_alloc : 64 * 1024;
		unsigned char *n;

		while (cap < c->bpf_len + len)
			cap *= 2;
		n = realloc(c->bpf, cap);
		if (!n) {
			c->err = -ENOMEM;
			return;
		}
		c->bpf = n;
		c->bpf_alloc = cap;
	}
	memcpy(c->bpf + c->bpf_len, data, len);
	c->bpf_len += len;
	c->total += len;
}

void dmabuf_capture_bpf_iter(struct dmabuf_capture *c, const char *prog, bool owners_of_known)
{
	struct dmabuf_capture_bpf_iter m = { .kind = DMABUF_CAP_BPF_ITER, .size = sizeof(m),
					     .owners_of_known = owners_of_known };

	if (!c)
		return;
	snprintf(m.prog, sizeof(m.prog), "%s", prog ? prog : "?");
	bpf_put(c, &m, sizeof(m));
}

void dmabuf_capture_bpf_records(struct dmabuf_capture *c, const void *data, size_t len)
{
	if (c && len)
		bpf_put(c, data, len);
}

void dmabuf_capture_bpf_end(struct dmabuf_capture *c, const struct dmabuf_snapshot *s)
{
	if (!c)
		return;
	c->bpf_ran = true;
	c->bpf_kernel = s->kernel;
	c->bpf_status = s->status[__builtin_ctz(DMABUF_SRC_BPF)];
}
