/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * views.h - what the fronts show, computed once from a snapshot: filters,
 * per-process / per-exporter / per-device aggregates, the findings of
 * `dmabuf check`, and the columns of every table. The CLI and dmabuf-top
 * share all of it, so a column has one name and one meaning everywhere.
 */
#ifndef DMABUF_VIEWS_H
#define DMABUF_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct dmabuf_filter {
	pid_t pid;		/* 0 = any */
	const char *exporter;	/* exact exporter name, NULL = any */
	const char *device;	/* attached device name, NULL = any */
	uint64_t min_size;
};

bool dmabuf_filter_match(const struct dmabuf_filter *f, const struct dmabuf_buffer *b);

/* State letters of a buffer: D dynamic exporter, M mismatch, C cached,
 * P pinned, U unowned ('-' where not so, '?' where unknown). */
void dmabuf_buffer_state(const struct dmabuf_snapshot *s, const struct dmabuf_buffer *b,
			 char out[6]);
/* Whether no process holds the buffer (tri-state: unknown when procfs did not cover all). */
int dmabuf_buffer_unowned(const struct dmabuf_snapshot *s, const struct dmabuf_buffer *b);

struct dmabuf_proc_row {
	pid_t pid;
	char comm[17];
	unsigned int nbufs, nfds, nmaps;
	uint64_t rss;		/* bytes of the buffers it holds */
	uint64_t pss;		/* each buffer's size divided among its owners */
};

struct dmabuf_exporter_row {
	const char *exporter;	/* points into the snapshot */
	unsigned int nbufs, natt, nunowned;
	uint64_t bytes;
	int dynamic;		/* 1 all dynamic, 0 none, -1 mixed or unknown */
};

struct dmabuf_device_row {
	const char *device;	/* points into the snapshot */
	const char *driver;
	unsigned int natt, ndynamic, nmismatch, ncached, npinned;
	uint64_t bytes;		/* of the buffers it is attached to */
};

/* Each returns 0 or -ENOMEM; *rows is malloc'ed, sorted by the first key. */
int dmabuf_view_procs(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
		      struct dmabuf_proc_row **rows, size_t *n);
int dmabuf_view_exporters(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
			  struct dmabuf_exporter_row **rows, size_t *n);
int dmabuf_view_devices(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
			struct dmabuf_device_row **rows, size_t *n);

enum dmabuf_finding_kind {
	DMABUF_FIND_MISMATCH,	/* importer/exporter disagree: cached/pinned/unmovable */
	DMABUF_FIND_UNOWNED,	/* no process holds it */
	DMABUF_FIND_VIOLATION,	/* dmabuf_lab counted contract violations */
};

struct dmabuf_finding {
	enum dmabuf_finding_kind kind;
	uint64_t ino;
	int att;		/* attachment index, -1 for a buffer finding */
	char what[320];		/* the fact */
	char consequence[256];	/* what it means on this kernel */
};

int dmabuf_findings(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
		    struct dmabuf_finding **out, size_t *n);
const char *dmabuf_finding_kind_name(enum dmabuf_finding_kind k);

/* Columns of the tables: one list per view. */
enum dmabuf_view { DMABUF_VIEW_BUFFERS, DMABUF_VIEW_PROCS, DMABUF_VIEW_EXPORTERS,
		   DMABUF_VIEW_DEVICES, DMABUF_VIEW__COUNT };

#define DMABUF_FMT_BYTES 1u	/* exact byte counts instead of human sizes */

struct dmabuf_column {
	const char *name;	/* for -o and --sort */
	const char *header;
	int width;		/* minimum width */
	bool right;		/* right-aligned (numbers) */
	bool wide;		/* takes the rest of the line; last column only */
	const char *help;
	/* Writes the cell of ROW (a buffer, proc, exporter or device row). */
	void (*text)(const struct dmabuf_snapshot *s, const void *row, unsigned int fmt,
		     char *buf, size_t len);
	int (*cmp)(const void *a, const void *b);
};

const struct dmabuf_column *dmabuf_columns(enum dmabuf_view v, size_t *n);
const char *dmabuf_default_columns(enum dmabuf_view v);
const struct dmabuf_column *dmabuf_column_find(enum dmabuf_view v, const char *name);

/* "4.0K", "12M", "1.5G" (IEC), or the exact count with DMABUF_FMT_BYTES. */
void dmabuf_format_size(uint64_t bytes, unsigned int fmt, char *buf, size_t len);
/* Parses "4096", "64K", "1.5M", "2G"; -EINVAL on anything else. */
int dmabuf_parse_size(const char *text, uint64_t *out);

#endif
