/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * collect.h - the collectors: each reads one kind of kernel source under the
 * snapshot's root directory ("/" or a captured tree, so a report replays
 * offline) and merges what it saw into the model, deduplicated by inode.
 * A collector never aborts the snapshot: it records in s->status[] what it
 * could not read and why, and returns 0 unless memory ran out (-ENOMEM).
 */
#ifndef DMABUF_COLLECT_H
#define DMABUF_COLLECT_H

#include <sys/types.h>

#include "model.h"

struct dmabuf_collect_opts {
	unsigned int sources;	/* DMABUF_SRC_* mask; 0 = every source available */
	pid_t pid;		/* procfs: only this process (0 = all) */
	bool keep;		/* a live view that collects again and again: what a
				 * collector sets up stays for the next snapshot (the
				 * BPF programs stay loaded) until dmabuf_collect_release() */
};

/*
 * The --source words of the tools: "auto" (0: every source available) or a
 * list of bpf, debugfs, procfs, sysfs, lab separated by ',' or '+', into
 * *MASK (DMABUF_SRC_*). 0, or -EINVAL with WHY (LEN) saying what is wrong.
 */
int dmabuf_parse_sources(const char *list, unsigned int *mask, char *why, size_t len);

/* Runs the chosen collectors in order, then dmabuf_snapshot_finish(). */
int dmabuf_collect(struct dmabuf_snapshot *s, const struct dmabuf_collect_opts *o);
/*
 * For O->keep, optional: sets up now what the collections of ROOT will keep
 * (loads the BPF programs), before the caller holds memory of its own, so
 * that the load's passing peak does not come on top of it. 0 or -ENOMEM.
 */
int dmabuf_collect_prepare(const char *root, const struct dmabuf_collect_opts *o);
/* Lets go of what collections with O->keep kept. */
void dmabuf_collect_release(void);

int dmabuf_collect_debugfs(struct dmabuf_snapshot *s);
int dmabuf_collect_procfs(struct dmabuf_snapshot *s, pid_t only);
int dmabuf_collect_sysfs(struct dmabuf_snapshot *s);
int dmabuf_collect_bpf(struct dmabuf_snapshot *s);
int dmabuf_collect_lab(struct dmabuf_snapshot *s);

/*
 * Pinned snapshot iterators (`dmabuf pin`): on kernels with iter/dmabuf the
 * two snapshot iterators (buffers, fd owners) can be loaded once and pinned
 * in the BPF filesystem, DMABUF_PIN_DIR/snap_{dmabuf,owners}-KEY (KEY: a
 * checksum of the BPF object, so that another build's pins are never used).
 * dmabuf_collect_bpf() then reads them instead of loading its programs.
 */
#define DMABUF_PIN_DIR "/sys/fs/bpf/dmabuf-tools"

struct dmabuf_pin_result {
	char paths[3][96];	/* what is pinned now */
	int n_paths;
	int removed;		/* entries of other builds (pin) or all (unpin) */
	bool already;		/* pin: they were pinned before */
	char error[200];	/* when the call returned -errno */
};
/* Loads and pins the iterators; 0 or -errno with R->error saying why. */
int dmabuf_pin(struct dmabuf_pin_result *r);
/* Removes every pin of DMABUF_PIN_DIR and the directory; 0 or -errno. */
int dmabuf_unpin(struct dmabuf_pin_result *r);

/* The parsers behind them, for the unit tests. */
int dmabuf_parse_bufinfo(struct dmabuf_snapshot *s, const char *text, size_t len);

struct dmabuf_fdinfo {
	uint64_t ino;		/* 0 if the kernel does not print it */
	uint64_t size;
	long count;		/* file_count - 1, -1 if absent */
	int flags;		/* f_flags (octal in fdinfo), -1 if absent */
	char exp_name[128];
	char name[64 * 4];	/* raw; has_name == 0 when the buffer has none */
	int has_name;
	int is_dmabuf;		/* exp_name: was present */
};
int dmabuf_parse_fdinfo(const char *text, size_t len, struct dmabuf_fdinfo *out);

#endif
