/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace.h - the dma-buf tracing engine (lib/trace.c, lib/trace_kernel.c)
 * and its pure parts: event decoding, names, filters (lib/trace_fmt.c), the
 * text and JSON form of an event (lib/trace_line.c, lib/trace_fmt.c) and the
 * summary (lib/trace_summary.c).
 *
 * Life of a trace: dmabuf_trace_open() probes the running kernel, picks per
 * event a tracepoint, fentry/fexit or kprobe, loads and attaches the BPF
 * programs (bpf/trace.bpf.c); dmabuf_trace_probes() tells what was chosen
 * and why; dmabuf_trace_poll() calls back once per decoded event;
 * dmabuf_trace_counts() has the lost and filtered counts;
 * dmabuf_trace_close() detaches everything.
 *
 * Meaning of the state fields (null when they do not apply to the event or
 * this kernel cannot tell):
 *   cached  attach/detach: the core mapped the buffer at attach and cached
 *           the table (importer and exporter disagree, kernels to 6.15);
 *           map/unmap: the core's cached table answered, the exporter was
 *           not called.
 *   pinned  attach/detach: the exporter was pinned at attach, until detach;
 *           map/unmap: the exporter is pinned for this mapping (by the map,
 *           or since attach when a cached table answered).
 */
#ifndef DMABUF_TRACE_H
#define DMABUF_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "json.h"
#include "trace_event.h"

/* --- events (lib/trace_fmt.c, lib/trace_line.c) -------------------------- */

/* One decoded record. Strings are the kernel's bytes, NUL-terminated, not escaped. */
struct dmabuf_trace_event {
	uint64_t ts_ns;			/* CLOCK_MONOTONIC */
	unsigned int kind;		/* TRACE_EV_* */
	unsigned int method;		/* TRACE_M_* */
	uint32_t pid, tid;
	char comm[TRACE_COMM_LEN + 1];
	bool has_buf;			/* ino, size, exporter are valid */
	uint64_t ino, size;
	char exporter[TRACE_EXP_NAME_LEN + 1];
	bool has_name;
	char name[TRACE_NAME_LEN + 1];
	bool has_device;
	char device[TRACE_DEV_LEN + 1];
	int dir;			/* enum dma_data_direction, -1: none */
	int importer_dynamic, exporter_dynamic, p2p, cached, pinned;	/* 1, 0, -1 null */
	bool has_latency;
	uint64_t latency_ns;
	bool has_ret;
	int64_t ret;
	bool has_fd;
	int fd;
	int resv;			/* TRACE_RESV_*, -1: not checked */
	unsigned int contract;		/* TRACE_CONTRACT(code, rule); 0: fine */
	bool is_move;
	unsigned int notified, attachments;
	char notified_dev[TRACE_MOVE_DEVS][TRACE_DEV_LEN + 1];
	bool has_stack;
	uint32_t stack_id;
	uint64_t attach;		/* the attachment's kernel address, 0: none */
};

/* Decodes one record of LEN bytes; 0, or -EINVAL for a malformed one. */
int dmabuf_trace_decode(const void *data, size_t len, struct dmabuf_trace_event *ev);

/* The stable event name (JSON "event", -e), NULL for an unknown kind. */
const char *dmabuf_trace_event_name(unsigned int kind);
/* "bidirectional", "to_device", "from_device", "none"; NULL for -1. */
const char *dmabuf_trace_dir_name(int dir);
const char *dmabuf_trace_method_name(unsigned int method);
/* The violation in words into BUF; returns false (BUF "") when there is none. */
bool dmabuf_trace_contract_text(unsigned int contract, char *buf, size_t size);

/*
 * Parses a comma-separated list of event names into a mask of
 * 1 << TRACE_EV_*; 0, or -EINVAL with the first unknown name in BAD.
 */
int dmabuf_trace_parse_events(const char *list, uint32_t *mask, char *bad, size_t badlen);

struct dmabuf_trace_filter {
	uint32_t events;		/* 1 << TRACE_EV_*, 0: all */
	pid_t pid;			/* process (tgid), 0: any */
	const char *comm;		/* exact, NULL: any */
	const char *exporter;		/* exact exporter name, NULL: any */
	const char *device;		/* exact device name, NULL: any */
	uint64_t ino;			/* 0: any */
};

bool dmabuf_trace_filter_match(const struct dmabuf_trace_filter *f,
			       const struct dmabuf_trace_event *ev);

/* The column header and one event line (no newline), under 100 columns. */
const char *dmabuf_trace_header(void);
void dmabuf_trace_line(char *buf, size_t size, const struct dmabuf_trace_event *ev,
		       uint64_t t0_ns);
/* One JSON object; STACK (NSTACK symbolized frames) only with --stack. */
void dmabuf_trace_json(struct json_writer *jw, const struct dmabuf_trace_event *ev,
		       const char *const *stack, int nstack);
/*
 * The same object as the compact writer prints it, into BUF (SIZE bytes,
 * NUL-terminated), without a newline; returns the length it needs, like
 * snprintf (>= SIZE: cut, call again with more room). For the reader's
 * stream of events: no writer state, no per-member calls.
 */
size_t dmabuf_trace_json_line(char *buf, size_t size, const struct dmabuf_trace_event *ev,
			      const char *const *stack, int nstack);

/* --- summary (lib/trace_summary.c) --------------------------------------- */

enum dmabuf_trace_group {
	DMABUF_TRACE_BY_EXPORTER,
	DMABUF_TRACE_BY_DEVICE,
	DMABUF_TRACE_BY_PROCESS,
	DMABUF_TRACE_GROUPS,
};

#define DMABUF_TRACE_HIST_SLOTS 32	/* log2 buckets of latency in ns */

struct dmabuf_trace_summary;

struct dmabuf_trace_summary *dmabuf_trace_summary_new(void);
void dmabuf_trace_summary_free(struct dmabuf_trace_summary *s);
void dmabuf_trace_summary_reset(struct dmabuf_trace_summary *s);
/* Counts EV under its exporter, its device (if any) and its process; 0 or -ENOMEM. */
int dmabuf_trace_summary_add(struct dmabuf_trace_summary *s, const struct dmabuf_trace_event *ev);
/* Events of KIND counted for KEY (exporter, device, or "PID" for a process). */
uint64_t dmabuf_trace_summary_count(const struct dmabuf_trace_summary *s,
				    enum dmabuf_trace_group g, const char *key, unsigned int kind);
/* The latency histogram of KIND for KEY (DMABUF_TRACE_HIST_SLOTS counts), NULL if none. */
const uint64_t *dmabuf_trace_summary_hist(const struct dmabuf_trace_summary *s,
					  enum dmabuf_trace_group g, const char *key,
					  unsigned int kind);
/*
 * Counts of one (exporter, device, process, event kind) as the kernel
 * aggregates them with --summary; merged by name into the three groups.
 */
struct dmabuf_trace_agg {
	unsigned int kind;		/* TRACE_EV_* */
	const char *exporter;		/* NULL: no buffer */
	const char *device;		/* NULL: no device */
	uint32_t pid;
	const char *comm;
	uint64_t count;
	uint64_t lat_n, lat_sum, lat_min, lat_max;
	const uint64_t *hist;		/* DMABUF_TRACE_HIST_SLOTS counts, NULL when lat_n is 0 */
};

/* Adds A under its exporter (if any), its device (if any) and its process; 0 or -errno. */
int dmabuf_trace_summary_merge(struct dmabuf_trace_summary *s, const struct dmabuf_trace_agg *a);
/* Latencies were not measured (--no-latency): the summary says so. */
void dmabuf_trace_summary_no_latency(struct dmabuf_trace_summary *s);
void dmabuf_trace_summary_print(const struct dmabuf_trace_summary *s, FILE *f);
void dmabuf_trace_summary_json(const struct dmabuf_trace_summary *s, struct json_writer *jw);

/* --- outstanding buffers (lib/trace_outstanding.c) ----------------------- */

/*
 * --outstanding: the buffers exported while tracing and not released by the
 * end. Fed the decoded events (needs export and release, and every release:
 * no task or device filter).
 */
#define DMABUF_TRACE_OUTSTANDING_MAX (1u << 18)	/* buffers followed at once */

struct dmabuf_trace_live_buf {
	uint64_t ts_ns, ino, size;	/* of its export */
	uint32_t pid, tid;
	char comm[TRACE_COMM_LEN + 1];
	char exporter[TRACE_EXP_NAME_LEN + 1];
	bool has_name;
	char name[TRACE_NAME_LEN + 1];
	char *stack;			/* export stack, a frame per line; NULL: none */
	/* at the end, from a snapshot (dmabuf_trace_outstanding_resolve) */
	int present;			/* 1 there, 0 not there, -1 not looked */
	long file_count;		/* file references, -1 unknown */
	struct dmabuf_trace_holder {
		uint32_t pid;
		char comm[17];
		unsigned int fds, maps;
	} *holders;			/* the processes with an fd or a mapping of it */
	unsigned int n_holders;
};

struct dmabuf_trace_outstanding_counts {
	uint64_t exported;		/* exports seen */
	uint64_t released;		/* releases of those */
	uint64_t untracked;		/* exports not followed (MAX reached, no memory) */
};

struct dmabuf_trace_outstanding;

/* MAX buffers followed at once, 0: DMABUF_TRACE_OUTSTANDING_MAX. */
struct dmabuf_trace_outstanding *dmabuf_trace_outstanding_new(size_t max);
void dmabuf_trace_outstanding_free(struct dmabuf_trace_outstanding *o);
/*
 * Follows EV: an export adds its buffer (FRAMES, N: its stack, or none), a
 * release removes it, any other event of it with a name names it (a buffer
 * is named after its export). 0, or -ENOMEM (the buffer counts as
 * untracked).
 */
int dmabuf_trace_outstanding_add(struct dmabuf_trace_outstanding *o,
				 const struct dmabuf_trace_event *ev, const char *const *frames,
				 int n);
/*
 * What snapshot S (of the end of the trace) says of each buffer left: there
 * or not, its file references, its name, the processes that hold it.
 * 0 or -ENOMEM.
 */
struct dmabuf_snapshot;
int dmabuf_trace_outstanding_resolve(struct dmabuf_trace_outstanding *o,
				     struct dmabuf_snapshot *s);
/* The buffers left, oldest export first (*N; valid until the next add), or NULL. */
const struct dmabuf_trace_live_buf **
dmabuf_trace_outstanding_list(struct dmabuf_trace_outstanding *o, size_t *n,
			      struct dmabuf_trace_outstanding_counts *c);
/* The list as text (times from T0_NS), or as the "outstanding" member of an object. */
int dmabuf_trace_outstanding_print(struct dmabuf_trace_outstanding *o, FILE *f, uint64_t t0_ns);
int dmabuf_trace_outstanding_json(struct dmabuf_trace_outstanding *o, struct json_writer *jw);

/* --- the engine (lib/trace.c) -------------------------------------------- */

#define DMABUF_TRACE_DEFAULT_BUFFER (8u << 20)

struct dmabuf_trace_opts {
	struct dmabuf_trace_filter filter;
	bool stack;			/* kernel stacks (--stack) */
	size_t buffer_size;		/* bytes, 0: DMABUF_TRACE_DEFAULT_BUFFER */
	bool perf_buffer;		/* use the perf buffer even where a ring buffer works */
	bool list_only;			/* choose the probes and stop: --list-probes where
					 * nothing attaches */
	bool summary;			/* aggregate in the kernel, no events: read the counts
					 * with dmabuf_trace_summary_take() */
	bool no_latency;		/* map/unmap by one program per call at entry: no
					 * latency, no return value (--no-latency) */
};

/* One line of --list-probes: a place an event comes from. */
struct dmabuf_trace_probe {
	unsigned int kind;		/* TRACE_EV_* */
	const char *site;		/* e.g. "fd" for mmap of a dma-buf fd, NULL: the event itself */
	unsigned int method;		/* TRACE_M_*, TRACE_M_NONE: not traced */
	char target[64];		/* tracepoint or function */
	char reason[200];
};

/* Kernel facts the programs and the contract check were set up with. */
struct dmabuf_trace_facts {
	bool cache_era;			/* attach-time mapping cache (to 6.15) */
	bool all_callers_lock;		/* map/unmap/vmap need the resv of every caller */
	unsigned int move_notify;	/* TRACE_MN_* */
	char move_notify_why[96];
	char lock_rule_why[96];
	bool perf_buffer;
	size_t buffer_size;		/* ring bytes, or perf bytes per CPU */
};

struct dmabuf_trace_counts {
	uint64_t events;		/* records the programs submitted (--summary: counted
					 * and taken) */
	uint64_t lost;			/* records that found the buffer full */
	uint64_t filtered;		/* calls the in-kernel filters dropped */
	uint64_t inflight_full, stack_lost, bad_records;
	uint64_t violations;		/* events that broke the contract (after the filters) */
	uint64_t summary_full;		/* --summary: events the kernel's table had no room for */
};

struct dmabuf_trace;

/*
 * Opens, loads and attaches; 0 or -errno with a specific message in ERR:
 * -ENOENT no kernel BTF, -EPERM not privileged, -EOPNOTSUPP nothing could
 * attach, others from libbpf.
 */
int dmabuf_trace_open(const struct dmabuf_trace_opts *o, struct dmabuf_trace **out,
		      char *err, size_t errlen);
size_t dmabuf_trace_probes(const struct dmabuf_trace *t, const struct dmabuf_trace_probe **p);
const struct dmabuf_trace_facts *dmabuf_trace_facts(const struct dmabuf_trace *t);

typedef int (*dmabuf_trace_cb)(void *ctx, const struct dmabuf_trace_event *ev);

/*
 * Waits up to TIMEOUT_MS, then hands every pending event that passes the
 * filter to CB (a nonzero return stops). Returns the events handed over, or
 * -errno (-EINTR when a signal came: not an error).
 */
int dmabuf_trace_poll(struct dmabuf_trace *t, int timeout_ms, dmabuf_trace_cb cb, void *ctx);
void dmabuf_trace_counts(struct dmabuf_trace *t, struct dmabuf_trace_counts *c);
/*
 * With opts.summary: moves what the kernel counted since the last call into
 * S (in the order the kernel first saw each key); 0 or -errno.
 */
int dmabuf_trace_summary_take(struct dmabuf_trace *t, struct dmabuf_trace_summary *s);
/*
 * The kernel stack of STACK_ID as "symbol+0xoff" strings (valid until the
 * next call); returns how many, at most MAX.
 */
int dmabuf_trace_stack(struct dmabuf_trace *t, uint32_t stack_id, const char **frames, int max);
void dmabuf_trace_close(struct dmabuf_trace *t);

#endif
