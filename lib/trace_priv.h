/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_priv.h - between the two halves of the tracing engine:
 * lib/trace_kernel.c (what the running kernel offers, which probe each
 * event gets) and lib/trace.c (the skeleton, the buffers, the poll loop).
 */
#ifndef DMABUF_TRACE_PRIV_H
#define DMABUF_TRACE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

#define TRACE_MAX_CANDS 5
#define TRACE_MAX_NAMES 3

/* One way to trace a site: a tracepoint, or a function by fentry or kprobe. */
struct trace_cand {
	unsigned int method;			/* TRACE_M_* */
	const char *names[TRACE_MAX_NAMES];	/* tracepoint, or functions newest name first */
	int nargs;				/* the function's arguments (fentry check) */
	const char *arg0;			/* struct its first argument points to, or NULL */
	const char *entry, *exit;		/* programs of bpf/trace.bpf.c, either may be NULL */
	bool session;				/* ENTRY runs at entry and exit: fsession */
	bool one_run;				/* --no-latency only: one program per call,
						 * and the site's only candidates then */
};

/* A place in the kernel one event comes from, with its ways in preference order. */
struct trace_site {
	unsigned int kind;			/* TRACE_EV_* */
	const char *label;			/* NULL, or which of the event's sites */
	bool tp_covered;			/* not needed when an earlier site of the same
						 * event is a tracepoint (it fires here too) */
	struct trace_cand cand[TRACE_MAX_CANDS];
};

extern const struct trace_site trace_sites[];
extern const size_t trace_nsites;

/* Refusals met at load or attach time, remembered across retries. */
struct trace_choice {
	int cand;				/* chosen index into cand[], -1: none */
	const char *func;			/* the tracepoint or function chosen */
	bool refused[TRACE_MAX_CANDS];
	char refusal[TRACE_MAX_CANDS][96];
};

struct trace_kernel;

/* Reads BTF, kallsyms and the config once; 0 or -errno with ERR set. */
int trace_kernel_open(struct trace_kernel **out, char *err, size_t errlen);
void trace_kernel_close(struct trace_kernel *k);
/*
 * Frees the parsed vmlinux BTF (5-6 MiB on a 7.x kernel) before the
 * skeleton's load, which parses its own copy: never two at once. The
 * next trace_kernel_choose() that needs it reads it again.
 */
void trace_kernel_drop_btf(struct trace_kernel *k);
/* The facts the programs are configured with. */
void trace_kernel_facts(const struct trace_kernel *k, struct dmabuf_trace_facts *f);
/* The kernel's value of BPF_TRACE_FSESSION (from its BTF), 0 if it has none. */
int trace_kernel_fsession(const struct trace_kernel *k);
/*
 * Picks the first candidate of SITE this kernel offers and has not refused
 * (C->refused), among the one-run candidates when NO_LATENCY and SITE has
 * any, else among the others; fills C and the --list-probes line P.
 * Returns 0, or -ENOENT when the site cannot be traced (P says why).
 */
int trace_kernel_choose(struct trace_kernel *k, const struct trace_site *site, bool no_latency,
			struct trace_choice *c, struct dmabuf_trace_probe *p);
/* Resolves a kernel text address; NULL if unknown. Loads kallsyms on first use. */
const char *trace_kernel_ksym(struct trace_kernel *k, unsigned long long addr,
			      unsigned long long *off);

#endif
