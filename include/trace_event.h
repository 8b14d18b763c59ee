/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_event.h - the records bpf/trace.bpf.c writes into its ring buffer
 * (or perf buffer) and lib/trace.c decodes, and the run-time facts user
 * space hands the programs. __u32/__u64 and char arrays only: the same
 * layout on both sides.
 *
 * Every record is a struct trace_rec; a move record is a struct
 * trace_move_rec (the same head, then the notified attachments). Strings
 * are NUL-terminated within their arrays; one that did not fit is cut and
 * flagged (TRACE_F_*_CUT).
 */
#ifndef DMABUF_TRACE_EVENT_H
#define DMABUF_TRACE_EVENT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define TRACE_COMM_LEN		16	/* TASK_COMM_LEN */
#define TRACE_EXP_NAME_LEN	32
#define TRACE_NAME_LEN		32	/* DMA_BUF_NAME_LEN */
#define TRACE_DEV_LEN		32
#define TRACE_MOVE_DEVS		4	/* notified attachments named per move record */
#define TRACE_MOVE_SCAN		64	/* attachments a move record looks at, at most */
#define TRACE_STACK_DEPTH	32	/* kernel stack frames kept with --stack */

/* Event kinds; the bit (1 << kind) selects one in trace_cfg.event_mask. */
enum trace_event_kind {
	TRACE_EV_EXPORT = 0,
	TRACE_EV_FD,
	TRACE_EV_GET,
	TRACE_EV_ATTACH,
	TRACE_EV_DETACH,
	TRACE_EV_MAP,
	TRACE_EV_UNMAP,
	TRACE_EV_MOVE,
	TRACE_EV_PIN,
	TRACE_EV_UNPIN,
	TRACE_EV_BEGIN_CPU,
	TRACE_EV_END_CPU,
	TRACE_EV_MMAP,
	TRACE_EV_VMAP,
	TRACE_EV_VUNMAP,
	TRACE_EV_RELEASE,
	TRACE_EV__COUNT,
};

/* How the record was produced: trace_rec.method. */
enum trace_method {
	TRACE_M_NONE = 0,
	TRACE_M_TRACEPOINT = 1,	/* tp_btf on a dma_buf tracepoint */
	TRACE_M_FENTRY = 2,	/* fentry/fexit trampolines */
	TRACE_M_KPROBE = 3,	/* kprobe/kretprobe */
};

/*
 * trace_rec.flags. A tri-state field has a _KNOWN bit (the value applies
 * to this event and could be read on this kernel) and a value bit.
 */
#define TRACE_F_IMP_DYN_KNOWN	(1u << 0)
#define TRACE_F_IMP_DYN		(1u << 1)	/* importer has importer_ops */
#define TRACE_F_EXP_DYN_KNOWN	(1u << 2)
#define TRACE_F_EXP_DYN		(1u << 3)	/* exporter has ops->pin */
#define TRACE_F_P2P_KNOWN	(1u << 4)
#define TRACE_F_P2P		(1u << 5)	/* attach->peer2peer */
#define TRACE_F_CACHED_KNOWN	(1u << 6)
#define TRACE_F_CACHED		(1u << 7)	/* map: the core's cached table answered;
						 * attach: a table was cached at attach */
#define TRACE_F_PINNED_KNOWN	(1u << 8)
#define TRACE_F_PINNED		(1u << 9)	/* the attachment holds the exporter pinned
						 * after the call (see lib/trace.h) */
#define TRACE_F_HAS_BUF		(1u << 10)	/* ino, size, exporter were read */
#define TRACE_F_HAS_NAME	(1u << 11)	/* the buffer has a name */
#define TRACE_F_HAS_DEV		(1u << 12)	/* device names an attachment's device */
#define TRACE_F_HAS_DIR		(1u << 13)
#define TRACE_F_HAS_LATENCY	(1u << 14)
#define TRACE_F_HAS_RET		(1u << 15)
#define TRACE_F_HAS_FD		(1u << 16)
#define TRACE_F_NAME_CUT	(1u << 17)
#define TRACE_F_EXP_CUT		(1u << 18)
#define TRACE_F_DEV_CUT		(1u << 19)
#define TRACE_F_HAS_RESV	(1u << 20)	/* resv holds TRACE_RESV_* */
#define TRACE_F_HAS_STACK	(1u << 21)

/* Who holds the buffer's reservation lock when the call starts: trace_rec.resv. */
enum trace_resv {
	TRACE_RESV_FREE = 0,	/* nobody */
	TRACE_RESV_CALLER = 1,	/* the calling task */
	TRACE_RESV_OTHER = 2,	/* another task */
};

/* trace_rec.contract: low byte the violation, next byte the rule broken. */
enum trace_contract {
	TRACE_CONTRACT_OK = 0,
	TRACE_CONTRACT_NOT_HELD = 1,	/* required, nobody holds it */
	TRACE_CONTRACT_OTHER_TASK = 2,	/* required, another task holds it */
	TRACE_CONTRACT_HELD = 3,	/* must not be held, the caller holds it */
};

enum trace_rule {
	TRACE_RULE_NONE = 0,
	TRACE_RULE_ALL_CALLERS = 1,	/* map/unmap/vmap/vunmap: every caller (6.2+) */
	TRACE_RULE_IMP_DYNAMIC = 2,	/* map/unmap: a dynamic importer (5.7+) */
	TRACE_RULE_EXP_DYNAMIC = 3,	/* map/unmap of a dynamic exporter, no cached table */
	TRACE_RULE_PIN_MOVE = 4,	/* pin, unpin, move notification: always */
	TRACE_RULE_MIGHT_LOCK = 5,	/* begin/end_cpu_access: the exporter may take it */
};

#define TRACE_CONTRACT(code, rule)	((code) | ((rule) << 8))
#define TRACE_CONTRACT_CODE(c)		((c) & 0xff)
#define TRACE_CONTRACT_RULE(c)		(((c) >> 8) & 0xff)

/* trace_rec.dir: enum dma_data_direction, or TRACE_DIR_UNSET. */
#define TRACE_DIR_UNSET		0xffffffffu

struct trace_rec {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 ino;
	__u64 size;
	__u64 latency_ns;	/* TRACE_F_HAS_LATENCY */
	__u64 ret;		/* signed: 0 or -errno (TRACE_F_HAS_RET) */
	__u64 attach;		/* kernel address of the attachment, for pairing; never printed */
	__u32 kind;		/* enum trace_event_kind */
	__u32 method;		/* enum trace_method */
	__u32 size_rec;		/* sizeof the whole record */
	__u32 flags;		/* TRACE_F_* */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 dir;		/* TRACE_F_HAS_DIR */
	__u32 contract;		/* TRACE_CONTRACT(code, rule) */
	__u32 resv;		/* enum trace_resv, TRACE_F_HAS_RESV */
	__u32 fd;		/* signed, TRACE_F_HAS_FD */
	__u32 stack_id;		/* signed, TRACE_F_HAS_STACK */
	__u32 pad;
	char comm[TRACE_COMM_LEN];
	char exporter[TRACE_EXP_NAME_LEN];
	char name[TRACE_NAME_LEN];
	char device[TRACE_DEV_LEN];
};

struct trace_move_rec {
	struct trace_rec e;
	__u32 notified;		/* attachments the core notifies */
	__u32 attachments;	/* attachments on the buffer's list (at most TRACE_MOVE_SCAN) */
	char notified_dev[TRACE_MOVE_DEVS][TRACE_DEV_LEN];
};

/* What the kernel does with CONFIG_DMABUF_MOVE_NOTIFY: trace_cfg.move_notify. */
enum trace_move_notify {
	TRACE_MN_UNKNOWN = 0,	/* the option exists, its value could not be read */
	TRACE_MN_OFF = 1,
	TRACE_MN_ON = 2,
	TRACE_MN_ABSENT = 3,	/* no such option (7.x): dynamic importers never pin */
};

/* Counters the programs keep, per CPU: index into the "counters" map. */
enum trace_counter {
	TRACE_CNT_EVENTS = 0,	/* records submitted */
	TRACE_CNT_LOST = 1,	/* records that found the buffer full */
	TRACE_CNT_FILTERED = 2,	/* calls a filter dropped */
	TRACE_CNT_INFLIGHT_FULL = 3,	/* entries the call-tracking map refused */
	TRACE_CNT_STACK_LOST = 4,	/* stacks the stack map refused */
	TRACE_CNT_VIOLATIONS = 5,	/* events with a contract violation (after the filters) */
	TRACE_CNT_SUM_FULL = 6,		/* --summary: events the aggregation map refused */
	TRACE_CNT__COUNT,
};

/*
 * --summary aggregates in the kernel: one entry per (exporter, device,
 * process, event kind), keyed by the kernel's pointers; the names are read
 * once, when the entry is made. An entry is a slot of an array (dt_sum),
 * found through a hash of keys (dt_sum_idx) or, for the key a CPU counted
 * last for that event kind, through a per-CPU memo that skips the hash.
 * At each report user space (lib/trace.c) reads the slots and zeroes their
 * counts; a slot that counted nothing since the last report goes back to
 * the free slots (dt_sum_free). lib/trace_summary.c merges them by name.
 */
#define TRACE_SUM_SLOTS		32	/* log2 buckets of latency in ns */
#define TRACE_SUM_ENTRIES	4096
#define TRACE_SUM_HAS_BUF	(1u << 8)	/* trace_sum_key.kind: exporter is valid */
#define TRACE_SUM_HAS_DEV	(1u << 9)	/* device is valid */
#define TRACE_SUM_LIVE		(1u << 10)	/* every key: a zeroed slot matches none */
#define TRACE_SUM_KIND(k)	((k) & 0xff)

struct trace_sum_key {
	__u64 exp;		/* the buffer's exp_name pointer, 0: no buffer */
	__u64 dev;		/* the attachment's struct device, 0: none */
	__u32 tgid;
	__u32 kind;		/* enum trace_event_kind | TRACE_SUM_HAS_* */
};

struct trace_sum_val {
	struct trace_sum_key key;	/* whose slot this is */
	__u64 count;
	__u64 lat_n, lat_sum, lat_min, lat_max;	/* min and max may race between CPUs */
	__u64 hist[TRACE_SUM_SLOTS];
	__u64 first_ns;		/* when the entry was made: reports keep that order */
	char exporter[TRACE_EXP_NAME_LEN];
	char device[TRACE_DEV_LEN];
	char comm[TRACE_COMM_LEN];	/* the process's, when the entry was made */
};

/* DMABUF_TRACE_PROFILE (bench/): where the tracer stops, to measure each stage. */
enum trace_profile {
	TRACE_PROFILE_OFF = 0,
	TRACE_PROFILE_ATTACH = 1,	/* programs attached, each returns at once */
	TRACE_PROFILE_BUILD = 2,	/* records built and discarded, never submitted */
	TRACE_PROFILE_DROP = 3,		/* records submitted; the reader drops them undecoded */
	TRACE_PROFILE_DECODE = 4,	/* the reader decodes and filters, prints nothing */
};

#endif
