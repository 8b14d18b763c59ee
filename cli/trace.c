// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dmabuf-trace - trace dma-buf operations live: export, attach, map, move,
 * pin, CPU access, mmap, vmap, release, each with its buffer, device and
 * task, and the locking-contract check of the convention. The tracing
 * engine is lib/trace.c; this front parses options and prints lines, JSON
 * lines or the summary.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "json.h"
#include "model.h"
#include "trace.h"
#include "views.h"

#ifndef DMABUF_VERSION
#define DMABUF_VERSION "0.1"
#endif

/* Exit statuses: 0 fine, 1 contract violations seen, 2 usage, 3 could not run. */
enum { EXIT_VIOLATIONS = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

#define POLL_MS 100

static volatile sig_atomic_t exiting;

static struct {
	bool json, summary, list_probes, list_events, outstanding, quiet;
	unsigned int summary_every;	/* seconds, 0: at exit */
	double duration;		/* seconds, 0: until a signal */
	struct dmabuf_trace_opts opts;
	struct json_writer *jw;
	struct dmabuf_trace_summary *sum;
	struct dmabuf_trace_outstanding *out;	/* --outstanding */
	struct dmabuf_trace *trace;
	uint64_t t0_ns;
	uint64_t violations;
} cli;

static const char *const event_help[TRACE_EV__COUNT] = {
	[TRACE_EV_EXPORT] = "a buffer is exported (dma_buf_export)",
	[TRACE_EV_FD] = "a buffer gets an fd (dma_buf_fd)",
	[TRACE_EV_GET] = "an fd is resolved to its buffer (dma_buf_get)",
	[TRACE_EV_ATTACH] = "a device attaches (dma_buf_attach, dma_buf_dynamic_attach)",
	[TRACE_EV_DETACH] = "a device detaches (dma_buf_detach)",
	[TRACE_EV_MAP] = "an attachment is mapped (dma_buf_map_attachment)",
	[TRACE_EV_UNMAP] = "a mapping is unmapped (dma_buf_unmap_attachment)",
	[TRACE_EV_MOVE] = "importers are told the buffer moves (move_notify, invalidate_mappings)",
	[TRACE_EV_PIN] = "an importer pins the buffer (dma_buf_pin)",
	[TRACE_EV_UNPIN] = "an importer unpins it (dma_buf_unpin)",
	[TRACE_EV_BEGIN_CPU] = "CPU access begins (dma_buf_begin_cpu_access)",
	[TRACE_EV_END_CPU] = "CPU access ends (dma_buf_end_cpu_access)",
	[TRACE_EV_MMAP] = "the buffer is mmapped (its fd, or dma_buf_mmap)",
	[TRACE_EV_VMAP] = "a kernel mapping is made (dma_buf_vmap)",
	[TRACE_EV_VUNMAP] = "a kernel mapping goes (dma_buf_vunmap)",
	[TRACE_EV_RELEASE] = "the buffer's last reference goes",
};

static void __attribute__((format(printf, 1, 2))) cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jw_report_error(cli.jw, "dmabuf-trace", fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: dmabuf-trace [OPTIONS]\n"
		"Trace dma-buf operations live, and check the locking convention as they happen.\n"
		"\nOptions:\n"
		"  -j, --json             one JSON object per event (schema in dmabuf-trace(8))\n"
		"  -q, --quiet            no event lines, only what the end prints (counts,\n"
		"                         --outstanding); exit status 1 still tells of a\n"
		"                         contract violation\n"
		"  -p, --pid PID          only events of process PID\n"
		"  -c, --comm COMM        only events of tasks named COMM\n"
		"      --exporter NAME    only buffers of exporter NAME\n"
		"      --device NAME      only events on attachments of device NAME\n"
		"      --ino INO          only the buffer with inode number INO\n"
		"  -e, --events LIST      only these events, comma-separated (--list-events)\n"
		"  -d, --duration SECS    stop after SECS seconds\n"
		"  -s, --summary[=SECS]   counts and latency histograms per exporter, device and\n"
		"                         process instead of events: at exit, or every SECS\n"
		"      --no-latency       map/unmap by one program per call: no latencies,\n"
		"                         no map return value, less overhead\n"
		"      --stack            the kernel stack of each event\n"
		"      --outstanding      at the end, the buffers exported while tracing that\n"
		"                         were not released: who exported them, when (and\n"
		"                         where, with --stack)\n"
		"      --buffer-size SIZE ring buffer size (default 8M; 64K, 1M, ...)\n"
		"      --list-probes      how each event is traced on this kernel, and why\n"
		"      --list-events      the event names, and exit\n"
		"  -h, --help             this help\n"
		"  -V, --version          print the version\n"
		"\nExit status: 0, 1 when a contract violation was seen, 2 usage, 3 could not run.\n");
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- output -------------------------------------------------------------- */

/*
 * One JSON line per event, put together by dmabuf_trace_json_line() (the
 * writer's bytes, a fraction of its cost) and handed to stdio as one piece;
 * the writer, which never saw these lines, starts the end line after them.
 */
static int json_event(const struct dmabuf_trace_event *ev, const char *const *frames, int n)
{
	static char first[4096], *buf = first;
	static size_t cap = sizeof(first);
	size_t len = dmabuf_trace_json_line(buf, cap, ev, frames, n);

	if (len + 1 >= cap) {
		char *more = malloc(len + 2);

		if (!more)
			return -ENOMEM;
		if (buf != first)
			free(buf);
		buf = more;
		cap = len + 2;
		len = dmabuf_trace_json_line(buf, cap, ev, frames, n);
	}
	buf[len] = '\n';
	fwrite(buf, 1, len + 1, stdout);
	return 0;
}

static int on_event(void *ctx, const struct dmabuf_trace_event *ev)
{
	const char *frames[TRACE_STACK_DEPTH];
	char line[256];
	int n = 0, i;

	(void)ctx;
	if (ev->has_stack)
		n = dmabuf_trace_stack(cli.trace, ev->stack_id, frames, TRACE_STACK_DEPTH);
	if (cli.out)
		dmabuf_trace_outstanding_add(cli.out, ev, frames, n);
	if (cli.quiet)
		return 0;
	if (cli.jw)
		return json_event(ev, cli.opts.stack ? frames : NULL, n);
	dmabuf_trace_line(line, sizeof(line), ev, cli.t0_ns);
	puts(line);
	for (i = 0; i < n; i++)
		printf("    %s\n", frames[i]);
	return 0;
}

/* The kernel counted (--summary): take its counts and print them. */
static void print_summary(void)
{
	int ret = dmabuf_trace_summary_take(cli.trace, cli.sum);

	if (ret)
		fprintf(stderr, "dmabuf-trace: reading the summary failed: %s\n", strerror(-ret));
	if (cli.jw)
		dmabuf_trace_summary_json(cli.sum, cli.jw);
	else
		dmabuf_trace_summary_print(cli.sum, stdout);
	fflush(stdout);
	dmabuf_trace_summary_reset(cli.sum);
}

static void list_events(void)
{
	unsigned int k;

	for (k = 0; k < TRACE_EV__COUNT; k++) {
		if (cli.jw) {
			jw_start_object(cli.jw);
			jw_string_field(cli.jw, "event", dmabuf_trace_event_name(k));
			jw_string_field(cli.jw, "help", event_help[k]);
			jw_end_object(cli.jw);
		} else {
			printf("%-17s %s\n", dmabuf_trace_event_name(k), event_help[k]);
		}
	}
}

static const char *mn_name(unsigned int mn)
{
	static const char *const names[] = { "unknown", "off", "on", "gone" };

	return mn < 4 ? names[mn] : "?";
}

static void list_probes(void)
{
	const struct dmabuf_trace_facts *f = dmabuf_trace_facts(cli.trace);
	const struct dmabuf_trace_probe *p;
	size_t n = dmabuf_trace_probes(cli.trace, &p), i;

	if (cli.jw) {
		jw_start_object(cli.jw);
		jw_name(cli.jw, "probes");
		jw_start_array(cli.jw);
		for (i = 0; i < n; i++) {
			jw_start_object(cli.jw);
			jw_string_field(cli.jw, "event", dmabuf_trace_event_name(p[i].kind));
			jw_string_field(cli.jw, "site", p[i].site);
			jw_string_field(cli.jw, "method", p[i].method ?
					dmabuf_trace_method_name(p[i].method) : NULL);
			jw_string_field(cli.jw, "target", p[i].method ? p[i].target : NULL);
			jw_string_field(cli.jw, "reason", p[i].reason);
			jw_end_object(cli.jw);
		}
		jw_end_array(cli.jw);
		jw_name(cli.jw, "kernel");
		jw_start_object(cli.jw);
		jw_bool_field(cli.jw, "mapping_cache", f->cache_era);
		jw_bool_field(cli.jw, "all_callers_hold_resv", f->all_callers_lock);
		jw_string_field(cli.jw, "lock_rule", f->lock_rule_why);
		jw_string_field(cli.jw, "move_notify", mn_name(f->move_notify));
		jw_string_field(cli.jw, "move_notify_source", f->move_notify_why);
		jw_end_object(cli.jw);
		jw_name(cli.jw, "buffer");
		jw_start_object(cli.jw);
		jw_string_field(cli.jw, "type", f->perf_buffer ? "perf" : "ring");
		jw_uint_field(cli.jw, "bytes", f->buffer_size);
		jw_end_object(cli.jw);
		jw_end_object(cli.jw);
		return;
	}
	printf("%-17s %-7s %-10s %-30s %s\n", "EVENT", "SITE", "METHOD", "TARGET", "REASON");
	for (i = 0; i < n; i++)
		printf("%-17s %-7s %-10s %-30s %s\n", dmabuf_trace_event_name(p[i].kind),
		       p[i].site ? p[i].site : "-", p[i].method ? dmabuf_trace_method_name(p[i].method) :
		       "none", p[i].target, p[i].reason);
	printf("\nmapping cache at attach: %s\n", f->cache_era ? "yes (to 6.15)" : "no");
	printf("map/unmap lock rule:     %s\n", f->lock_rule_why);
	printf("CONFIG_DMABUF_MOVE_NOTIFY: %s (%s)\n", mn_name(f->move_notify), f->move_notify_why);
	printf("buffer:                  %s, %zu bytes%s\n", f->perf_buffer ? "perf buffer" :
	       "ring buffer", f->buffer_size, f->perf_buffer ? " per CPU" : "");
}

/* Reports lost records on stderr as soon as they happen. */
static void report_lost(uint64_t *reported)
{
	struct dmabuf_trace_counts c;

	dmabuf_trace_counts(cli.trace, &c);
	if (c.lost > *reported) {
		fprintf(stderr, "dmabuf-trace: %" PRIu64 " events lost (buffer full; try "
			"--buffer-size, or fewer events with -e/-p)\n", c.lost - *reported);
		*reported = c.lost;
	}
}

/* --outstanding: what a snapshot of the end says of the buffers left (who holds them). */
static void outstanding_now(void)
{
	struct dmabuf_collect_opts co = { 0 };
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");

	if (!s || dmabuf_collect(s, &co) || dmabuf_trace_outstanding_resolve(cli.out, s))
		fprintf(stderr, "dmabuf-trace: no snapshot at the end: who holds the buffers left "
			"is not known\n");
	dmabuf_snapshot_free(s);
}

static void print_end(uint64_t start)
{
	struct dmabuf_trace_counts c;

	dmabuf_trace_counts(cli.trace, &c);
	cli.violations = c.violations;
	if (cli.out)
		outstanding_now();
	if (cli.jw) {
		jw_start_object(cli.jw);
		jw_name(cli.jw, "end");
		jw_start_object(cli.jw);
		jw_uint_field(cli.jw, "events", c.events);
		jw_uint_field(cli.jw, "lost", c.lost);
		jw_uint_field(cli.jw, "filtered", c.filtered);
		jw_uint_field(cli.jw, "contract_violations", cli.violations);
		jw_uint_field(cli.jw, "duration_ns", now_ns() - start);
		if (cli.out && dmabuf_trace_outstanding_json(cli.out, cli.jw))
			fprintf(stderr, "dmabuf-trace: no memory for the outstanding buffers\n");
		jw_end_object(cli.jw);
		jw_end_object(cli.jw);
	}
	if (cli.out && !cli.jw && dmabuf_trace_outstanding_print(cli.out, stdout, cli.t0_ns))
		fprintf(stderr, "dmabuf-trace: no memory for the outstanding buffers\n");
	fflush(stdout);
	fprintf(stderr, "dmabuf-trace: %" PRIu64 " events, %" PRIu64 " lost, %" PRIu64
		" contract violations\n", c.events, c.lost, cli.violations);
	if (cli.out && c.lost)
		fprintf(stderr, "dmabuf-trace: with events lost, the outstanding buffers may miss "
			"some and list some that were released\n");
	if (c.bad_records || c.inflight_full || c.stack_lost || c.summary_full)
		fprintf(stderr, "dmabuf-trace: %" PRIu64 " malformed records, %" PRIu64
			" calls not tracked (table full), %" PRIu64 " stacks lost, %" PRIu64
			" events not summarized (table full)\n", c.bad_records, c.inflight_full,
			c.stack_lost, c.summary_full);
}

static int run(void)
{
	uint64_t start = now_ns(), next_summary, next_report = 0, reported = 0;
	int ret = 0;

	next_summary = start + cli.summary_every * 1000000000ull;
	/*
	 * Into a file or a pipe, large writes: one per 64 KiB instead of per 4
	 * (a JSON line is half a KiB); a poll still flushes every 100 ms.
	 */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!cli.jw && !cli.summary && !cli.quiet)
		puts(dmabuf_trace_header());
	fflush(stdout);
	fprintf(stderr, "dmabuf-trace: tracing (%s); Ctrl-C to end\n",
		dmabuf_trace_facts(cli.trace)->perf_buffer ? "perf buffer" : "ring buffer");
	while (!exiting) {
		uint64_t now;

		ret = dmabuf_trace_poll(cli.trace, POLL_MS, on_event, NULL);
		if (ret < 0 && ret != -EINTR) {
			cli_error("reading events failed: %s", strerror(-ret));
			return EXIT_RUNTIME;
		}
		fflush(stdout);
		now = now_ns();
		/* at most every poll period: a busy reader polls far more often */
		if (now >= next_report) {
			report_lost(&reported);
			next_report = now + POLL_MS * 1000000ull;
		}
		if (cli.duration > 0 && now - start >= (uint64_t)(cli.duration * 1e9))
			break;
		if (cli.summary && cli.summary_every && now >= next_summary) {
			print_summary();
			next_summary += cli.summary_every * 1000000000ull;
		}
	}
	/* what the programs wrote before the end */
	while (dmabuf_trace_poll(cli.trace, 0, on_event, NULL) > 0)
		;
	if (cli.summary)
		print_summary();
	report_lost(&reported);
	print_end(start);
	return cli.violations ? EXIT_VIOLATIONS : 0;
}

/* --- options ------------------------------------------------------------- */

enum { OPT_EXPORTER = 256, OPT_DEVICE, OPT_INO, OPT_STACK, OPT_BUFFER_SIZE, OPT_LIST_PROBES,
       OPT_LIST_EVENTS, OPT_NO_LATENCY, OPT_OUTSTANDING };

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'c' },
	{ "exporter", required_argument, NULL, OPT_EXPORTER },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "ino", required_argument, NULL, OPT_INO },
	{ "events", required_argument, NULL, 'e' },
	{ "duration", required_argument, NULL, 'd' },
	{ "summary", optional_argument, NULL, 's' },
	{ "no-latency", no_argument, NULL, OPT_NO_LATENCY },
	{ "stack", no_argument, NULL, OPT_STACK },
	{ "outstanding", no_argument, NULL, OPT_OUTSTANDING },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
	{ "list-probes", no_argument, NULL, OPT_LIST_PROBES },
	{ "list-events", no_argument, NULL, OPT_LIST_EVENTS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int parse_u64(const char *text, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || end == text || text[0] == '-' || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_option(int opt, const char *arg)
{
	struct dmabuf_trace_filter *f = &cli.opts.filter;
	char bad[64], *end;
	uint64_t v;

	switch (opt) {
	case 'j':
		cli.json = true;
		return 0;
	case 'q':
		cli.quiet = true;
		return 0;
	case 'p':
		if (parse_u64(arg, 0x3fffffff, &v)) {
			cli_error("--pid needs a process id, not '%s'", arg);
			return -EINVAL;
		}
		f->pid = (pid_t)v;
		return 0;
	case 'c':
		if (!arg[0] || strlen(arg) >= TRACE_COMM_LEN) {
			cli_error("--comm needs a task name of 1 to %d characters", TRACE_COMM_LEN - 1);
			return -EINVAL;
		}
		f->comm = arg;
		return 0;
	case OPT_EXPORTER:
	case OPT_DEVICE:
		if (!arg[0] || strlen(arg) >= (opt == OPT_DEVICE ? TRACE_DEV_LEN :
					       TRACE_EXP_NAME_LEN)) {
			cli_error("--%s needs a name of 1 to %d characters", opt == OPT_DEVICE ?
				  "device" : "exporter", (opt == OPT_DEVICE ? TRACE_DEV_LEN :
							  TRACE_EXP_NAME_LEN) - 1);
			return -EINVAL;
		}
		if (opt == OPT_DEVICE)
			f->device = arg;
		else
			f->exporter = arg;
		return 0;
	case OPT_INO:
		if (parse_u64(arg, UINT64_MAX, &f->ino)) {
			cli_error("--ino needs an inode number, not '%s'", arg);
			return -EINVAL;
		}
		return 0;
	case 'e':
		if (dmabuf_trace_parse_events(arg, &f->events, bad, sizeof(bad))) {
			cli_error("unknown event '%s' (see --list-events)", bad);
			return -EINVAL;
		}
		return 0;
	case 'd':
		errno = 0;
		cli.duration = strtod(arg, &end);
		if (errno || *end || end == arg || !(cli.duration > 0) || cli.duration > 1e7) {
			cli_error("--duration needs a number of seconds, not '%s'", arg);
			return -EINVAL;
		}
		return 0;
	case 's':
		cli.summary = true;
		cli.opts.summary = true;
		if (arg) {
			if (parse_u64(arg, 86400, &v)) {
				cli_error("--summary takes a number of seconds, not '%s'", arg);
				return -EINVAL;
			}
			cli.summary_every = (unsigned int)v;
		}
		return 0;
	case OPT_NO_LATENCY:
		cli.opts.no_latency = true;
		return 0;
	case OPT_STACK:
		cli.opts.stack = true;
		return 0;
	case OPT_OUTSTANDING:
		cli.outstanding = true;
		return 0;
	case OPT_BUFFER_SIZE:
		if (dmabuf_parse_size(arg, &v) || v < 4096 || v > (1ull << 30)) {
			cli_error("--buffer-size needs a size from 4K to 1G, not '%s'", arg);
			return -EINVAL;
		}
		cli.opts.buffer_size = (size_t)v;
		return 0;
	case OPT_LIST_PROBES:
		cli.list_probes = true;
		return 0;
	case OPT_LIST_EVENTS:
		cli.list_events = true;
		return 0;
	}
	return -EINVAL;
}

/* --outstanding needs every export and release: what it cannot be used with. */
static bool outstanding_conflict(void)
{
	const struct dmabuf_trace_filter *f = &cli.opts.filter;
	uint32_t need = 1u << TRACE_EV_EXPORT | 1u << TRACE_EV_RELEASE;

	if (cli.summary) {
		cli_error("--outstanding follows the events: it cannot be used with --summary");
		return true;
	}
	if (f->pid || f->comm || f->device) {
		cli_error("--outstanding needs every release, whoever makes it: not with -p, -c or "
			  "--device (the list shows each buffer's process; --exporter and --ino "
			  "work)");
		return true;
	}
	if (f->events && (f->events & need) != need) {
		cli_error("--outstanding needs the export and release events: add them to -e");
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	int opt, ret;

	/* "-s" alone is --summary; "-sN" gives the interval */
	while ((opt = getopt_long(argc, argv, "jqp:c:e:d:s::hV", long_options, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt == 'V') {
			printf("dmabuf-trace %s\n", DMABUF_VERSION);
			return 0;
		}
		if (opt == '?' || parse_option(opt, optarg)) {
			fprintf(stderr, "Try 'dmabuf-trace --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	if (cli.json)
		cli.jw = jw_new(stdout, false);
	if (cli.outstanding && outstanding_conflict()) {
		jw_destroy(cli.jw);
		return EXIT_USAGE;
	}
	if (cli.list_events) {
		list_events();
		jw_destroy(cli.jw);
		return 0;
	}
	/* the environment's say for tests of the fallback: as if no ring buffer */
	cli.opts.perf_buffer = getenv("DMABUF_TRACE_PERF_BUFFER") != NULL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* times count from here: events come as soon as the first probe attaches */
	cli.t0_ns = now_ns();
	ret = dmabuf_trace_open(&cli.opts, &cli.trace, err, sizeof(err));
	if (ret == -EOPNOTSUPP && cli.list_probes) {
		char why[512];

		/* nothing attaches: still say, per event, why */
		cli.opts.list_only = true;
		if (!dmabuf_trace_open(&cli.opts, &cli.trace, why, sizeof(why))) {
			list_probes();
			dmabuf_trace_close(cli.trace);
		}
	}
	if (ret) {
		cli_error("%s", err);
		jw_destroy(cli.jw);
		return EXIT_RUNTIME;
	}
	if (cli.list_probes) {
		list_probes();
		ret = 0;
	} else {
		cli.sum = dmabuf_trace_summary_new();
		if (cli.sum && cli.opts.no_latency)
			dmabuf_trace_summary_no_latency(cli.sum);
		if (cli.outstanding)
			cli.out = dmabuf_trace_outstanding_new(0);
		ret = cli.sum && (cli.out || !cli.outstanding) ? run() : EXIT_RUNTIME;
	}
	dmabuf_trace_close(cli.trace);
	dmabuf_trace_summary_free(cli.sum);
	dmabuf_trace_outstanding_free(cli.out);
	jw_destroy(cli.jw);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "dmabuf-trace: writing the output failed: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return ret;
}
