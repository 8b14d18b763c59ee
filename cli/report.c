// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report.c - `dmabuf report [-o FILE] [--trace SECONDS] [--redact]`, and
 * --root given a report archive (unpacked for the run, removed at exit).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmabuf.h"
#include "report.h"

#ifndef DMABUF_VERSION
#define DMABUF_VERSION "0.1"
#endif

#define TRACE_MAX_SECONDS 3600

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_progress(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "dmabuf: report: %s\n", msg);
}

static void report_usage(FILE *f)
{
	fprintf(f, "Usage: dmabuf [--root DIR] report [-o FILE] [--trace SECONDS] [--redact]\n"
		"  One archive for a bug report: the sources as read, kernel context, the\n"
		"  snapshot and its findings (see dmabuf(8), REPORT).\n\n"
		"  -o, --output FILE      the archive (default dmabuf-report-DATE.tar.gz;\n"
		"                         - for standard output)\n"
		"      --trace SECONDS    then trace the buffers' lifecycle for SECONDS\n"
		"      --redact           comms, command lines, buffer names as stable hashes\n"
		"  -h, --help             this help\n");
}

int do_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "trace", required_argument, NULL, 't' },
		{ "redact", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dmabuf_report_opts o = { .root = cli.root, .tool_version = DMABUF_VERSION,
					.progress = on_progress, .stop = &stop };
	struct sigaction sa = { .sa_handler = on_signal };
	struct dmabuf_report_result res;
	char err[512], *end;
	long secs;
	int opt;

	/* argv[-1] is "report": getopt wants a program name first */
	optind = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, "+o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o.output = optarg;
			break;
		case 't':
			errno = 0;
			secs = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || secs < 1 ||
			    secs > TRACE_MAX_SECONDS) {
				cli_error("--trace needs seconds from 1 to %d, not '%s'",
					  TRACE_MAX_SECONDS, optarg);
				return EXIT_USAGE;
			}
			o.trace_seconds = (unsigned int)secs;
			break;
		case 'r':
			o.redact = true;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc + 1) {
		cli_error("report takes no arguments ('%s'); the archive is -o FILE",
			  argv[optind - 1]);
		return EXIT_USAGE;
	}
	if (o.output && !strcmp(o.output, "-") && isatty(STDOUT_FILENO)) {
		cli_error("not writing an archive to a terminal");
		return EXIT_USAGE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (dmabuf_report(&o, &res, err, sizeof(err))) {
		cli_error("report: %s", err);
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "dmabuf: report: %zu files, %llu bytes before compression%s%s\n",
		res.files, (unsigned long long)res.bytes,
		res.missing ? "; not everything could be read (manifest.json, \"missing\")" : "",
		res.privileged ? "" : "; run as root for the sources that need it");
	if (strcmp(res.path, "-"))
		printf("%s\n", res.path);
	return 0;
}

/* --- --root BUNDLE ----------------------------------------------------------- */

static struct dmabuf_bundle *bundle;
static sigset_t held;

static void close_bundle(void)
{
	dmabuf_bundle_close(bundle);
	bundle = NULL;
	/* a signal that came meanwhile ends the process now, the temporary files gone */
	if (!sigisemptyset(&held))
		sigprocmask(SIG_UNBLOCK, &held, NULL);
}

int cli_open_root(void)
{
	struct stat st;
	char err[512];

	if (!strcmp(cli.root, "/"))
		return 0;
	if (!stat(cli.root, &st) && S_ISDIR(st.st_mode)) {
		/* a directory is read where it is; a report's top directory is found */
		if (dmabuf_bundle_open(cli.root, &bundle, err, sizeof(err))) {
			cli_error("--root: %s", err);
			return -1;
		}
		atexit(close_bundle);
		cli.root = dmabuf_bundle_root(bundle);
		return 0;
	}
	/*
	 * An archive is unpacked into a temporary directory that must not
	 * outlive the run: the signals that would end it wait until exit.
	 */
	sigemptyset(&held);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGHUP);
	sigaddset(&held, SIGQUIT);
	sigprocmask(SIG_BLOCK, &held, NULL);
	if (dmabuf_bundle_open(cli.root, &bundle, err, sizeof(err))) {
		sigprocmask(SIG_UNBLOCK, &held, NULL);
		cli_error("--root: %s", err);
		return -1;
	}
	atexit(close_bundle);
	cli.root = dmabuf_bundle_root(bundle);
	return 0;
}
