// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dmabuf - list and check a system's dma-bufs: buffers, owners, attachments,
 * and which attachments are dynamic, cached, pinned or mismatched.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf.h"

#ifndef DMABUF_VERSION
#define DMABUF_VERSION "0.1"
#endif

struct cli cli;

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	enum dmabuf_view view;
	const char *args;
	const char *help;
};

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "ls", do_ls, DMABUF_VIEW_BUFFERS, "", "list buffers" },
	{ "show", do_show, DMABUF_VIEW_BUFFERS, "INO", "one buffer: attachments, owners, provenance" },
	{ "procs", do_procs, DMABUF_VIEW_PROCS, "", "per process: buffers, fds, maps, RSS, PSS" },
	{ "exporters", do_exporters, DMABUF_VIEW_EXPORTERS, "", "per exporter: buffers, bytes" },
	{ "devices", do_devices, DMABUF_VIEW_DEVICES, "", "per importing device: attachments and their state" },
	{ "check", do_check, DMABUF_VIEW_BUFFERS, "",
	  "findings and their consequence on this kernel; exit 1 when there are any" },
	{ "report", do_report, DMABUF_VIEW_BUFFERS, "[-o FILE] [--trace SECONDS] [--redact]",
	  "a bug report: one archive that replays" },
	{ "pin", do_pin, DMABUF_VIEW_BUFFERS, "",
	  "pin the snapshot iterators in bpffs: later snapshots skip the load" },
	{ "unpin", do_unpin, DMABUF_VIEW_BUFFERS, "", "remove the pinned iterators" },
	{ "help", do_help, DMABUF_VIEW_BUFFERS, "[COMMAND]", "this help, or a command's" },
	{ "version", do_version, DMABUF_VIEW_BUFFERS, "", "print the version" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* The words after these commands are their own options (report's -o is a file). */
static bool own_options(const struct cmd *c)
{
	return c->func == do_report;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jw_report_error(cli.jw, "dmabuf", fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: dmabuf [OPTIONS] COMMAND [ARGS]\n\nCommands (any unique prefix):\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %-10s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	fprintf(f, "\nOptions:\n"
		"  -j, --json             JSON output (schema in dmabuf(8))\n"
		"  -p, --pretty           indented JSON (implies -j)\n"
		"  -o, --output COLS      columns to show, comma-separated\n"
		"      --list-columns     the columns of COMMAND, and exit\n"
		"  -s, --sort [-]COL      sort by COL (descending with -)\n"
		"      --no-headers       no table header\n"
		"      --pid PID          only buffers held by PID\n"
		"      --exporter NAME    only buffers of this exporter\n"
		"      --device NAME      only buffers attached to this device\n"
		"      --min-size SIZE    only buffers of at least SIZE (4096, 64K, 1M)\n"
		"      --bytes            exact byte counts instead of human sizes\n"
		"      --source LIST      auto, or any of bpf,debugfs,procfs,sysfs,lab\n"
		"      --root DIR         read a captured tree or a report (directory or archive)\n"
		"                         instead of /\n"
		"  -h, --help             help (of COMMAND when one is given)\n"
		"  -V, --version          print the version\n");
}

static const struct cmd *find_cmd(const char *name)
{
	const struct cmd *hit = NULL;
	size_t i, len = strlen(name);
	int nhits = 0;

	for (i = 0; i < NCMDS; i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
		if (!strncmp(cmds[i].name, name, len)) {
			hit = &cmds[i];
			nhits++;
		}
	}
	if (nhits == 1)
		return hit;
	if (nhits > 1) {
		char list[256] = "";

		for (i = 0; i < NCMDS; i++)
			if (!strncmp(cmds[i].name, name, len))
				snprintf(list + strlen(list), sizeof(list) - strlen(list), " %s",
					 cmds[i].name);
		cli_error("command '%s' is ambiguous:%s", name, list);
	} else {
		cli_error("unknown command '%s' (see dmabuf help)", name);
	}
	return NULL;
}

static void cmd_help(const struct cmd *c)
{
	char *own_help[] = { (char *)c->name, "--help", NULL };

	if (own_options(c)) {	/* its options are its own: it knows them best */
		c->func(1, own_help + 1);
		return;
	}
	printf("Usage: dmabuf [OPTIONS] %s %s\n  %s\n", c->name, c->args, c->help);
	if (c->func != do_help && c->func != do_version && c->func != do_pin &&
	    c->func != do_unpin) {
		printf("\nColumns (-o, --sort; default %s):\n", dmabuf_default_columns(c->view));
		cli_list_columns(c->view);
	}
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 1) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[0]);
	if (!c)
		return EXIT_USAGE;
	cmd_help(c);
	return 0;
}

static int do_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (cli.jw) {
		jw_start_object(cli.jw);
		jw_string_field(cli.jw, "version", DMABUF_VERSION);
		jw_end_object(cli.jw);
	} else {
		printf("dmabuf %s\n", DMABUF_VERSION);
	}
	return 0;
}

enum { OPT_LIST_COLUMNS = 256, OPT_PID, OPT_EXPORTER, OPT_DEVICE, OPT_MIN_SIZE, OPT_BYTES,
       OPT_SOURCE, OPT_ROOT, OPT_NO_HEADERS };

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "list-columns", no_argument, NULL, OPT_LIST_COLUMNS },
	{ "sort", required_argument, NULL, 's' },
	{ "no-headers", no_argument, NULL, OPT_NO_HEADERS },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "exporter", required_argument, NULL, OPT_EXPORTER },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
	{ "bytes", no_argument, NULL, OPT_BYTES },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int parse_pid(const char *text, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || end == text || v <= 0 || v > 0x3fffffff)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

#define SHORT_OPTIONS "jpo:s:hV"

/*
 * Where a command with options of its own stands (the global options stop
 * there), else ARGC: the first word that is neither an option nor the
 * argument of one.
 */
static int own_options_at(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *p;
		const struct cmd *hit = NULL;
		size_t j, n, len;
		int nhits = 0;

		if (!strcmp(a, "--"))
			return argc;
		if (a[0] == '-' && a[1] == '-') {
			const struct option *lo, *found = NULL;

			n = strcspn(a + 2, "=");
			for (lo = long_options; lo->name; lo++)
				if (!strncmp(lo->name, a + 2, n) &&
				    (!found || strlen(lo->name) == n))
					found = lo;
			if (found && found->has_arg == required_argument && !a[2 + n])
				i++;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			for (p = a + 1; *p; p++) {
				const char *o = strchr(SHORT_OPTIONS, *p);

				if (o && o[1] == ':') {
					i += !p[1];	/* "-o COLS"; "-oCOLS" holds it */
					break;
				}
			}
			continue;
		}
		len = strlen(a);
		for (j = 0; j < NCMDS; j++) {
			if (!strcmp(cmds[j].name, a)) {
				hit = &cmds[j];
				nhits = 1;
				break;
			}
			if (!strncmp(cmds[j].name, a, len)) {
				hit = &cmds[j];
				nhits++;
			}
		}
		return nhits == 1 && own_options(hit) ? i : argc;
	}
	return argc;
}

int main(int argc, char **argv)
{
	int end = own_options_at(argc, argv);
	const struct cmd *c;
	bool help = false;
	char why[200];
	int opt, ret;

	cli.root = "/";
	while ((opt = getopt_long(end, argv, SHORT_OPTIONS, long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			cli.json = true;
			break;
		case 'p':
			cli.json = cli.pretty = true;
			break;
		case 'o':
			cli.columns = optarg;
			break;
		case 's':
			cli.sort = optarg;
			break;
		case OPT_LIST_COLUMNS:
			cli.list_columns = true;
			break;
		case OPT_NO_HEADERS:
			cli.no_headers = true;
			break;
		case OPT_PID:
			if (parse_pid(optarg, &cli.filter.pid)) {
				cli_error("--pid needs a process id, not '%s'", optarg);
				return EXIT_USAGE;
			}
			cli.collect.pid = cli.filter.pid;
			break;
		case OPT_EXPORTER:
			cli.filter.exporter = optarg;
			break;
		case OPT_DEVICE:
			cli.filter.device = optarg;
			break;
		case OPT_MIN_SIZE:
			if (dmabuf_parse_size(optarg, &cli.filter.min_size)) {
				cli_error("--min-size needs a size like 4096, 64K or 1M, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_BYTES:
			cli.fmt |= DMABUF_FMT_BYTES;
			break;
		case OPT_SOURCE:
			if (dmabuf_parse_sources(optarg, &cli.collect.sources, why, sizeof(why))) {
				cli_error("--source: %s", why);
				return EXIT_USAGE;
			}
			break;
		case OPT_ROOT:
			cli.root = optarg;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			return do_version(0, NULL);
		default:
			fprintf(stderr, "Try 'dmabuf help'.\n");
			return EXIT_USAGE;
		}
	}
	if (cli.json)
		cli.jw = jw_new(stdout, cli.pretty);
	if (!help && cli_open_root()) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (optind >= argc) {
		if (help) {
			usage(stdout);
			ret = 0;
		} else {
			/* like `ip`: no command lists the main object */
			c = find_cmd("ls");
			ret = c->func(0, argv + argc);
		}
		goto out;
	}
	c = find_cmd(argv[optind]);
	if (!c) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (help) {
		cmd_help(c);
		ret = 0;
	} else if (cli.list_columns) {
		cli_list_columns(c->view);
		ret = 0;
	} else {
		ret = c->func(argc - optind - 1, argv + optind + 1);
	}
out:
	jw_destroy(cli.jw);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "dmabuf: writing the output failed: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	return ret;
}
