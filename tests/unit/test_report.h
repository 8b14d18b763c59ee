/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_report.h - helpers of the report unit tests (test_report*.c): take a
 * report of a root, open a bundle, a snapshot as its JSON text, every file
 * of a tree. Header-only, after fixtures.h and cmocka.h.
 */
#ifndef DMABUF_TEST_REPORT_H
#define DMABUF_TEST_REPORT_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "json.h"
#include "report.h"
#include "snapshot_json.h"
#include "views.h"

static inline struct dmabuf_snapshot *collect_root(const char *root)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(root);

	assert_non_null(s);
	assert_int_equal(dmabuf_collect(s, NULL), 0);
	return s;
}

/*
 * JSON TEXT with its "root" member's value replaced by "R": the one member
 * that names where a snapshot was read from, not what it saw.
 */
static inline char *without_root(const char *text)
{
	const char *at = strstr(text, "\"root\":\""), *end;
	char *out;

	assert_non_null(at);
	end = at + 8;
	while (*end && *end != '"')
		end += *end == '\\' ? 2 : 1;
	assert_true(*end == '"');
	assert_true(asprintf(&out, "%.*s\"root\":\"R\"%s", (int)(at - text), text, end + 1) > 0);
	return out;
}

/* `dmabuf ls -j` of S, root member normalized. */
static inline char *json_of(const struct dmabuf_snapshot *s)
{
	char *buf = NULL, *out;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *jw = jw_new(f, false);

	dmabuf_json_snapshot(jw, s, NULL);
	jw_destroy(jw);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';	/* as the tests keep snapshot.json's one line */
	out = without_root(buf);
	free(buf);
	return out;
}

static inline char *json_of_root(const char *root)
{
	struct dmabuf_snapshot *s = collect_root(root);
	char *j = json_of(s);

	dmabuf_snapshot_free(s);
	return j;
}

/* `dmabuf check` of S, as findings.txt holds it. */
static inline char *findings_of(const struct dmabuf_snapshot *s)
{
	struct dmabuf_finding *f = NULL;
	char *buf = NULL;
	size_t n = 0, i, len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_int_equal(dmabuf_findings(s, NULL, &f, &n), 0);
	for (i = 0; i < n; i++)
		fprintf(m, "%-9s ino %-8llu %s\n          -> %s\n", dmabuf_finding_kind_name(f[i].kind),
			(unsigned long long)f[i].ino, f[i].what, f[i].consequence);
	fprintf(m, "%zu finding%s in %zu buffers\n", n, n == 1 ? "" : "s", s->n_buf);
	fclose(m);
	free(f);
	return buf;
}

/* A report of ROOT into DIR/NAME; the archive's path (malloc'd). */
static inline char *make_report(const char *root, const char *dir, const char *name, bool redact,
				size_t file_cap, size_t total_cap, struct dmabuf_report_result *res)
{
	struct dmabuf_report_opts o = { .root = root, .redact = redact, .file_cap = file_cap,
					.total_cap = total_cap, .tool_version = "test" };
	struct dmabuf_report_result r;
	char err[512], *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	o.output = path;
	if (dmabuf_report(&o, res ? res : &r, err, sizeof(err)))
		fail_msg("dmabuf_report: %s", err);
	return path;
}

static inline struct dmabuf_bundle *open_bundle(const char *path)
{
	struct dmabuf_bundle *b = NULL;
	char err[512];

	if (dmabuf_bundle_open(path, &b, err, sizeof(err)))
		fail_msg("dmabuf_bundle_open: %s", err);
	return b;
}

/* BUNDLE_ROOT/REL, whole. */
static inline char *bundle_file(const struct dmabuf_bundle *b, const char *rel, size_t *len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dmabuf_bundle_root(b), rel);
	return read_file(path, len);
}

/* --- every file of a tree -------------------------------------------------- */

static struct {
	const char *const *needles;
	const size_t *lens;
	size_t n;
	unsigned int files, hits;
	char first[PATH_MAX];
} tree_scan;

static inline int scan_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char buf[PATH_MAX + 1];
	size_t len = 0, i;
	char *text;
	ssize_t n;

	(void)st;
	(void)ftw;
	if (flag == FTW_SL) {
		n = readlink(path, buf, sizeof(buf) - 1);
		text = n < 0 ? NULL : buf;
		len = n < 0 ? 0 : (size_t)n;
	} else if (flag == FTW_F) {
		text = read_file(path, &len);
	} else {
		return 0;
	}
	tree_scan.files++;
	for (i = 0; text && i < tree_scan.n; i++) {
		if (!memmem(text, len, tree_scan.needles[i], tree_scan.lens[i]) &&
		    !strstr(path, tree_scan.needles[i]))
			continue;
		if (!tree_scan.hits++)
			snprintf(tree_scan.first, sizeof(tree_scan.first), "%s holds needle %zu", path, i);
	}
	if (text != buf)
		free(text);
	return 0;
}

/* How many (file, needle) pairs of the tree under DIR match; *FILES: files seen. */
static inline unsigned int tree_holds(const char *dir, const char *const *needles,
				      const size_t *lens, size_t n, unsigned int *files)
{
	tree_scan.needles = needles;
	tree_scan.lens = lens;
	tree_scan.n = n;
	tree_scan.files = tree_scan.hits = 0;
	tree_scan.first[0] = '\0';
	assert_int_equal(nftw(dir, scan_one, 16, FTW_PHYS), 0);
	if (files)
		*files = tree_scan.files;
	return tree_scan.hits;
}

#endif
