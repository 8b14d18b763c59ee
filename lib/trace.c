// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * trace.c - the tracing engine: owns the skeleton of bpf/trace.bpf.c.
 *
 * Lifecycle, libbpf-tools style: trace_bpf__open_opts() -> every program
 * autoload off, on for the probes lib/trace_kernel.c chose, attach targets
 * and rodata filters set -> __load() -> attach each chosen program -> ring
 * buffer (perf buffer where the kernel has none) -> poll -> one teardown.
 * A program the kernel refuses at load or attach is remembered with the
 * kernel's reason, its event falls back to the next method (tracepoint ->
 * fentry/fexit -> kprobe), and the whole object is opened again: a load is
 * all or nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpflog.h"
#include "trace_priv.h"
#include "bpf/trace.skel.h"	/* generated into the output dir */

_Static_assert(DMABUF_TRACE_HIST_SLOTS == TRACE_SUM_SLOTS, "one histogram layout");

#define MAX_ATTEMPTS 12
#define MAX_LINKS 64
#define PERF_MIN_PAGES 8
/* a poll that took fewer records waits this long before the next (dmabuf_trace_poll) */
#define POLL_BATCH 1024
#define POLL_PAUSE_NS 1000000

struct dmabuf_trace {
	struct trace_bpf *skel;
	struct trace_kernel *k;
	struct dmabuf_trace_opts o;
	struct trace_choice choice[32];
	struct dmabuf_trace_probe probes[32];
	struct dmabuf_trace_facts facts;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	uint64_t perf_lost, bad_records;
	/* the poll in progress */
	dmabuf_trace_cb cb;
	void *cb_ctx;
	int handled;
	bool stop;
	unsigned int profile;	/* TRACE_PROFILE_*, from DMABUF_TRACE_PROFILE (bench/) */
	bool task_storage;	/* calls in flight in task storage, else in a hash */
	uint64_t summary_events;	/* --summary: the counts taken so far */
	/* stack frames handed out by dmabuf_trace_stack() */
	char frames[TRACE_STACK_DEPTH][160];
};

/* --- configuration ------------------------------------------------------- */

static size_t pow2_at_least(size_t v, size_t min)
{
	size_t p = min;

	while (p < v && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

static void set_string(volatile char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i < size; i++)
		dst[i] = '\0';
	for (i = 0; src && src[i] && i < size - 1; i++)
		dst[i] = src[i];
}

static int configure(struct dmabuf_trace *t)
{
	struct trace_bpf *s = t->skel;
	const struct dmabuf_trace_filter *f = &t->o.filter;
	struct bpf_program *prog;
	size_t i;
	int err;

	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < trace_nsites; i++) {
		const struct trace_choice *c = &t->choice[i];
		const struct trace_cand *cand;
		const char *names[2];
		int j;

		if (c->cand < 0)
			continue;
		cand = &trace_sites[i].cand[c->cand];
		names[0] = cand->entry;
		names[1] = cand->exit;
		for (j = 0; j < 2; j++) {
			if (!names[j])
				continue;
			prog = bpf_object__find_program_by_name(s->obj, names[j]);
			if (!prog)
				return -ENOENT;
			bpf_program__set_autoload(prog, true);
			/* before the target: libbpf looks it up by the attach type */
			if (cand->session)
				err = bpf_program__set_expected_attach_type(prog,
					(enum bpf_attach_type)trace_kernel_fsession(t->k));
			if (cand->session && err)
				return err;
			if (cand->method != TRACE_M_KPROBE) {
				err = bpf_program__set_attach_target(prog, 0, c->func);
				if (err)
					return err;
			}
		}
	}
	s->rodata->event_mask = f->events ? f->events : 0xffffffffu;
	s->rodata->filter_tgid = (__u32)f->pid;
	s->rodata->filter_ino = f->ino;
	s->rodata->filter_comm_on = f->comm != NULL;
	set_string(s->rodata->filter_comm, TRACE_COMM_LEN, f->comm);
	s->rodata->filter_exp_on = f->exporter != NULL;
	set_string(s->rodata->filter_exp, TRACE_EXP_NAME_LEN, f->exporter);
	s->rodata->filter_dev_on = f->device != NULL;
	set_string(s->rodata->filter_dev, TRACE_DEV_LEN, f->device);
	s->rodata->want_stack = t->o.stack;
	s->rodata->all_callers_lock = t->facts.all_callers_lock;
	s->rodata->move_notify = t->facts.move_notify;
	s->rodata->use_perfbuf = t->facts.perf_buffer;
	s->rodata->wakeup_bytes = t->facts.buffer_size / 8;
	s->rodata->profile = t->profile;
	s->rodata->summary = t->o.summary;
	s->rodata->use_task_storage = t->task_storage;

	if (t->facts.perf_buffer) {
		err = bpf_map__set_type(s->maps.dt_events, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
		err = err ?: bpf_map__set_key_size(s->maps.dt_events, sizeof(__u32));
		err = err ?: bpf_map__set_value_size(s->maps.dt_events, sizeof(__u32));
		err = err ?: bpf_map__set_max_entries(s->maps.dt_events, 0);
	} else {
		err = bpf_map__set_max_entries(s->maps.dt_events, (__u32)t->facts.buffer_size);
	}
	/* stacks are per event: none with --summary */
	if (!err && (!t->o.stack || t->o.summary))
		err = bpf_map__set_max_entries(s->maps.dt_stacks, 1);
	if (!err && !t->o.summary)
		err = bpf_map__set_max_entries(s->maps.dt_sum, 1) ?:
		      bpf_map__set_max_entries(s->maps.dt_sum_idx, 1) ?:
		      bpf_map__set_max_entries(s->maps.dt_sum_free, 1);
	if (!err && t->task_storage)
		err = bpf_map__set_max_entries(s->maps.dt_inflight, 1);
	/* a kernel without task storage cannot even create the map: a stand-in */
	if (!err && libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) != 1) {
		err = bpf_map__set_type(s->maps.dt_calls, BPF_MAP_TYPE_ARRAY);
		err = err ?: bpf_map__set_map_flags(s->maps.dt_calls, 0);
		err = err ?: bpf_map__set_max_entries(s->maps.dt_calls, 1);
	}
	return err;
}

/* --- load and attach ----------------------------------------------------- */

static void refuse(struct dmabuf_trace *t, size_t site, const char *what, const char *why)
{
	struct trace_choice *c = &t->choice[site];

	if (c->cand < 0)
		return;
	c->refused[c->cand] = true;
	snprintf(c->refusal[c->cand], sizeof(c->refusal[c->cand]), "%s %s %s: %.60s",
		 dmabuf_trace_method_name(trace_sites[site].cand[c->cand].method), c->func, what,
		 why);
}

static int site_of_prog(const char *name)
{
	size_t i;
	int j;

	for (i = 0; i < trace_nsites; i++)
		for (j = 0; j < TRACE_MAX_CANDS; j++) {
			const struct trace_cand *c = &trace_sites[i].cand[j];

			if ((c->entry && !strcmp(c->entry, name)) || (c->exit && !strcmp(c->exit, name)))
				return (int)i;
		}
	return -1;
}

static void detach_all(struct dmabuf_trace *t)
{
	while (t->nlinks > 0)
		bpf_link__destroy(t->links[--t->nlinks]);
	trace_bpf__destroy(t->skel);
	t->skel = NULL;
}

/*
 * Attaches the chosen programs. A refusal marks its site and the others go
 * on, so one more load settles every refusal at once; returns the number of
 * refusals, or -errno.
 */
static int attach_all(struct dmabuf_trace *t)
{
	int j, refused = 0;
	size_t i;

	for (i = 0; i < trace_nsites; i++) {
		const struct trace_choice *c = &t->choice[i];
		const struct trace_cand *cand;

		if (c->cand < 0)
			continue;
		cand = &trace_sites[i].cand[c->cand];
		for (j = 0; j < 2; j++) {
			const char *name = j ? cand->exit : cand->entry;
			struct bpf_program *prog;
			struct bpf_link *link;

			if (!name)
				continue;
			prog = bpf_object__find_program_by_name(t->skel->obj, name);
			if (cand->method == TRACE_M_KPROBE)
				link = bpf_program__attach_kprobe(prog, j == 1, c->func);
			else
				link = bpf_program__attach(prog);
			if (!link) {
				refuse(t, i, "attach", strerror(errno));
				refused++;
				break;
			}
			if (t->nlinks == MAX_LINKS) {
				bpf_link__destroy(link);
				return -E2BIG;
			}
			t->links[t->nlinks++] = link;
		}
	}
	return refused;
}

/* --summary: every slot of dt_sum is free before the programs attach. */
static int sum_free_all(struct dmabuf_trace *t)
{
	int fd = bpf_map__fd(t->skel->maps.dt_sum_free);
	__u32 slot;

	for (slot = 0; slot < TRACE_SUM_ENTRIES; slot++)
		if (bpf_map_update_elem(fd, NULL, &slot, BPF_ANY))
			return -errno;
	return 0;
}

/* Did a site before BEFORE of event KIND get its tracepoint? */
static bool tp_chosen(const struct dmabuf_trace *t, unsigned int kind, size_t before)
{
	size_t i;

	for (i = 0; i < before; i++)
		if (trace_sites[i].kind == kind && t->probes[i].method == TRACE_M_TRACEPOINT)
			return true;
	return false;
}

/* Chooses a probe per site; the sites of events -e left out load nothing. */
static int choose_all(struct dmabuf_trace *t)
{
	uint32_t mask = t->o.filter.events;
	size_t i, traced = 0;

	for (i = 0; i < trace_nsites; i++) {
		struct dmabuf_trace_probe *p = &t->probes[i];

		if (mask && !(mask & (1u << trace_sites[i].kind))) {
			t->choice[i].cand = -1;
			memset(p, 0, sizeof(*p));
			p->kind = trace_sites[i].kind;
			p->site = trace_sites[i].label;
			snprintf(p->target, sizeof(p->target), "-");
			snprintf(p->reason, sizeof(p->reason), "not selected (-e)");
			continue;
		}
		if (trace_sites[i].tp_covered && tp_chosen(t, trace_sites[i].kind, i)) {
			t->choice[i].cand = -1;
			memset(p, 0, sizeof(*p));
			p->kind = trace_sites[i].kind;
			p->site = trace_sites[i].label;
			snprintf(p->target, sizeof(p->target), "-");
			snprintf(p->reason, sizeof(p->reason), "covered by the tracepoint of %s",
				 dmabuf_trace_event_name(p->kind));
			continue;
		}
		if (!trace_kernel_choose(t->k, &trace_sites[i], t->o.no_latency, &t->choice[i], p))
			traced++;
	}
	return traced ? 0 : -EOPNOTSUPP;
}

/* Why the map event, the one that matters most, cannot be traced. */
static const char *map_reason(const struct dmabuf_trace *t)
{
	size_t i;

	for (i = 0; i < trace_nsites; i++)
		if (trace_sites[i].kind == TRACE_EV_MAP)
			return t->probes[i].reason;
	return "";
}

static int load_attach(struct dmabuf_trace *t, char *err, size_t errlen)
{
	char prog[64];
	int attempt, ret;

	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		int site;

		ret = choose_all(t);
		if (t->o.list_only)
			return 0;
		if (ret) {
			snprintf(err, errlen, "nothing can be traced on this kernel (see "
				 "--list-probes); map: %s", map_reason(t));
			return ret;
		}
		/*
		 * The choice is made: our parse of the vmlinux BTF goes before
		 * libbpf makes its own (for the attach targets and CO-RE), so
		 * the peak holds one copy, not two. A retry reads it again.
		 */
		trace_kernel_drop_btf(t->k);
		bpflog_clear();
		t->skel = trace_bpf__open();
		if (!t->skel) {
			ret = -errno;
			snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
			return ret;
		}
		ret = configure(t);
		if (ret) {
			snprintf(err, errlen, "cannot configure the BPF object: %s", strerror(-ret));
			return ret;
		}
		ret = trace_bpf__load(t->skel);
		if (ret) {
			site = bpflog_failed_prog(prog, sizeof(prog)) ? site_of_prog(prog) : -1;
			if (ret == -EPERM || site < 0) {
				snprintf(err, errlen, "the kernel refused the BPF programs: %s%s%s",
					 strerror(-ret), bpflog_last()[0] ? ": " : "",
					 bpflog_last());
				return ret;
			}
			refuse(t, (size_t)site, "load", strerror(-ret));
			detach_all(t);
			continue;
		}
		ret = t->o.summary ? sum_free_all(t) : 0;
		if (ret) {
			snprintf(err, errlen, "cannot fill the summary's free slots: %s",
				 strerror(-ret));
			return ret;
		}
		ret = attach_all(t);
		if (ret < 0) {
			snprintf(err, errlen, "cannot attach: %s", strerror(-ret));
			return ret;
		}
		if (!ret)
			return 0;
		detach_all(t);
	}
	snprintf(err, errlen, "the kernel keeps refusing the BPF programs (see --list-probes)");
	return -EOPNOTSUPP;
}

/* --- events -------------------------------------------------------------- */

static int deliver(struct dmabuf_trace *t, const void *data, size_t size)
{
	struct dmabuf_trace_event ev;

	if (t->stop || t->profile == TRACE_PROFILE_DROP)
		return 0;
	if (dmabuf_trace_decode(data, size, &ev)) {
		t->bad_records++;
		return 0;
	}
	if (!dmabuf_trace_filter_match(&t->o.filter, &ev))
		return 0;
	/*
	 * --no-latency: the entry/exit pairs left (pin, CPU access) still time
	 * their calls; dropped here, not in the programs, which stay as they are
	 */
	if (t->o.no_latency) {
		ev.has_latency = false;
		ev.latency_ns = 0;
	}
	t->handled++;
	if (t->profile == TRACE_PROFILE_DECODE)
		return 0;
	if (t->cb(t->cb_ctx, &ev))
		t->stop = true;
	return 0;
}

static int on_ring(void *ctx, void *data, size_t size)
{
	return deliver(ctx, data, size);
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	deliver(ctx, data, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 cnt)
{
	(void)cpu;
	((struct dmabuf_trace *)ctx)->perf_lost += cnt;
}

static int open_buffer(struct dmabuf_trace *t, char *err, size_t errlen)
{
	int fd = bpf_map__fd(t->skel->maps.dt_events);

	if (t->facts.perf_buffer) {
		long page = sysconf(_SC_PAGESIZE);
		size_t pages = pow2_at_least(t->facts.buffer_size / (size_t)page, PERF_MIN_PAGES);

		t->pb = perf_buffer__new(fd, pages, on_perf, on_perf_lost, t, NULL);
		if (!t->pb) {
			snprintf(err, errlen, "cannot open the perf buffer: %s", strerror(errno));
			return -errno;
		}
		t->facts.buffer_size = pages * (size_t)page;
		return 0;
	}
	t->rb = ring_buffer__new(fd, on_ring, t, NULL);
	if (!t->rb) {
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* DMABUF_TRACE_PROFILE=attach|build|drop|decode: the stage to stop at (bench/). */
static unsigned int profile_stage(void)
{
	static const char *const names[] = { "", "attach", "build", "drop", "decode" };
	const char *v = getenv("DMABUF_TRACE_PROFILE");
	unsigned int i;

	for (i = 1; v && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i]))
			return i;
	return TRACE_PROFILE_OFF;
}

/* --- the API ------------------------------------------------------------- */

static int check_privileges(char *err, size_t errlen)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, sizeof(__u32), sizeof(__u32), 1, NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (fd == -EPERM || fd == -EACCES) {
		snprintf(err, errlen, "not allowed to use BPF: run as root (CAP_BPF and "
			 "CAP_PERFMON, or CAP_SYS_ADMIN)");
		return -EPERM;
	}
	snprintf(err, errlen, "the kernel has no usable bpf() system call: %s", strerror(-fd));
	return fd;
}

int dmabuf_trace_open(const struct dmabuf_trace_opts *o, struct dmabuf_trace **out,
		      char *err, size_t errlen)
{
	struct dmabuf_trace *t;
	libbpf_print_fn_t old;
	size_t i;
	int ret;

	*out = NULL;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen, "the kernel has no BTF (/sys/kernel/btf/vmlinux: %s); "
			 "it needs CONFIG_DEBUG_INFO_BTF=y", strerror(errno));
		return -ENOENT;
	}
	ret = check_privileges(err, errlen);
	if (ret)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->o = *o;
	t->profile = profile_stage();
	old = bpflog_begin();
	ret = trace_kernel_open(&t->k, err, errlen);
	if (ret)
		goto fail;
	trace_kernel_facts(t->k, &t->facts);
	t->facts.perf_buffer = o->perf_buffer ||
			       libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1;
	/*
	 * Task storage came with 5.11, the ring buffer with 5.8: where the perf
	 * buffer is used (also when asked, for the tests), so is the hash of
	 * calls in flight, as on the kernels that need it.
	 */
	t->task_storage = !t->facts.perf_buffer &&
			  libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	t->facts.buffer_size = pow2_at_least(o->buffer_size ? o->buffer_size :
					     DMABUF_TRACE_DEFAULT_BUFFER,
					     (size_t)sysconf(_SC_PAGESIZE));
	for (i = 0; i < trace_nsites; i++)
		t->choice[i].cand = -1;
	ret = load_attach(t, err, errlen);
	if (ret)
		goto fail;
	ret = o->list_only ? 0 : open_buffer(t, err, errlen);
	if (ret)
		goto fail;
	bpflog_end(old);
	*out = t;
	return 0;
fail:
	bpflog_end(old);
	dmabuf_trace_close(t);
	return ret;
}

size_t dmabuf_trace_probes(const struct dmabuf_trace *t, const struct dmabuf_trace_probe **p)
{
	*p = t->probes;
	return trace_nsites;
}

const struct dmabuf_trace_facts *dmabuf_trace_facts(const struct dmabuf_trace *t)
{
	return &t->facts;
}

int dmabuf_trace_poll(struct dmabuf_trace *t, int timeout_ms, dmabuf_trace_cb cb, void *ctx)
{
	int ret;

	t->cb = cb;
	t->cb_ctx = ctx;
	t->handled = 0;
	t->stop = false;
	if (t->pb) {
		ret = perf_buffer__poll(t->pb, timeout_ms);
	} else {
		int taken;

		ret = ring_buffer__poll(t->rb, timeout_ms);
		taken = ret;
		/* records submitted without a wakeup wait for the next poll: take them now */
		if (ret >= 0 && !t->stop) {
			ret = ring_buffer__consume(t->rb);
			taken += ret > 0 ? ret : 0;
		}
		/*
		 * The ring wakes a poll as soon as it holds one record (or one
		 * still being written: then the poll takes nothing and would
		 * spin). Unless this poll found a backlog, let a batch gather:
		 * each poll costs system calls and a flush of the output.
		 */
		if (taken >= 0 && taken < POLL_BATCH && timeout_ms > 0 && !t->stop) {
			struct timespec pause = { 0, POLL_PAUSE_NS };

			nanosleep(&pause, NULL);
		}
	}
	if (ret < 0 && ret != -EINTR)
		return ret;
	return ret == -EINTR && !t->handled ? -EINTR : t->handled;
}

void dmabuf_trace_counts(struct dmabuf_trace *t, struct dmabuf_trace_counts *c)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 sum[TRACE_CNT__COUNT] = { 0 };
	__u32 key;
	int cpu;

	memset(c, 0, sizeof(*c));
	if (ncpu > 0) {
		__u64 *vals = calloc((size_t)ncpu, sizeof(*vals));

		for (key = 0; vals && key < TRACE_CNT__COUNT; key++) {
			if (bpf_map__lookup_elem(t->skel->maps.dt_counters, &key, sizeof(key), vals,
						 (size_t)ncpu * sizeof(*vals), 0))
				continue;
			for (cpu = 0; cpu < ncpu; cpu++)
				sum[key] += vals[cpu];
		}
		free(vals);
	}
	c->events = sum[TRACE_CNT_EVENTS] + t->summary_events;
	c->lost = sum[TRACE_CNT_LOST] + t->perf_lost;
	c->filtered = sum[TRACE_CNT_FILTERED];
	c->inflight_full = sum[TRACE_CNT_INFLIGHT_FULL];
	c->stack_lost = sum[TRACE_CNT_STACK_LOST];
	c->bad_records = t->bad_records;
	c->violations = sum[TRACE_CNT_VIOLATIONS];
	c->summary_full = sum[TRACE_CNT_SUM_FULL];
}

static int cmp_first(const void *a, const void *b)
{
	const struct trace_sum_val *x = a, *y = b;

	return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
}

static void cstr(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Takes what the slots counted since the last report: each slot is read,
 * then its counts are zeroed (a count the kernel adds between the two is
 * lost: only while a report is taken, only for that slot). A slot that
 * counted nothing since is freed: its key leaves dt_sum_idx, the slot is
 * cleared (a memo of it no longer matches) and goes back to dt_sum_free.
 */
int dmabuf_trace_summary_take(struct dmabuf_trace *t, struct dmabuf_trace_summary *s)
{
	int vfd = bpf_map__fd(t->skel->maps.dt_sum), ifd = bpf_map__fd(t->skel->maps.dt_sum_idx);
	int ffd = bpf_map__fd(t->skel->maps.dt_sum_free), ret = 0;
	struct trace_sum_key key, next;
	struct trace_sum_val *all, zero;
	size_t n = 0, nidle = 0, i;
	__u32 slot, *idle;
	void *prev = NULL;

	all = calloc(TRACE_SUM_ENTRIES, sizeof(*all));
	idle = calloc(TRACE_SUM_ENTRIES, sizeof(*idle));
	if (!all || !idle) {
		free(all);
		free(idle);
		return -ENOMEM;
	}
	while (n + nidle < TRACE_SUM_ENTRIES && !bpf_map_get_next_key(ifd, prev, &next)) {
		struct trace_sum_val *v = &all[n];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(ifd, &key, &slot) || bpf_map_lookup_elem(vfd, &slot, v) ||
		    memcmp(&v->key, &key, sizeof(key)))
			continue;	/* being made by the kernel: the next report has it */
		if (!v->count) {
			idle[nidle++] = slot;
			continue;
		}
		zero = *v;
		memset(&zero.count, 0, offsetof(struct trace_sum_val, exporter) -
		       offsetof(struct trace_sum_val, count));
		bpf_map_update_elem(vfd, &slot, &zero, BPF_ANY);
		n++;
	}
	/* idle since the last report: the key goes, the slot is cleared and freed */
	memset(&zero, 0, sizeof(zero));
	for (i = 0; i < nidle; i++) {
		/* counting again since the walk: kept */
		if (bpf_map_lookup_elem(vfd, &idle[i], &all[n]) || all[n].count)
			continue;
		bpf_map_delete_elem(ifd, &all[n].key);
		bpf_map_update_elem(vfd, &idle[i], &zero, BPF_ANY);
		bpf_map_update_elem(ffd, NULL, &idle[i], BPF_ANY);
	}
	free(idle);
	qsort(all, n, sizeof(*all), cmp_first);
	for (i = 0; i < n && !ret; i++) {
		const struct trace_sum_val *v = &all[i];
		char exp[TRACE_EXP_NAME_LEN + 1], dev[TRACE_DEV_LEN + 1], comm[TRACE_COMM_LEN + 1];
		uint64_t hist[TRACE_SUM_SLOTS];
		struct dmabuf_trace_agg a = {
			.kind = TRACE_SUM_KIND(v->key.kind),
			.exporter = v->key.kind & TRACE_SUM_HAS_BUF ? exp : NULL,
			.device = v->key.kind & TRACE_SUM_HAS_DEV ? dev : NULL,
			.pid = v->key.tgid,
			.comm = comm,
			.count = v->count,
			.lat_n = t->o.no_latency ? 0 : v->lat_n,
			.lat_sum = v->lat_sum,
			.lat_min = v->lat_min,
			.lat_max = v->lat_max,
			.hist = v->lat_n && !t->o.no_latency ? hist : NULL,
		};
		unsigned int h;

		for (h = 0; h < TRACE_SUM_SLOTS; h++)
			hist[h] = v->hist[h];
		cstr(exp, v->exporter, sizeof(v->exporter));
		cstr(dev, v->device, sizeof(v->device));
		cstr(comm, v->comm, sizeof(v->comm));
		t->summary_events += a.count;
		ret = dmabuf_trace_summary_merge(s, &a);
	}
	free(all);
	return ret;
}

int dmabuf_trace_stack(struct dmabuf_trace *t, uint32_t stack_id, const char **frames, int max)
{
	__u64 ips[TRACE_STACK_DEPTH] = { 0 };
	int fd = bpf_map__fd(t->skel->maps.dt_stacks), n = 0, i;

	/*
	 * Not deleted after the read: events with the same stack share its id,
	 * and one still in the ring would find it gone. An id keeps its stack
	 * (no BPF_F_REUSE_STACKID), so the table holds each distinct stack once.
	 */
	if (bpf_map_lookup_elem(fd, &stack_id, ips))
		return 0;
	for (i = 0; i < TRACE_STACK_DEPTH && n < max && ips[i]; i++) {
		unsigned long long off = 0;
		const char *sym = trace_kernel_ksym(t->k, ips[i], &off);

		/* a module's symbol is "name [module]": the offset goes after the name */
		if (sym)
			snprintf(t->frames[n], sizeof(t->frames[n]), "%.*s+0x%llx%s",
				 (int)strcspn(sym, " "), sym, off, sym + strcspn(sym, " "));
		else
			snprintf(t->frames[n], sizeof(t->frames[n]), "0x%llx",
				 (unsigned long long)ips[i]);
		frames[n] = t->frames[n];
		n++;
	}
	return n;
}

void dmabuf_trace_close(struct dmabuf_trace *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	perf_buffer__free(t->pb);
	detach_all(t);
	trace_kernel_close(t->k);
	free(t);
}
