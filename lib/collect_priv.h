/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * collect_priv.h - helpers shared by the collectors in lib/ (not installed,
 * not an API of the library): reading files under the snapshot's root with
 * dirfd-relative calls, and merging one source's view of a buffer into the
 * model with its provenance.
 */
#ifndef DMABUF_COLLECT_PRIV_H
#define DMABUF_COLLECT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"

/* DMA_BUF_NAME_LEN - 1: the longest name DMA_BUF_SET_NAME accepts (5.3+). */
#define DMABUF_NAME_MAX 31

/* The index of source bit BIT in s->status[]. */
#define SRC_INDEX(bit) ((unsigned int)__builtin_ctz(bit))

/* An O_PATH directory fd of the snapshot's root, or -errno. */
int dmabuf_root_open(const struct dmabuf_snapshot *s);
/* True when the root is the running system's "/", not a captured tree. */
bool dmabuf_root_is_live(const struct dmabuf_snapshot *s);

/*
 * Reads a small file PATH (relative to DIRFD) with one read() into BUF,
 * NUL-terminated. Returns its length or -errno. Files of procfs/sysfs that
 * fit in BUF come whole from a single read().
 */
ssize_t dmabuf_read_small(int dirfd, const char *path, char *buf, size_t size);
/* Reads the whole of PATH into *TEXT (malloc'd, NUL-terminated); -errno. */
int dmabuf_read_whole(int dirfd, const char *path, char **text, size_t *len);

/*
 * Merging one source's value of a field into buffer B. The first source to
 * report a field sets it; a later source that reports the same value adds its
 * bit to b->src[field]; a differing value is dropped, except for an EXACT
 * source (fdinfo's name, which no newline can break), which replaces it.
 * Each also adds SRC to b->seen. 0 or -ENOMEM.
 */
void dmabuf_merge_size(struct dmabuf_buffer *b, uint64_t size, unsigned int src);
int dmabuf_merge_exporter(struct dmabuf_snapshot *s, struct dmabuf_buffer *b, const char *exp,
			  size_t len, unsigned int src);
int dmabuf_merge_name(struct dmabuf_snapshot *s, struct dmabuf_buffer *b, bool has_name,
		      const char *name, size_t len, unsigned int src, bool exact);
void dmabuf_merge_count(struct dmabuf_buffer *b, long count, unsigned int src);

/*
 * The BPF collector (bpfsnap.c) with dmabuf_collect_opts.keep: its loaded
 * programs stay for the next call. bpfsnap_prepare() loads them for the
 * choice S's procfs status implies, without a run; bpfsnap_release() lets
 * them go. 0 or -ENOMEM.
 */
int bpfsnap_collect(struct dmabuf_snapshot *s, bool keep);
int bpfsnap_prepare(struct dmabuf_snapshot *s);
void bpfsnap_release(void);

/* TEXT (LEN bytes) escaped and cut to fit OUT, for status details. */
const char *dmabuf_excerpt(const char *text, size_t len, char *out, size_t outsz);

#endif
