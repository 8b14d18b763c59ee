/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fixtures.h - helpers of the unit tests that read tests/fixtures/LABEL/
 * (root trees captured from the test kernels, see tests/fixtures/README.md)
 * or build small roots of their own from edited real lines. Header-only:
 * every tests/unit/test_*.c is its own program.
 */
#ifndef DMABUF_TEST_FIXTURES_H
#define DMABUF_TEST_FIXTURES_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"

static inline const char *fixtures_dir(void)
{
	const char *d = getenv("FIXTURES");

	return d && *d ? d : "tests/fixtures";
}

/* FIXTURES/LABEL[/REL], in a static buffer (one at a time). */
static inline const char *fixture_path(const char *label, const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s%s%s", fixtures_dir(), label, rel ? "/" : "",
		 rel ? rel : "");
	return path;
}

/* The whole file, NUL-terminated; fails the test when it cannot be read. */
static inline char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		if (!got)
			break;
		n += got;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static inline char *read_fixture(const char *label, const char *rel, size_t *len)
{
	return read_file(fixture_path(label, rel), len);
}

/* The pid of the captured process whose comm is COMM (the first found). */
static inline pid_t fixture_pid(const char *label, const char *comm)
{
	char path[PATH_MAX * 2], buf[64];
	DIR *d = opendir(fixture_path(label, "proc"));
	struct dirent *de;
	pid_t pid = 0;

	assert_non_null(d);
	while (!pid && (de = readdir(d))) {
		FILE *f;
		size_t n;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/proc/%s/comm", fixture_path(label, NULL),
			 de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (n && buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		if (!strcmp(buf, comm))
			pid = atoi(de->d_name);
	}
	closedir(d);
	assert_true(pid > 0);
	return pid;
}

/*
 * TEXT with the first occurrence of OLD replaced by NEW (malloc'd). The
 * variant inputs are real captured text edited this way: the test fails if
 * OLD is not in it.
 */
static inline char *edit(const char *text, const char *old, const char *new)
{
	const char *at = strstr(text, old);
	size_t lt = strlen(text), lo = strlen(old), ln = strlen(new);
	char *out;

	if (!at)
		fail_msg("\"%s\" not in the text to edit", old);
	out = malloc(lt - lo + ln + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), new, ln);
	memcpy(out + (at - text) + ln, at + lo, lt - (size_t)(at - text) - lo + 1);
	return out;
}

/* Every OLD replaced by NEW, in place ownership: frees TEXT. */
static inline char *edit_all(char *text, const char *old, const char *new)
{
	while (strstr(text, old)) {
		char *n = edit(text, old, new);

		free(text);
		text = n;
	}
	return text;
}

static inline struct dmabuf_buffer *must_buf(struct dmabuf_snapshot *s, uint64_t ino)
{
	struct dmabuf_buffer *b = dmabuf_buffer_get(s, ino, false);

	if (!b)
		fail_msg("no buffer with inode %llu", (unsigned long long)ino);
	return b;
}

static inline const struct dmabuf_owner *owner_of(const struct dmabuf_buffer *b, pid_t pid)
{
	size_t i;

	for (i = 0; i < b->n_own; i++)
		if (b->own[i].pid == pid)
			return &b->own[i];
	return NULL;
}

static inline const struct dmabuf_source_status *status_of(const struct dmabuf_snapshot *s,
							    unsigned int srcbit)
{
	return &s->status[__builtin_ctz(srcbit)];
}

/* Asserts that the status detail of SRCBIT contains WHAT. */
#define assert_detail(s, srcbit, what) do { \
	const char *d_ = status_of((s), (srcbit))->detail; \
	if (!strstr(d_, (what))) \
		fail_msg("detail \"%s\" lacks \"%s\"", d_, (what)); \
} while (0)

/* --- temporary roots ----------------------------------------------------- */

static inline char *tmp_root(void)
{
	char *dir = strdup("/tmp/dmabuf-unit.XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Writes ROOT/REL (creating its directories) with LEN bytes of TEXT. */
static inline void put_file(const char *root, const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* ROOT/REL as a symlink to TARGET. */
static inline void put_link(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void rm_root(char *root)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

/* A copy of fixture LABEL in a temporary root, to break on purpose. */
static inline char *copy_fixture(const char *label)
{
	char *root = tmp_root(), cmd[PATH_MAX * 2 + 32];

	snprintf(cmd, sizeof(cmd), "cp -a '%s/.' '%s/'", fixture_path(label, NULL), root);
	assert_int_equal(system(cmd), 0);
	return root;
}

#endif
