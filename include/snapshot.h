/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * snapshot.h - the records bpf/snapshot.bpf.c writes into its iterators'
 * seq_file and lib/bpfsnap.c reads back from the iterator fd.
 *
 * The stream is a sequence of fixed-size records, each starting with a
 * struct snap_hdr: one SNAP_REC_BUF per buffer, directly followed by its
 * SNAP_REC_ATT records (at most SNAP_MAX_ATT; the last one carries
 * SNAP_ATT_LIST_TRUNCATED when the list went on), and, from the task_file
 * walk, SNAP_REC_OWNER records (one per open fd), from the task_vma walk,
 * SNAP_REC_MAP records (one per mapping of a buffer). The first buffer of each
 * exporter ops address is followed by a SNAP_REC_OPS naming it, so that user
 * space never reads /proc/kallsyms for it. Strings are NUL-terminated
 * within their arrays; a string that did not fit is cut and flagged.
 */
#ifndef DMABUF_SNAPSHOT_H
#define DMABUF_SNAPSHOT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define SNAP_EXP_NAME_LEN	64
#define SNAP_NAME_LEN		32	/* DMA_BUF_NAME_LEN */
#define SNAP_DEV_NAME_LEN	64
#define SNAP_DRV_NAME_LEN	32
#define SNAP_BUS_NAME_LEN	16
#define SNAP_COMM_LEN		16	/* TASK_COMM_LEN */
#define SNAP_OPS_NAME_LEN	128	/* "symbol [module]", as %ps prints it */
#define SNAP_MAX_ATT		64	/* attachment records per buffer */
/* Elements of the list-walk iterator's chunk map; each element continues
 * the walk of the global dma-buf list where the previous one stopped. */
#define SNAP_WALK_CHUNKS	8192

enum snap_rec_kind {
	SNAP_REC_BUF = 1,
	SNAP_REC_ATT = 2,
	SNAP_REC_OWNER = 3,
	SNAP_REC_OPS = 4,
	SNAP_REC_MAP = 5,
};

/* Which program produced a record: snap_hdr.via. */
enum snap_via {
	SNAP_VIA_DMABUF = 1,	/* iter/dmabuf: every buffer of the global list */
	SNAP_VIA_TASK_FILE = 2,	/* iter/task_file: buffers with an open fd */
	SNAP_VIA_LIST = 3,	/* global list walked from its kallsyms address */
	SNAP_VIA_TASK_VMA = 4,	/* iter/task_vma: mappings */
};

struct snap_hdr {
	__u16 kind;		/* enum snap_rec_kind */
	__u16 size;		/* sizeof the whole record */
	__u32 via;		/* enum snap_via */
};

/* snap_buf.flags */
#define SNAP_BUF_HAS_NAME	(1u << 0)	/* dma_buf->name was set */
#define SNAP_BUF_NAME_CUT	(1u << 1)
#define SNAP_BUF_EXP_NAME_CUT	(1u << 2)
#define SNAP_BUF_HAS_PIN	(1u << 3)	/* ops->pin exists on this kernel */
#define SNAP_BUF_EXP_DYNAMIC	(1u << 4)	/* ops->pin != NULL */
#define SNAP_BUF_HAS_CACHE_SGT	(1u << 5)	/* ops->cache_sgt_mapping exists */
#define SNAP_BUF_CACHE_SGT	(1u << 6)	/* ... and is set */
#define SNAP_BUF_COUNT_VALID	(1u << 7)	/* file_count could be read */

struct snap_buf {
	struct snap_hdr hdr;
	__u64 ino;
	__u64 size;
	__u64 ops;		/* address of the exporter's dma_buf_ops */
	__u64 file_count;	/* without the iterator's own reference */
	__u32 f_flags;
	__u32 f_mode;
	__u32 flags;		/* SNAP_BUF_* */
	__u32 pad;
	char exp_name[SNAP_EXP_NAME_LEN];
	char name[SNAP_NAME_LEN];
};

/* snap_att.flags */
#define SNAP_ATT_HAS_IMPORTER_OPS (1u << 0)	/* attach->importer_ops exists */
#define SNAP_ATT_IMP_DYNAMIC	(1u << 1)	/* importer_ops != NULL */
#define SNAP_ATT_HAS_P2P	(1u << 2)	/* attach->peer2peer exists */
#define SNAP_ATT_P2P		(1u << 3)
#define SNAP_ATT_HAS_SGT	(1u << 4)	/* attach->sgt/dir exist (the cache era) */
#define SNAP_ATT_CACHED		(1u << 5)	/* attach->sgt != NULL */
#define SNAP_ATT_DEV_CUT	(1u << 6)
#define SNAP_ATT_LIST_TRUNCATED	(1u << 7)	/* more attachments than records */
#define SNAP_ATT_LIST_BROKEN	(1u << 8)	/* the list changed under the walk */

struct snap_att {
	struct snap_hdr hdr;
	__u64 ino;		/* the buffer's */
	__u32 flags;		/* SNAP_ATT_* */
	__u32 dir;		/* attach->dir when SNAP_ATT_CACHED */
	char dev_name[SNAP_DEV_NAME_LEN];
	char driver[SNAP_DRV_NAME_LEN];	/* dev->driver->name, "" if none */
	char bus[SNAP_BUS_NAME_LEN];	/* dev->bus->name, "" if none */
};

struct snap_owner {
	struct snap_hdr hdr;
	__u64 ino;
	__u32 pid;		/* tgid */
	__u32 fd;
	char comm[SNAP_COMM_LEN];
};

/* A mapping of a buffer: a vma whose file is the buffer's (as /proc/PID/maps lists it). */
struct snap_map {
	struct snap_hdr hdr;
	__u64 ino;
	__u64 bytes;		/* vm_end - vm_start */
	__u32 pid;		/* tgid */
	__u32 pad;
	char comm[SNAP_COMM_LEN];
};

/* The name of an exporter's dma_buf_ops ("0x..." when the kernel has none). */
struct snap_ops {
	struct snap_hdr hdr;
	__u64 addr;
	char name[SNAP_OPS_NAME_LEN];
};

/*
 * Kernel facts every program stores in its .bss on each run (also on the
 * iterator's closing call), from CO-RE existence checks.
 */
#define SNAP_FEAT_VALID		(1u << 0)	/* a program ran */
#define SNAP_FEAT_ATTACH_SGT	(1u << 1)	/* attach->sgt: the mapping cache */
#define SNAP_FEAT_IMPORTER_OPS	(1u << 2)
#define SNAP_FEAT_PEER2PEER	(1u << 3)
#define SNAP_FEAT_OPS_PIN	(1u << 4)
#define SNAP_FEAT_FILE_REF	(1u << 5)	/* file->f_ref (6.13+), else f_count */

/* State of the global-list walk, in the .bss of the list program. */
enum snap_walk_state {
	SNAP_WALK_NONE = 0,	/* not run, or no list address */
	SNAP_WALK_DONE = 1,	/* came back to the list head */
	SNAP_WALK_BROKEN = 2,	/* a node failed validation: list changed or wrong symbol */
	SNAP_WALK_TOO_LONG = 3,	/* more nodes than the chunks allow */
};

#ifndef __bpf__
/*
 * The offline half of lib/bpfsnap.c, in lib/bpfsnap_parse.c - merging
 * records into a snapshot, reading /proc/kallsyms and the kernel config -
 * declared for its unit tests.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dmabuf_snapshot;

struct bpfsnap_sym {
	uint64_t addr;
	char *name;		/* "symbol" or "symbol [module]", malloc'd */
};

/* What the record parser learnt over one collection. */
struct bpfsnap_stats {
	size_t bufs[4];		/* buffer records per enum snap_via */
	size_t atts, owners, maps;
	size_t att_truncated;	/* buffers with more than SNAP_MAX_ATT attachments */
	size_t att_broken;	/* attachment lists that changed under the walk */
	uint64_t skip_ino;	/* a buffer shown twice: its attachments are ignored */
	bool skipping;
	/* owner records only for buffers BPF already read (the owner walk after
	 * iter/dmabuf); the others, newer than that walk, are counted here */
	bool owners_of_known;
	size_t owners_late;
	/* exporter ops per buffer, named once all is read from the names the
	 * SNAP_REC_OPS records gave */
	struct bpfsnap_ops { uint64_t ino, addr; } *ops;
	size_t n_ops, cap_ops;
	struct bpfsnap_sym *names;
	size_t n_names, cap_names;
};

/*
 * Merges the whole records in DATA into S; returns the bytes used (a record
 * cut by the end of DATA is left for the next call), -EBADMSG for a record
 * this build does not know, or -ENOMEM.
 */
int bpfsnap_parse(struct dmabuf_snapshot *s, const void *data, size_t len,
		  struct bpfsnap_stats *st);
void bpfsnap_stats_free(struct bpfsnap_stats *st);
/*
 * One pass over kallsyms text F: names SYMS (sorted here by address) by exact
 * address, and finds the global dma-buf list among the built-in symbols
 * (a name that occurs twice is ambiguous, not used; address 0 = hidden).
 * Either part may be skipped (n = 0, list_addr NULL). 0 or -ENOMEM.
 */
int bpfsnap_kallsyms(FILE *f, struct bpfsnap_sym *syms, size_t n, uint64_t *list_addr,
		     char *list_name, size_t list_len);
/* CONFIG_DMABUF_MOVE_NOTIFY in a kernel config's text: 1 if =y, else 0. */
int bpfsnap_config_move_notify(const char *text, size_t len);
#endif

#endif
