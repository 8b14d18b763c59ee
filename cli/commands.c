// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* commands.c - the `dmabuf` commands: each takes a snapshot and prints a view. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dmabuf.h"
#include "escape.h"
#include "snapshot_json.h"

struct dmabuf_snapshot *cli_snapshot(void)
{
	struct dmabuf_snapshot *s;
	struct stat st;

	if (stat(cli.root, &st) || !S_ISDIR(st.st_mode)) {
		cli_error("cannot read root directory '%s': %s", cli.root,
			  errno ? strerror(errno) : "not a directory");
		return NULL;
	}
	s = dmabuf_snapshot_new(cli.root);
	if (!s || dmabuf_collect(s, &cli.collect)) {
		cli_error("out of memory taking the snapshot");
		dmabuf_snapshot_free(s);
		return NULL;
	}
	return s;
}

void cli_source_notes(const struct dmabuf_snapshot *s)
{
	unsigned int bit;

	for (bit = 0; bit < DMABUF_SRC_COUNT; bit++) {
		const struct dmabuf_source_status *st = &s->status[bit];

		if (!dmabuf_source_noteworthy(s, bit, cli.collect.sources))
			continue;
		fprintf(stderr, "dmabuf: note: %s %s%s%s\n", dmabuf_source_name(bit),
			dmabuf_source_state_name(st->state), st->detail[0] ? ": " : "", st->detail);
	}
}

/*
 * Exit status for the sources: an explicitly requested source that could not
 * be read is an error; in auto mode only having no source at all is.
 */
static int sources_status(const struct dmabuf_snapshot *s)
{
	unsigned int bit;

	if (!cli.json)
		cli_source_notes(s);
	if (!s->used) {
		cli_error("no source could be read (see the notes above; most need root)");
		return EXIT_RUNTIME;
	}
	for (bit = 0; bit < DMABUF_SRC_COUNT; bit++) {
		enum dmabuf_source_state st = s->status[bit].state;

		if ((cli.collect.sources & (1u << bit)) &&
		    (st == DMABUF_SOURCE_UNAVAILABLE || st == DMABUF_SOURCE_FAILED)) {
			if (cli.json)
				fprintf(stderr, "dmabuf: source %s %s: %s\n", dmabuf_source_name(bit),
					dmabuf_source_state_name(st), s->status[bit].detail);
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

int do_ls(int argc, char **argv)
{
	struct dmabuf_snapshot *s;
	const void **rows;
	size_t i, n = 0;
	int ret;

	(void)argv;
	if (argc) {
		cli_error("ls takes no arguments (filters are options: --pid, --exporter, ...)");
		return EXIT_USAGE;
	}
	s = cli_snapshot();
	if (!s)
		return EXIT_RUNTIME;
	if (cli.json) {
		dmabuf_json_snapshot(cli.jw, s, &cli.filter);
		ret = sources_status(s);
		dmabuf_snapshot_free(s);
		return ret;
	}
	rows = malloc((s->n_buf ? s->n_buf : 1) * sizeof(*rows));
	if (!rows) {
		dmabuf_snapshot_free(s);
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	for (i = 0; i < s->n_buf; i++)
		if (dmabuf_filter_match(&cli.filter, &s->buf[i]))
			rows[n++] = &s->buf[i];
	ret = cli_table(s, DMABUF_VIEW_BUFFERS, rows, n);
	free(rows);
	if (!ret)
		ret = sources_status(s);
	dmabuf_snapshot_free(s);
	return ret;
}

static void print_tri(const char *label, int v)
{
	printf("  %-12s %s\n", label, v == 1 ? "yes" : v == 0 ? "no" : "unknown");
}

static void show_text(const struct dmabuf_snapshot *s, const struct dmabuf_buffer *b)
{
	char buf[1024], size[32], st[6];
	size_t i;
	unsigned int k;

	dmabuf_format_size(b->size, 0, size, sizeof(size));
	dmabuf_buffer_state(s, b, st);
	printf("buffer %" PRIu64 "\n", b->ino);
	printf("  %-12s %s (%" PRIu64 " bytes)\n", "size", size, b->size);
	dmabuf_escape(b->exporter ? b->exporter : "?", b->exporter ? strlen(b->exporter) : 1,
		      buf, sizeof(buf));
	printf("  %-12s %s\n", "exporter", buf);
	if (b->name)
		dmabuf_escape(b->name, strlen(b->name), buf, sizeof(buf));
	printf("  %-12s %s\n", "name", b->name ? buf : "(none)");
	if (b->file_count >= 0)
		printf("  %-12s %ld\n", "count", b->file_count);
	print_tri("dynamic", b->exporter_dynamic);
	if (b->exp_ops)
		printf("  %-12s %s\n", "ops", b->exp_ops);
	printf("  %-12s %s\n", "state", st);
	if (b->violations >= 0)
		printf("  %-12s %ld\n", "violations", b->violations);

	printf("attachments: %u\n", b->n_att);
	for (i = 0; i < b->n_att; i++) {
		const struct dmabuf_attachment *a = &b->att[i];

		dmabuf_escape(a->device ? a->device : "?", a->device ? strlen(a->device) : 1,
			      buf, sizeof(buf));
		printf("  %s%s%s\n", buf, a->driver ? "  driver " : "", a->driver ? a->driver : "");
		printf("    importer %s, p2p %s, cached %s%s%s, pinned %s, mismatch %s  [%s]\n",
		       a->importer_dynamic == 1 ? "dynamic" : a->importer_dynamic == 0 ? "static" : "?",
		       a->peer2peer == 1 ? "yes" : a->peer2peer == 0 ? "no" : "?",
		       a->cached == 1 ? "yes" : a->cached == 0 ? "no" : "?",
		       a->cached == 1 ? " " : "", a->cached == 1 ? dmabuf_dir_name(a->cached_dir) : "",
		       a->pinned == 1 ? "yes" : a->pinned == 0 ? "no" : "?",
		       a->mismatch == 1 ? "YES" : a->mismatch == 0 ? "no" : "?",
		       dmabuf_sources_str(a->src, size, sizeof(size)));
	}
	printf("owners: %u\n", b->n_own);
	for (i = 0; i < b->n_own; i++) {
		const struct dmabuf_owner *o = &b->own[i];

		dmabuf_escape(o->comm, strlen(o->comm), buf, sizeof(buf));
		printf("  %d %s  fds", (int)o->pid, buf);
		for (k = 0; k < o->nfds; k++)
			printf("%s%d", k ? "," : " ", o->fds[k]);
		if (!o->nfds)
			printf(" -");
		dmabuf_format_size(o->mapped_bytes, cli.fmt, size, sizeof(size));
		printf("  maps %u (%s)\n", o->nmaps, size);
	}
	printf("provenance:\n");
	for (k = 0; k < DMABUF_F__COUNT; k++)
		if (b->src[k])
			printf("  %-16s %s\n", dmabuf_field_name(k),
			       dmabuf_sources_str(b->src[k], buf, sizeof(buf)));
	printf("  %-16s %s\n", "seen by", dmabuf_sources_str(b->seen, buf, sizeof(buf)));
}

int do_show(int argc, char **argv)
{
	struct dmabuf_snapshot *s;
	const struct dmabuf_buffer *b;
	uint64_t ino;
	char *end;
	int ret;

	if (argc != 1) {
		cli_error("show needs one inode number (see dmabuf ls)");
		return EXIT_USAGE;
	}
	errno = 0;
	ino = strtoull(argv[0], &end, 10);
	if (errno || *end || end == argv[0] || argv[0][0] == '-') {
		cli_error("'%s' is not an inode number", argv[0]);
		return EXIT_USAGE;
	}
	s = cli_snapshot();
	if (!s)
		return EXIT_RUNTIME;
	b = dmabuf_buffer_get(s, ino, false);
	if (!b) {
		cli_error("no dma-buf with inode %" PRIu64 " (seen by %zu buffers' sources)", ino,
			  s->n_buf);
		if (!cli.json)
			cli_source_notes(s);
		dmabuf_snapshot_free(s);
		return EXIT_RUNTIME;
	}
	if (cli.json)
		dmabuf_json_buffer(cli.jw, s, b);
	else
		show_text(s, b);
	ret = sources_status(s);
	dmabuf_snapshot_free(s);
	return ret;
}

typedef int (*view_fn)(const struct dmabuf_snapshot *s, const struct dmabuf_filter *f,
		       void **rows, size_t *n);

/* The aggregate views share everything but their rows and JSON members. */
static int do_view(int argc, enum dmabuf_view v, view_fn fn, size_t size,
		   void (*json_row)(struct json_writer *jw, const void *row), const char *member)
{
	struct dmabuf_snapshot *s;
	void *rows = NULL;
	size_t n = 0, i;
	int ret;

	if (argc) {
		cli_error("this command takes no arguments (filters are options)");
		return EXIT_USAGE;
	}
	s = cli_snapshot();
	if (!s)
		return EXIT_RUNTIME;
	if (fn(s, &cli.filter, &rows, &n)) {
		cli_error("out of memory");
		dmabuf_snapshot_free(s);
		return EXIT_RUNTIME;
	}
	if (cli.json) {
		jw_start_object(cli.jw);
		jw_name(cli.jw, member);
		jw_start_array(cli.jw);
		for (i = 0; i < n; i++)
			json_row(cli.jw, (const char *)rows + i * size);
		jw_end_array(cli.jw);
		jw_end_object(cli.jw);
		ret = 0;
	} else {
		const void **order = malloc((n ? n : 1) * sizeof(*order));

		for (i = 0; order && i < n; i++)
			order[i] = (const char *)rows + i * size;
		ret = order ? cli_table(s, v, order, n) : EXIT_RUNTIME;
		free(order);
	}
	if (!ret)
		ret = sources_status(s);
	free(rows);
	dmabuf_snapshot_free(s);
	return ret;
}

static void json_proc(struct json_writer *jw, const void *row)
{
	const struct dmabuf_proc_row *r = row;

	jw_start_object(jw);
	jw_int_field(jw, "pid", r->pid);
	jw_string_field(jw, "comm", r->comm);
	jw_uint_field(jw, "buffers", r->nbufs);
	jw_uint_field(jw, "fds", r->nfds);
	jw_uint_field(jw, "maps", r->nmaps);
	jw_uint_field(jw, "rss", r->rss);
	jw_uint_field(jw, "pss", r->pss);
	jw_end_object(jw);
}

static void json_exporter(struct json_writer *jw, const void *row)
{
	const struct dmabuf_exporter_row *r = row;

	jw_start_object(jw);
	jw_string_field(jw, "exporter", r->exporter);
	jw_uint_field(jw, "buffers", r->nbufs);
	jw_uint_field(jw, "bytes", r->bytes);
	if (r->dynamic == DMABUF_UNKNOWN)
		jw_null_field(jw, "dynamic");
	else
		jw_bool_field(jw, "dynamic", r->dynamic);
	jw_uint_field(jw, "attachments", r->natt);
	jw_uint_field(jw, "unowned", r->nunowned);
	jw_end_object(jw);
}

static void json_device(struct json_writer *jw, const void *row)
{
	const struct dmabuf_device_row *r = row;

	jw_start_object(jw);
	jw_string_field(jw, "device", r->device);
	jw_string_field(jw, "driver", r->driver);
	jw_uint_field(jw, "attachments", r->natt);
	jw_uint_field(jw, "bytes", r->bytes);
	jw_uint_field(jw, "dynamic", r->ndynamic);
	jw_uint_field(jw, "mismatch", r->nmismatch);
	jw_uint_field(jw, "cached", r->ncached);
	jw_uint_field(jw, "pinned", r->npinned);
	jw_end_object(jw);
}

int do_procs(int argc, char **argv)
{
	(void)argv;
	return do_view(argc, DMABUF_VIEW_PROCS, (view_fn)dmabuf_view_procs,
		       sizeof(struct dmabuf_proc_row), json_proc, "processes");
}

int do_exporters(int argc, char **argv)
{
	(void)argv;
	return do_view(argc, DMABUF_VIEW_EXPORTERS, (view_fn)dmabuf_view_exporters,
		       sizeof(struct dmabuf_exporter_row), json_exporter, "exporters");
}

int do_devices(int argc, char **argv)
{
	(void)argv;
	return do_view(argc, DMABUF_VIEW_DEVICES, (view_fn)dmabuf_view_devices,
		       sizeof(struct dmabuf_device_row), json_device, "devices");
}

int do_check(int argc, char **argv)
{
	struct dmabuf_snapshot *s;
	struct dmabuf_finding *f = NULL;
	size_t n = 0, i;
	int ret;

	(void)argv;
	if (argc) {
		cli_error("check takes no arguments");
		return EXIT_USAGE;
	}
	s = cli_snapshot();
	if (!s)
		return EXIT_RUNTIME;
	if (dmabuf_findings(s, &cli.filter, &f, &n)) {
		cli_error("out of memory");
		dmabuf_snapshot_free(s);
		return EXIT_RUNTIME;
	}
	if (cli.json) {
		jw_start_object(cli.jw);
		jw_name(cli.jw, "findings");
		jw_start_array(cli.jw);
		for (i = 0; i < n; i++) {
			jw_start_object(cli.jw);
			jw_string_field(cli.jw, "kind", dmabuf_finding_kind_name(f[i].kind));
			jw_uint_field(cli.jw, "ino", f[i].ino);
			if (f[i].att < 0)
				jw_null_field(cli.jw, "attachment");
			else
				jw_int_field(cli.jw, "attachment", f[i].att);
			jw_string_field(cli.jw, "what", f[i].what);
			jw_string_field(cli.jw, "consequence", f[i].consequence);
			jw_end_object(cli.jw);
		}
		jw_end_array(cli.jw);
		jw_uint_field(cli.jw, "count", n);
		jw_end_object(cli.jw);
	} else {
		for (i = 0; i < n; i++)
			printf("%-9s ino %-8" PRIu64 " %s\n          -> %s\n",
			       dmabuf_finding_kind_name(f[i].kind), f[i].ino, f[i].what,
			       f[i].consequence);
		printf("%zu finding%s in %zu buffers\n", n, n == 1 ? "" : "s", s->n_buf);
	}
	ret = sources_status(s);
	if (!ret && n)
		ret = EXIT_FINDINGS;
	free(f);
	dmabuf_snapshot_free(s);
	return ret;
}

/* What pin or unpin did: {"pinned": [...], "already": b, "removed": n} or text. */
static void print_pins(const struct dmabuf_pin_result *r, bool pin)
{
	int i;

	if (cli.json) {
		jw_start_object(cli.jw);
		if (pin) {
			jw_name(cli.jw, "pinned");
			jw_start_array(cli.jw);
			for (i = 0; i < r->n_paths; i++)
				jw_string(cli.jw, r->paths[i]);
			jw_end_array(cli.jw);
			jw_bool_field(cli.jw, "already", r->already);
		}
		jw_uint_field(cli.jw, "removed", (uint64_t)r->removed);
		jw_end_object(cli.jw);
		return;
	}
	if (r->removed)
		printf("removed %d pinned iterator%s%s\n", r->removed, r->removed == 1 ? "" : "s",
		       pin ? " of another dmabuf build" : "");
	else if (!pin)
		printf("nothing was pinned\n");
	for (i = 0; i < r->n_paths; i++)
		printf("%s %s\n", r->already ? "already pinned" : "pinned", r->paths[i]);
}

static int pin_command(int argc, bool pin)
{
	struct dmabuf_pin_result r;
	int err;

	if (argc) {
		cli_error("%s takes no arguments", pin ? "pin" : "unpin");
		return EXIT_USAGE;
	}
	if (strcmp(cli.root, "/")) {
		cli_error("%s works on the running system, not on --root %s", pin ? "pin" : "unpin",
			  cli.root);
		return EXIT_USAGE;
	}
	err = pin ? dmabuf_pin(&r) : dmabuf_unpin(&r);
	if (err) {
		cli_error("%s", r.error[0] ? r.error : strerror(-err));
		return EXIT_RUNTIME;
	}
	print_pins(&r, pin);
	return 0;
}

int do_pin(int argc, char **argv)
{
	(void)argv;
	return pin_command(argc, true);
}

int do_unpin(int argc, char **argv)
{
	(void)argv;
	return pin_command(argc, false);
}
