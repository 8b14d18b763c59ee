/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture.h - what the collectors read, kept byte for byte for a report
 * bundle (lib/report.c): a snapshot with s->capture set hands every file,
 * symlink and directory it reads to these hooks as (path relative to the
 * root, bytes), so the bundle holds exactly what the snapshot parsed and
 * replays to the same snapshot; no second read that could race with the
 * system. Every hook is a no-op when the capture is NULL.
 *
 * Bounded: a file keeps at most file_cap bytes, the whole capture at most
 * total_cap; what was cut is marked (and listed in the bundle's manifest).
 *
 * The BPF collector's records are kept as they came from its iterators
 * (include/snapshot.h), with a marker per iterator run and, at the end, the
 * kernel facts and source state it set; lib/report_records.c writes them as
 * text (bpf/records.txt) and reads them back on replay.
 */
#ifndef DMABUF_CAPTURE_H
#define DMABUF_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum dmabuf_capture_type { DMABUF_CAP_NONE, DMABUF_CAP_FILE, DMABUF_CAP_LINK, DMABUF_CAP_DIR };

struct dmabuf_capture_entry {
	enum dmabuf_capture_type type;	/* NONE: dropped */
	char *path;			/* relative to the root, no leading '/' */
	char *data;			/* file bytes, or the link's target */
	size_t len;			/* bytes kept */
	size_t seen;			/* bytes handed over (> len when cut) */
};

/* A record of the stream that is not the kernel's: the start of one iterator run. */
#define DMABUF_CAP_BPF_ITER 0x7f01
struct dmabuf_capture_bpf_iter {
	uint16_t kind;			/* DMABUF_CAP_BPF_ITER */
	uint16_t size;			/* sizeof this struct */
	uint32_t owners_of_known;	/* bpfsnap_stats.owners_of_known during the run */
	char prog[32];
};

struct dmabuf_capture {
	struct dmabuf_capture_entry *e;
	size_t n, cap;
	size_t file_cap, total_cap, total;
	unsigned int cut;		/* entries cut short by a cap */
	int err;			/* -ENOMEM once memory ran out: the capture is incomplete */

	/* the BPF collector */
	bool bpf_ran;
	unsigned char *bpf;		/* records and DMABUF_CAP_BPF_ITER markers */
	size_t bpf_len, bpf_alloc, bpf_seen;
	bool bpf_cut;			/* a cap was hit: the records are a prefix */
	struct dmabuf_kernel bpf_kernel;	/* s->kernel after the collector */
	struct dmabuf_source_status bpf_status;
};

#define DMABUF_CAPTURE_FILE_CAP (16u << 20)
#define DMABUF_CAPTURE_TOTAL_CAP (256u << 20)

/* 0 caps take the defaults above. NULL when out of memory. */
struct dmabuf_capture *dmabuf_capture_new(size_t file_cap, size_t total_cap);
void dmabuf_capture_free(struct dmabuf_capture *c);

/* A whole file PATH (printf-style) with LEN bytes of DATA. */
void dmabuf_capture_file(struct dmabuf_capture *c, const void *data, size_t len,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* More bytes of PATH, read piece by piece (created at the first piece). */
void dmabuf_capture_append(struct dmabuf_capture *c, const void *data, size_t len,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void dmabuf_capture_link(struct dmabuf_capture *c, const char *target, size_t len,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void dmabuf_capture_dir(struct dmabuf_capture *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forgets PATH (a process's maps, once it turned out to hold no dma-buf). */
void dmabuf_capture_drop(struct dmabuf_capture *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The entry of PATH, NULL if none. */
struct dmabuf_capture_entry *dmabuf_capture_find(struct dmabuf_capture *c, const char *path);

/* The BPF collector: an iterator run begins, its records, and its end state. */
void dmabuf_capture_bpf_iter(struct dmabuf_capture *c, const char *prog, bool owners_of_known);
void dmabuf_capture_bpf_records(struct dmabuf_capture *c, const void *data, size_t len);
void dmabuf_capture_bpf_end(struct dmabuf_capture *c, const struct dmabuf_snapshot *s);

#endif
