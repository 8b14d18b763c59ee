/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef DMABUF_CLI_H
#define DMABUF_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "collect.h"
#include "json.h"
#include "views.h"

/* Exit statuses: 0 fine, 1 findings (check), 2 usage, 3 could not run. */
enum { EXIT_FINDINGS = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

struct cli {
	bool json, pretty, list_columns, no_headers;
	unsigned int fmt;		/* DMABUF_FMT_* */
	const char *columns;		/* -o */
	const char *sort;		/* --sort, "-col" descends */
	const char *root;
	struct dmabuf_filter filter;
	struct dmabuf_collect_opts collect;
	struct json_writer *jw;		/* with -j */
};

extern struct cli cli;

/* Reports an error: {"error": ...} on stdout under -j, else "dmabuf: ..." on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Takes the snapshot the options ask for; NULL after reporting why. */
struct dmabuf_snapshot *cli_snapshot(void);
/* Notes on stderr about sources that were not read completely (text output). */
void cli_source_notes(const struct dmabuf_snapshot *s);

/* Prints N rows of view V as a table, honouring -o and --sort (which reorders ROWS). */
int cli_table(const struct dmabuf_snapshot *s, enum dmabuf_view v, const void **rows, size_t n);
void cli_list_columns(enum dmabuf_view v);

int do_ls(int argc, char **argv);
int do_show(int argc, char **argv);
int do_procs(int argc, char **argv);
int do_exporters(int argc, char **argv);
int do_devices(int argc, char **argv);
int do_check(int argc, char **argv);
int do_report(int argc, char **argv);
int do_pin(int argc, char **argv);
int do_unpin(int argc, char **argv);
/* --root given a report archive or directory: the root to read (cli/report.c); 0 or -1. */
int cli_open_root(void);

#endif
