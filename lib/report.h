/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report.h - `dmabuf report`: one archive with what a maintainer needs for a
 * dma-buf bug (the raw sources as the snapshot read them, laid out as a root
 * tree, the BPF records, kernel context, the snapshot, the findings and
 * optionally a trace), and the way back: `dmabuf --root BUNDLE` and
 * `dmabuf-top --replay BUNDLE` open it and replay the same snapshot.
 * The bundle layout and text formats are documented in dmabuf(8), REPORT.
 */
#ifndef DMABUF_REPORT_H
#define DMABUF_REPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct dmabuf_report_opts {
	const char *root;		/* "/" (NULL) or a captured tree */
	const char *output;		/* the archive; "-" is stdout; NULL: a dated name in . */
	unsigned int trace_seconds;	/* 0: no trace */
	bool redact;			/* comm, cmdline, buffer names -> stable hashes */
	size_t file_cap, total_cap;	/* bytes; 0: DMABUF_CAPTURE_*_CAP */
	const char *tool_version;
	/* progress lines for a human ("tracing for 2 s"), may be NULL */
	void (*progress)(void *ctx, const char *msg);
	void *progress_ctx;
	/* set (by a signal handler) to end the trace early; may be NULL */
	volatile sig_atomic_t *stop;
};

struct dmabuf_report_result {
	char path[4096];		/* the archive written */
	size_t files;			/* entries in it */
	uint64_t bytes;			/* its uncompressed content */
	unsigned int missing;		/* sources and context not read completely */
	unsigned int cut;		/* files cut by a size cap */
	bool privileged;		/* euid 0 */
};

/*
 * Takes the snapshot with its capture, the kernel context and the trace,
 * and writes the archive. A source or a piece of context that cannot be read
 * never fails the report: the manifest lists it. Returns 0 once the archive
 * is written, else -errno with the reason in ERR.
 */
int dmabuf_report(const struct dmabuf_report_opts *o, struct dmabuf_report_result *res,
		  char *err, size_t errlen);

/* --- opening a bundle (lib/report_bundle.c) ------------------------------ */

struct dmabuf_bundle;

/*
 * PATH is a report archive (unpacked into a private temporary directory,
 * safely: no absolute paths, no "..", symlinks only as proc/PID/fd/N, sizes
 * bounded), an unpacked report (its directory, or the directory holding its
 * one top directory), or any other captured tree (taken as it is).
 * 0 or -errno with the reason in ERR.
 */
int dmabuf_bundle_open(const char *path, struct dmabuf_bundle **out, char *err, size_t errlen);
/* The root directory to collect from. */
const char *dmabuf_bundle_root(const struct dmabuf_bundle *b);
/* Removes the temporary directory, if one was made. NULL is fine. */
void dmabuf_bundle_close(struct dmabuf_bundle *b);

/* --- replay of a bundle's text forms (lib/report_records.c) -------------- */

struct bpfsnap_stats;

/*
 * For lib/bpfsnap.c on a captured tree: merges the records of ROOT/bpf/
 * records.txt into S through bpfsnap_parse() (ST collects what it learnt),
 * then sets the kernel facts and the BPF source state the capture ended
 * with. 1 when replayed, 0 when there is no such file, -ENOMEM.
 */
int dmabuf_replay_bpf(struct dmabuf_snapshot *s, struct bpfsnap_stats *st);

/*
 * For dmabuf_collect() on a captured tree: a source ROOT/sources.txt says
 * was not read completely at capture time (unused, partial, unavailable,
 * failed) gets that state back, as the replay cannot re-create a failure;
 * sources read completely keep the state their replay earned. 0 or -ENOMEM.
 */
int dmabuf_replay_sources(struct dmabuf_snapshot *s);

#endif
