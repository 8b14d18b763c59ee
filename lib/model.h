/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * model.h - the one model of a system's dma-bufs, shared by every front
 * (dmabuf, dmabuf-top, dmabuf report) and filled by the collectors.
 *
 * A snapshot holds buffers keyed by inode. Every field records which sources
 * filled it (provenance); every source records whether it could be read and,
 * if not, exactly what is missing and how to get it. Tri-state fields use
 * DMABUF_UNKNOWN when no source could tell.
 */
#ifndef DMABUF_MODEL_H
#define DMABUF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DMABUF_UNKNOWN (-1)

/*
 * Kernels before 5.3 show no inode in bufinfo: their buffers are keyed by a
 * synthetic id with this bit set (bufinfo order, from 1). It is not an inode:
 * print it as such, and do not expect other sources to merge into it.
 */
#define DMABUF_INO_SYNTHETIC (1ull << 63)

/* The sources, as bits of a provenance mask. */
enum dmabuf_source {
	DMABUF_SRC_DEBUGFS = 1u << 0,	/* /sys/kernel/debug/dma_buf/bufinfo */
	DMABUF_SRC_FDINFO = 1u << 1,	/* /proc/PID/fdinfo/FD */
	DMABUF_SRC_PROCFS = 1u << 2,	/* /proc/PID/fd links, /proc/PID/maps */
	DMABUF_SRC_SYSFS = 1u << 3,	/* /sys/kernel/dmabuf/buffers */
	DMABUF_SRC_BPF = 1u << 4,	/* the BPF snapshot iterators */
	DMABUF_SRC_LAB = 1u << 5,	/* dmabuf_lab's debugfs state (test module) */
	DMABUF_SRC_DERIVED = 1u << 6,	/* computed from other fields by the kernel's rules */
};
#define DMABUF_SRC_COUNT 7

/* Source index (bit number) <-> name: "debugfs", "fdinfo", "procfs", ... */
const char *dmabuf_source_name(unsigned int bit);
/* Writes "debugfs+fdinfo" style text of MASK into BUF; returns BUF. */
char *dmabuf_sources_str(unsigned int mask, char *buf, size_t len);

enum dmabuf_source_state {
	DMABUF_SOURCE_UNUSED = 0,	/* not asked for */
	DMABUF_SOURCE_OK,		/* read completely */
	DMABUF_SOURCE_PARTIAL,		/* read, but something was skipped or malformed */
	DMABUF_SOURCE_UNAVAILABLE,	/* not there on this system (no debugfs, no BTF, ...) */
	DMABUF_SOURCE_FAILED,		/* there, but reading it failed (EACCES, parse error, ...) */
};

struct dmabuf_source_status {
	enum dmabuf_source_state state;
	int err;		/* errno of the failure, 0 if none */
	/*
	 * Unavailable because the system does not have it (a kernel built
	 * without it, a module not loaded): nothing to fix, so not worth a
	 * note on every run; still listed in the JSON "sources".
	 */
	bool absent;
	char detail[256];	/* what is missing and how to get it, or what was skipped */
};

/* Per-buffer fields whose provenance is recorded. */
enum dmabuf_buf_field {
	DMABUF_F_SIZE,
	DMABUF_F_EXPORTER,
	DMABUF_F_NAME,
	DMABUF_F_FILE_COUNT,
	DMABUF_F_FLAGS,
	DMABUF_F_EXP_DYNAMIC,
	DMABUF_F_EXP_OPS,
	DMABUF_F_ATTACHMENTS,
	DMABUF_F_OWNERS,
	DMABUF_F_VIOLATIONS,
	DMABUF_F__COUNT,
};
const char *dmabuf_field_name(enum dmabuf_buf_field f);

/* DMA directions as the kernel numbers them (enum dma_data_direction). */
enum dmabuf_dir {
	DMABUF_DIR_BIDIRECTIONAL = 0,
	DMABUF_DIR_TO_DEVICE = 1,
	DMABUF_DIR_FROM_DEVICE = 2,
	DMABUF_DIR_NONE = 3,
};
const char *dmabuf_dir_name(int dir);	/* "bidirectional", ..., "-" for unknown */

struct dmabuf_attachment {
	char *device;		/* dev_name(), as bufinfo shows it */
	char *driver;		/* "bus/driver", NULL if unknown */
	int importer_dynamic;	/* attach->importer_ops != NULL; tri-state */
	int peer2peer;		/* attach->peer2peer; tri-state */
	int cached;		/* the kernel holds a cached mapping (attach->sgt); tri-state */
	int cached_dir;		/* its direction (enum dmabuf_dir), DMABUF_UNKNOWN if none/unknown */
	int pinned;		/* the exporter is pinned for this attachment; tri-state */
	int mismatch;		/* importer and exporter disagree on dynamic; tri-state (derived) */
	unsigned int src;	/* sources that reported this attachment */
};

struct dmabuf_owner {
	pid_t pid;
	unsigned int nfds;	/* fds of this process on the buffer */
	int *fds;		/* their numbers (nfds of them) */
	uint64_t mapped_bytes;	/* their total length */
	unsigned int nmaps;	/* mappings of the buffer in /proc/PID/maps */
	uint8_t src;		/* DMABUF_SRC_* */
	char comm[17];		/* raw /proc/PID/comm, escape before printing */
};

struct dmabuf_buffer {
	uint64_t ino;
	uint64_t size;
	char *exporter;		/* exp_name */
	char *name;		/* NULL when the buffer has no name */
	char *exp_ops;		/* symbol of the exporter's dma_buf_ops, NULL if unresolved */
	long file_count;	/* file references, -1 unknown */
	long violations;	/* contract violations counted by dmabuf_lab, -1 unknown */

	struct dmabuf_attachment *att;
	struct dmabuf_owner *own;
	uint32_t n_att, n_own;
	int n_att_reported;	/* bufinfo's "Total N devices attached", -1 if none */
	int f_flags;		/* -1 unknown */
	int f_mode;		/* -1 unknown */
	int exporter_dynamic;	/* ops->pin != NULL; tri-state */

	/* provenance per field and every source that saw the buffer: DMABUF_SRC_* masks */
	uint8_t src[DMABUF_F__COUNT];
	uint8_t seen;
	/*
	 * bufinfo's name (or its absence) is the buffer's byte for byte: no
	 * line of its record could have been part of it (debugfs.c)
	 */
	bool name_exact;
};
/* a snapshot holds thousands: the masks are bytes */
_Static_assert(DMABUF_SRC_COUNT <= 8, "a DMABUF_SRC_* mask must fit a buffer's uint8_t src");

/* Facts about the kernel the snapshot came from, for the derived fields. */
struct dmabuf_kernel {
	char release[128];	/* uname -r of the snapshot's kernel, "" if unknown */
	int has_map_cache;	/* attach-time mapping cache exists (5.5 .. 6.15); tri-state */
	int move_notify;	/* CONFIG_DMABUF_MOVE_NOTIFY=y; tri-state */
};

struct dmabuf_capture;
struct dmabuf_arena;

struct dmabuf_snapshot {
	struct dmabuf_buffer *buf;
	size_t n_buf, cap_buf;
	/* open-addressing index ino -> buf position + 1 (0: empty) */
	uint32_t *index;
	size_t index_cap;

	char *root;		/* the root directory read ("/" or a captured tree) */
	struct dmabuf_kernel kernel;
	struct dmabuf_source_status status[DMABUF_SRC_COUNT];
	unsigned int used;	/* sources that contributed */
	uint64_t taken_ns;	/* CLOCK_REALTIME when taken */
	/* set by dmabuf report: the collectors hand it what they read (capture.h) */
	struct dmabuf_capture *capture;
	/* the buffers' strings, attachments, owners and fds: freed all at once */
	struct dmabuf_arena *arena;
	char *shared;		/* the last string dmabuf_set_str_shared() made */
	size_t shared_len;
};

struct dmabuf_snapshot *dmabuf_snapshot_new(const char *root);
void dmabuf_snapshot_free(struct dmabuf_snapshot *s);

/*
 * The buffer with inode INO, created (all fields unknown) when CREATE.
 * Creating a buffer may move the others: do not keep a pointer across it.
 */
struct dmabuf_buffer *dmabuf_buffer_get(struct dmabuf_snapshot *s, uint64_t ino, bool create);
struct dmabuf_attachment *dmabuf_attachment_add(struct dmabuf_snapshot *s,
						struct dmabuf_buffer *b, const char *device);
/* The owner record of PID on B, created when missing. */
struct dmabuf_owner *dmabuf_owner_get(struct dmabuf_snapshot *s, struct dmabuf_buffer *b,
				      pid_t pid, const char *comm);
int dmabuf_owner_add_fd(struct dmabuf_snapshot *s, struct dmabuf_owner *o, int fd);

/*
 * The model's strings and arrays live in the snapshot's arena: allocated in
 * large chunks, never freed one by one (a replaced value stays until the
 * snapshot goes), all freed by dmabuf_snapshot_free(). A snapshot of 10,000
 * buffers made and freed 50,000 small blocks before.
 */
void *dmabuf_alloc(struct dmabuf_snapshot *s, size_t size);
/* A copy of [VALUE, VALUE+LEN) in S's arena, into *FIELD. 0 or -ENOMEM. */
int dmabuf_set_str(struct dmabuf_snapshot *s, char **field, const char *value, size_t len);
/* The same for a value that repeats from buffer to buffer (an exporter): one copy while it does */
int dmabuf_set_str_shared(struct dmabuf_snapshot *s, char **field, const char *value, size_t len);

/* Records the state of source BIT (printf-style detail). */
void dmabuf_source_set(struct dmabuf_snapshot *s, unsigned int bit,
		       enum dmabuf_source_state state, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/*
 * Whether source BIT is worth a note to the user: it was not read completely,
 * and the system has it or it was asked for by name (ASKED, a DMABUF_SRC_*
 * mask): what a system simply lacks is not noted on every run.
 */
bool dmabuf_source_noteworthy(const struct dmabuf_snapshot *s, unsigned int bit,
			      unsigned int asked);

/*
 * Completes a snapshot after the collectors ran: sorts buffers by inode,
 * derives mismatch / cached / pinned where the kernel's rules decide them
 * (see rules.c), and counts totals.
 */
void dmabuf_snapshot_finish(struct dmabuf_snapshot *s);
/* Rebuilds the inode index after the buffer array was reordered. */
int dmabuf_snapshot_reindex(struct dmabuf_snapshot *s);

#endif
