/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfsnap_priv.h - what the files of the BPF snapshot collector share (not
 * an API): bpfsnap.c owns the skeleton, chooses and loads the programs
 * (libbpf, the load cache, the programs kept for dmabuf-top) and merges a
 * snapshot; bpfsnap_pin.c pins the iterators (dmabuf pin) and opens the
 * pins; bpfsnap_run.c reads the iterators into the model and writes the
 * source's report.
 */
#ifndef DMABUF_BPFSNAP_PRIV_H
#define DMABUF_BPFSNAP_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include <bpf/libbpf.h>

#include "collect_priv.h"
#include "model.h"
#include "snapshot.h"

#define SRC_BPF_I SRC_INDEX(DMABUF_SRC_BPF)

/* The programs of a snapshot, by what they walk. */
enum { P_DMABUF, P_OWNERS, P_TASK_VMA, P_TASK_FILE, P_LIST, P__COUNT };
/* their names in bpf/snapshot.bpf.c */
extern const char *const prog_name[P__COUNT];

/*
 * The programs a run reads, wherever they came from: a libbpf load, the
 * load cache (program fds, a link made for each read) or the pins (link fds).
 */
struct progs {
	int fd[P__COUNT];	/* -1 where none */
	bool links;		/* fd[] are iterator links (pinned), not programs */
	int chunks_fd;		/* walk_chunks: the list walk's map */
	int bss_fd;		/* the programs' globals: features, walk_state; -1 pinned */
};


enum mode { MODE_DMABUF, MODE_TASK_FILE };

struct run {
	enum mode mode;
	bool owner_walk;	/* MODE_DMABUF: iter/task_file for the owners too */
	bool map_walk;		/* iter/task_vma for the mappings (procfs not read) */
	bool pinned;		/* the iterators were pinned ones (dmabuf pin) */
	bool cached;		/* loaded from the load cache (loadcache.h) */
	bool use_list;
	uint64_t list_addr;
	char list_name[32];
	char why_no_list[96];
	char dropped[200];	/* programs that did not load, and why */
	char owner_fail[160];	/* the first warning while the owner walk was on */
	char map_fail[160];	/* the vma walk's program did not load: why */
	__u32 features, walk_state;
	struct bpfsnap_stats st;
};

struct snapshot_bpf;

/* Whether the kernel's BTF names the iter/dmabuf target (a hint: the load decides). */
bool btf_names_iter_dmabuf(void);
/* snapshot_bpf__open(), from the one file that embeds the BPF object. */
struct snapshot_bpf *bpfsnap_skel_open(void);

/* bpfsnap_pin.c: this build's pinned iterators (links) into P; SNAP_FEAT_* of their .bss */
bool pins_open(struct progs *p, bool owners, bool maps);
void pins_close(struct progs *p);
__u32 pinned_features(int link_fd);

/* bpfsnap_run.c */
int run_progs(struct dmabuf_snapshot *s, struct run *r, const struct progs *p);
int resolve_ops(struct dmabuf_snapshot *s, struct bpfsnap_stats *st);
void report(struct dmabuf_snapshot *s, struct run *r);
void bpfsnap_run_release(void);

#endif
