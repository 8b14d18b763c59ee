// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dmabuf-top - a live view of the system's dma-bufs: buffers, processes,
 * exporters, devices and a tree of buffer -> attachments -> owners; what
 * changed since the last refresh and who keeps growing; live event rates
 * from the tracer. Batch mode (-b) prints plain snapshots like `top -b`.
 *
 * This file: options, the terminal's life (restored on every exit path and
 * signal), and the loop that decides once per turn whether to rescan,
 * rebuild the rows, or just redraw (top.h has the map of the parts).
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "top.h"

#ifndef DMABUF_VERSION
#define DMABUF_VERSION "0.1"
#endif

#define SLICE_MS 100	/* how often the tracer's buffer is drained */

static volatile sig_atomic_t exiting;

static void __attribute__((format(printf, 1, 2))) top_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, TOP_NAME ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: " TOP_NAME " [OPTIONS]\n"
		"A live view of the system's dma-bufs: buffers, processes, exporters, devices,\n"
		"what changed since the last refresh, and live event rates.\n"
		"\nOptions:\n"
		"  -d, --delay SECS       seconds between refreshes (default 2; 0 with -b: none)\n"
		"  -n, --iterations N     stop after N refreshes\n"
		"  -b, --batch            plain snapshots on stdout, like top -b\n"
		"  -v, --view VIEW        first view: buffers, procs, exporters, devices, tree\n"
		"  -o, --output COLS      columns of the first view, comma-separated\n"
		"  -s, --sort [-]COL      sort the first view by COL (descending with -)\n"
		"      --list-columns     the columns of the first view, and exit\n"
		"      --pid PID          only buffers held by PID\n"
		"      --exporter NAME    only buffers of this exporter\n"
		"      --device NAME      only buffers attached to this device\n"
		"      --filter TEXT      only rows with TEXT in a cell\n"
		"      --bytes            exact byte counts instead of human sizes\n"
		"      --no-headers       batch mode: no table header\n"
		"      --source LIST      auto, or any of bpf,debugfs,procfs,sysfs,lab\n"
		"      --root DIR         read a captured tree or report under DIR instead of /\n"
		"      --replay BUNDLE    view a report bundle: its archive or directory\n"
		"      --no-events        do not trace live event rates\n"
		"      --no-color         no colours (also when NO_COLOR is set)\n"
		"  -h, --help             this help\n"
		"  -V, --version          print the version\n"
		"\nKeys: h or ? inside. Exit status: 0, 2 usage, 3 could not run.\n");
}

/* --- options ---------------------------------------------------------------- */

enum { OPT_LIST_COLUMNS = 256, OPT_PID, OPT_EXPORTER, OPT_DEVICE, OPT_FILTER, OPT_BYTES,
       OPT_NO_HEADERS, OPT_SOURCE, OPT_ROOT, OPT_REPLAY, OPT_NO_EVENTS, OPT_NO_COLOR };

static const struct option long_options[] = {
	{ "delay", required_argument, NULL, 'd' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "batch", no_argument, NULL, 'b' },
	{ "view", required_argument, NULL, 'v' },
	{ "output", required_argument, NULL, 'o' },
	{ "sort", required_argument, NULL, 's' },
	{ "list-columns", no_argument, NULL, OPT_LIST_COLUMNS },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "exporter", required_argument, NULL, OPT_EXPORTER },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "bytes", no_argument, NULL, OPT_BYTES },
	{ "no-headers", no_argument, NULL, OPT_NO_HEADERS },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "no-events", no_argument, NULL, OPT_NO_EVENTS },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};


static int parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || end == text || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

struct args {
	const char *columns, *sort, *filter, *exporter, *device;
	pid_t pid;
	bool list_columns;
	bool delay_given;
};

static int parse_args(int argc, char **argv, struct top *t, struct args *a)
{
	char *end, why[200];
	long v;
	int opt, view;

	while ((opt = getopt_long(argc, argv, "d:n:bv:o:s:hV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			errno = 0;
			t->o.delay = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(t->o.delay >= 0) || t->o.delay > 86400) {
				top_error("--delay needs a number of seconds, not '%s'", optarg);
				return -EINVAL;
			}
			a->delay_given = true;
			break;
		case 'n':
			if (parse_long(optarg, 1, 1L << 40, &t->o.iterations)) {
				top_error("--iterations needs a positive count, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'b':
			t->o.batch = true;
			break;
		case 'v':
			view = top_view_by_name(optarg);
			if (view < 0) {
				top_error("unknown view '%s' (buffers, procs, exporters, devices, tree)",
					  optarg);
				return -EINVAL;
			}
			t->o.view = (enum top_view)view;
			break;
		case 'o':
			a->columns = optarg;
			break;
		case 's':
			a->sort = optarg;
			break;
		case OPT_LIST_COLUMNS:
			a->list_columns = true;
			break;
		case OPT_PID:
			if (parse_long(optarg, 1, 0x3fffffff, &v)) {
				top_error("--pid needs a process id, not '%s'", optarg);
				return -EINVAL;
			}
			a->pid = (pid_t)v;
			break;
		case OPT_EXPORTER:
			a->exporter = optarg;
			break;
		case OPT_DEVICE:
			a->device = optarg;
			break;
		case OPT_FILTER:
			a->filter = optarg;
			break;
		case OPT_BYTES:
			t->o.fmt |= DMABUF_FMT_BYTES;
			break;
		case OPT_NO_HEADERS:
			t->o.headers = false;
			break;
		case OPT_SOURCE:
			if (dmabuf_parse_sources(optarg, &t->o.collect.sources, why, sizeof(why))) {
				top_error("--source: %s", why);
				return -EINVAL;
			}
			break;
		case OPT_ROOT:
			t->o.root = optarg;
			break;
		case OPT_REPLAY:
			t->o.replay = optarg;
			break;
		case OPT_NO_EVENTS:
			t->o.no_events = true;
			break;
		case OPT_NO_COLOR:
			t->o.no_color = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(TOP_NAME " %s\n", DMABUF_VERSION);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		top_error("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (t->o.replay && t->o.root) {
		top_error("--root and --replay both name what to read: give one");
		return -EINVAL;
	}
	if (!t->o.batch && a->delay_given && t->o.delay < 0.1) {
		top_error("--delay below 0.1 seconds needs -b");
		return -EINVAL;
	}
	return 0;
}

/*
 * --root DIR and --replay BUNDLE, as the CLI's --root: a directory is read in
 * place (a report's top directory found in it), a report archive is unpacked
 * into a private temporary directory that goes at exit (lib/report.h).
 */
static struct dmabuf_bundle *bundle;

static int open_root(struct top *t)
{
	const char *path = t->o.replay ? t->o.replay : t->o.root;
	char err[512];

	if (!path || !strcmp(path, "/")) {
		t->o.root = "/";
		return 0;
	}
	if (dmabuf_bundle_open(path, &bundle, err, sizeof(err))) {
		top_error("%s: %s", t->o.replay ? "--replay" : "--root", err);
		return -1;
	}
	t->o.root = dmabuf_bundle_root(bundle);
	return 0;
}

static bool root_is_live(const char *root)
{
	struct stat a, b;

	return !stat(root, &a) && !stat("/", &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* --- signals ---------------------------------------------------------------- */

static void on_signal(int sig)
{
	exiting = sig;
}

/* A crash: the terminal back first, then die of the same signal. */
static void on_fatal(int sig)
{
	top_screen_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_signals(void)
{
	static const int ends[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;	/* no SA_RESTART: the wait for a key ends */
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		sigaction(ends[i], &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	atexit(top_screen_restore);
}

/* --- the loops ------------------------------------------------------------------- */

static uint64_t last_tick;

/* A new snapshot: event rates over the interval that ends now, then the scan. */
static int rescan(struct top *t, unsigned int *flags)
{
	uint64_t now = top_now_ns(), ev_gen = t->ev_gen;
	int ret;

	top_events_tick(t, now - last_tick);
	last_tick = now;
	ret = top_scan(t);
	if (ret < 0)
		return ret;
	/* a snapshot was freed, and the collectors' scratch: give it back
	 * rather than keep the peak resident */
	malloc_trim(0);
	*flags |= (unsigned int)ret;
	/* rates that moved: the rows showing them are drawn again, and re-sorted
	 * when sorted by them */
	if (t->ev_gen != ev_gen && (t->view == TOP_BUFFERS || t->view == TOP_TREE)) {
		*flags |= TOP_REDRAW;
		if (t->vs[t->view].sort && !strcmp(t->vs[t->view].sort->name, "events"))
			*flags |= TOP_REBUILD;
	}
	return 0;
}

static int run_batch(struct top *t)
{
	unsigned int flags = TOP_REBUILD;

	for (;;) {
		if ((flags & TOP_REBUILD) && top_rebuild(t))
			return -ENOMEM;
		top_batch_print(t);
		if (ferror(stdout) || exiting || (t->o.iterations && (long)t->scans >= t->o.iterations))
			break;
		if (t->o.delay > 0 || t->ev) {
			uint64_t end = top_now_ns() + (uint64_t)(t->o.delay * 1e9), now;

			while (!exiting && (now = top_now_ns()) < end) {
				uint64_t left = (end - now) / 1000000;
				int ms = left > SLICE_MS ? SLICE_MS : (int)left;

				if (t->ev) {
					top_events_poll(t, ms);
				} else {
					struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

					nanosleep(&ts, NULL);
				}
				if (!ms)
					break;
			}
			if (t->ev)
				top_events_poll(t, 0);
		}
		if (exiting)
			break;
		flags = 0;
		if (rescan(t, &flags))
			return -ENOMEM;
	}
	return 0;
}

static int run_screen(struct top *t)
{
	unsigned int flags = TOP_REBUILD | TOP_REDRAW;
	uint64_t next = top_now_ns() + (uint64_t)(t->o.delay * 1e9);
	int ch;

	while (!exiting && !(flags & TOP_QUIT)) {
		uint64_t now = top_now_ns();
		int wait;

		if (flags & TOP_RESCAN) {
			if (t->o.iterations && (long)t->scans >= t->o.iterations)
				break;
			if (rescan(t, &flags)) {
				snprintf(t->message, sizeof(t->message), "out of memory taking a snapshot");
				flags |= TOP_REDRAW;
			}
			next = top_now_ns() + (uint64_t)(t->o.delay * 1e9);
		}
		if ((flags & TOP_REBUILD) && top_rebuild(t))
			snprintf(t->message, sizeof(t->message), "out of memory: rows incomplete");
		if (flags & (TOP_REDRAW | TOP_REBUILD | TOP_RESIZE | TOP_HEADER))
			top_draw(t, flags);
		flags = 0;

		now = top_now_ns();
		wait = next > now ? (int)((next - now) / 1000000) : 0;
		if (t->paused)	/* no refresh is due: wait for keys (and drain the tracer) */
			wait = 1000;
		if (t->ev && wait > SLICE_MS)
			wait = SLICE_MS;
		if (wait > 1000)
			wait = 1000;
		timeout(wait);
		ch = getch();
		while (ch != ERR && !exiting) {
			flags |= top_key(t, ch);
			if (flags & TOP_QUIT)
				break;
			/* take every key that is already there before drawing */
			timeout(0);
			ch = getch();
		}
		top_events_poll(t, 0);
		if (!t->paused && top_now_ns() >= next)
			flags |= TOP_RESCAN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct top *t = calloc(1, sizeof(*t));
	struct args a;
	struct stat st;
	int ret = 0;

	if (!t)
		return TOP_EXIT_RUNTIME;
	memset(&a, 0, sizeof(a));
	t->o.delay = 2;
	t->o.headers = true;
	t->o.view = TOP_BUFFERS;
	if (parse_args(argc, argv, t, &a)) {
		fprintf(stderr, "Try '" TOP_NAME " --help'.\n");
		ret = TOP_EXIT_USAGE;
		goto out;
	}
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		t->o.no_color = true;
	setlocale(LC_CTYPE, "");
	t->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	t->view = t->o.view;

	if (a.list_columns) {
		const struct dmabuf_column *cols;
		size_t n, i;

		top_rows_init(t);
		cols = top_columns(t->view, &n);
		for (i = 0; i < n; i++)
			printf("%-10s %s\n", cols[i].name, cols[i].help);
		goto out;
	}
	if (!t->o.batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		top_error("not a terminal: -b prints plain snapshots");
		ret = TOP_EXIT_USAGE;
		goto out;
	}
	/* a signal while an archive is unpacked only ends the loop: its directory goes */
	setup_signals();
	if (open_root(t)) {
		ret = TOP_EXIT_RUNTIME;
		goto out;
	}
	errno = 0;
	if (stat(t->o.root, &st) || !S_ISDIR(st.st_mode)) {
		top_error("cannot read root directory '%s': %s", t->o.root,
			  errno ? strerror(errno) : "not a directory");
		ret = TOP_EXIT_RUNTIME;
		goto out;
	}
	t->live = !t->o.replay && root_is_live(t->o.root);

	/*
	 * Every refresh collects again: the BPF snapshot programs stay loaded
	 * between them, loaded now, while nothing else is held - loading one
	 * (libbpf parses the kernel's BTF, as the tracer does) is the peak of
	 * dmabuf-top's memory; then the tracer (the buffers view shows its
	 * column only when it runs), then the first snapshot.
	 */
	t->o.collect.keep = true;
	if (t->live && dmabuf_collect_prepare(t->o.root, &t->o.collect)) {
		top_error("out of memory loading the BPF programs");
		ret = TOP_EXIT_RUNTIME;
		goto out;
	}
	top_events_open(t);
	top_rows_init(t);
	if ((a.columns && top_set_columns(t, t->view, a.columns)) ||
	    (a.sort && top_set_sort(t, t->view, a.sort))) {
		top_error("%s", t->message);
		ret = TOP_EXIT_USAGE;
		goto out;
	}
	t->message[0] = '\0';
	t->filter.pid = a.pid;
	snprintf(t->filter.exporter, sizeof(t->filter.exporter), "%s", a.exporter ? a.exporter : "");
	snprintf(t->filter.device, sizeof(t->filter.device), "%s", a.device ? a.device : "");
	snprintf(t->filter.text, sizeof(t->filter.text), "%s", a.filter ? a.filter : "");

	last_tick = top_now_ns();
	if (top_scan(t) < 0) {
		top_error("out of memory taking the snapshot");
		ret = TOP_EXIT_RUNTIME;
		goto out;
	}
	malloc_trim(0);	/* what loading the tracer and the first snapshot left */
	if (!t->cur->used) {
		char notes[8][320];
		size_t n = top_source_notes(t->cur, t->o.collect.sources, notes, 8), i;

		for (i = 0; i < n; i++)
			top_error("note: %s", notes[i]);
		top_error("no source could be read (most need root)");
		ret = TOP_EXIT_RUNTIME;
		goto out;
	}
	if (t->o.batch) {
		char notes[8][320];
		size_t n = top_source_notes(t->cur, t->o.collect.sources, notes, 8), i;

		for (i = 0; i < n; i++)
			top_error("note: %s", notes[i]);
		if (run_batch(t) || ferror(stdout) || fflush(stdout)) {
			top_error("writing the snapshots failed: %s", strerror(errno));
			ret = TOP_EXIT_RUNTIME;
		}
		goto out;
	}
	if (top_screen_init(t)) {
		top_error("cannot use the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		ret = TOP_EXIT_RUNTIME;
		goto out;
	}
	run_screen(t);
out:
	top_screen_end();
	top_events_close(t);
	dmabuf_collect_release();
	top_rows_free(t);
	top_state_free(t);
	top_batch_free();
	dmabuf_bundle_close(bundle);
	free(t);
	return ret;
}
