// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The procfs collector (lib/procfs.c): fdinfo parsing on files captured from
 * 6.1 and 7.3, then the collector on those trees and on copies broken on
 * purpose (a process or an fd vanishing mid-scan, fdinfo without ino).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "collect.h"
#include "fixtures.h"

#define FDINFO DMABUF_SRC_FDINFO
#define PROCFS DMABUF_SRC_PROCFS

static const char hostile[] = "\x1b]0;t\x07\x1b[31mred\x1b[0m\tx\xff\xc3(";

static void parse_fixture(const char *label, pid_t pid, int fd, struct dmabuf_fdinfo *fi)
{
	char rel[64], *text;
	size_t len;

	snprintf(rel, sizeof(rel), "proc/%d/fdinfo/%d", (int)pid, fd);
	text = read_fixture(label, rel, &len);
	assert_int_equal(dmabuf_parse_fdinfo(text, len, fi), 0);
	free(text);
}

static void test_fdinfo_captured(void **state)
{
	pid_t pid = fixture_pid("7.3", "run_mkbufs");
	struct dmabuf_fdinfo fi;

	(void)state;
	/* fd 5: a dup of scanout-0 without O_CLOEXEC */
	parse_fixture("7.3", pid, 5, &fi);
	assert_true(fi.is_dmabuf);
	assert_int_equal(fi.ino, 1);
	assert_int_equal(fi.size, 4096);
	assert_int_equal(fi.count, 10);
	assert_int_equal(fi.flags, 02);
	assert_string_equal(fi.exp_name, "drm");
	assert_true(fi.has_name);
	assert_string_equal(fi.name, "scanout-0");

	parse_fixture("7.3", pid, 6, &fi);	/* hostile name, byte-exact */
	assert_int_equal(fi.ino, 2);
	assert_int_equal(fi.flags, 02000002);
	assert_int_equal(strlen(fi.name), sizeof(hostile) - 1);
	assert_memory_equal(fi.name, hostile, sizeof(hostile) - 1);

	parse_fixture("7.3", pid, 8, &fi);	/* the name's newline runs to the end */
	assert_string_equal(fi.name, "two\nlines");
	assert_int_equal(fi.count, 7);

	parse_fixture("7.3", pid, 9, &fi);	/* named "" */
	assert_true(fi.has_name);
	assert_string_equal(fi.name, "");
	parse_fixture("7.3", pid, 10, &fi);	/* unnamed */
	assert_false(fi.has_name);
	assert_int_equal(fi.ino, 6);

	parse_fixture("7.3", pid, 0, &fi);	/* /dev/null: not a dma-buf */
	assert_false(fi.is_dmabuf);
	assert_int_equal(fi.ino, 4);
	assert_int_equal(fi.count, -1);

	pid = fixture_pid("6.1", "run_mkbufs");
	parse_fixture("6.1", pid, 13, &fi);
	assert_int_equal(fi.ino, 8);
	assert_int_equal(fi.size, 8192);
	assert_string_equal(fi.exp_name, "dmabuf_lab");
	assert_string_equal(fi.name, "lab-dynamic");
}

/* Variants made from 7.3's fdinfo of fd 5 (scanout-0) and fd 8 (two\nlines). */
static void test_fdinfo_variants(void **state)
{
	pid_t pid = fixture_pid("7.3", "run_mkbufs");
	char rel[64], *text, *v;
	struct dmabuf_fdinfo fi;

	(void)state;
	snprintf(rel, sizeof(rel), "proc/%d/fdinfo/5", (int)pid);
	text = read_fixture("7.3", rel, NULL);

	/* before ~5.14 the generic part has no ino */
	v = edit(text, "ino:\t1\n", "");
	assert_int_equal(dmabuf_parse_fdinfo(v, strlen(v), &fi), 0);
	assert_int_equal(fi.ino, 0);
	assert_true(fi.is_dmabuf);
	assert_int_equal(fi.size, 4096);
	free(v);

	/* a newer kernel printing a key after the name: the name ends at its newline */
	v = edit(text, "name:\tscanout-0\n", "name:\tscanout-0\nnew_key:\t3\n");
	assert_int_equal(dmabuf_parse_fdinfo(v, strlen(v), &fi), 0);
	assert_string_equal(fi.name, "scanout-0");
	free(v);
	v = edit(text, "name:\tscanout-0\n", "name:\ttwo\nlines\nnew_key:\t3\n");
	assert_int_equal(dmabuf_parse_fdinfo(v, strlen(v), &fi), 0);
	assert_string_equal(fi.name, "two\nlines");
	free(v);
	free(text);

	assert_int_equal(dmabuf_parse_fdinfo("garbage", 7, &fi), -EINVAL);
	assert_int_equal(dmabuf_parse_fdinfo("", 0, &fi), -EINVAL);
}

static struct dmabuf_snapshot *collect_procfs(const char *root, pid_t only)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(root);

	assert_non_null(s);
	assert_int_equal(dmabuf_collect_procfs(s, only), 0);
	return s;
}

static bool has_fd(const struct dmabuf_owner *o, int fd)
{
	unsigned int i;

	for (i = 0; i < o->nfds; i++)
		if (o->fds[i] == fd)
			return true;
	return false;
}

/* procfs alone: buffers from fdinfo and maps, nothing from debugfs. */
static void test_procfs_7_3(void **state)
{
	pid_t mk = fixture_pid("7.3", "run_mkbufs");
	pid_t kid = fixture_pid("7.3", "kid\x1b[1m\tx");
	struct dmabuf_snapshot *s = collect_procfs(fixture_path("7.3", NULL), 0);
	const struct dmabuf_owner *o;
	struct dmabuf_buffer *b;

	(void)state;
	assert_int_equal(status_of(s, PROCFS)->state, DMABUF_SOURCE_OK);
	assert_detail(s, PROCFS, "3 processes, 23 dma-buf fds, 21 mappings");
	assert_int_equal(status_of(s, FDINFO)->state, DMABUF_SOURCE_OK);
	/* every buffer but the kernel-held one (ino 12) */
	assert_int_equal(s->n_buf, 11);
	assert_null(dmabuf_buffer_get(s, 12, false));

	b = must_buf(s, 1);
	assert_int_equal(b->n_own, 3);
	assert_int_equal(b->seen, FDINFO | PROCFS);
	assert_int_equal(b->src[DMABUF_F_OWNERS], FDINFO | PROCFS);
	o = owner_of(b, mk);
	assert_non_null(o);
	assert_string_equal(o->comm, "run_mkbufs");
	assert_int_equal(o->nfds, 2);
	assert_true(has_fd(o, 4) && has_fd(o, 5));
	assert_int_equal(o->nmaps, 1);
	assert_int_equal(o->mapped_bytes, 4096);
	assert_int_equal(o->src, FDINFO | PROCFS);
	o = owner_of(b, kid);	/* closed its fd, kept the mapping */
	assert_non_null(o);
	assert_string_equal(o->comm, "kid\x1b[1m\tx");
	assert_int_equal(o->nfds, 0);
	assert_int_equal(o->nmaps, 1);
	assert_int_equal(o->src, PROCFS);

	b = must_buf(s, 2);
	assert_int_equal(strlen(b->name), sizeof(hostile) - 1);
	assert_memory_equal(b->name, hostile, sizeof(hostile) - 1);
	assert_int_equal(b->src[DMABUF_F_NAME], FDINFO);
	assert_true(has_fd(owner_of(b, kid), 6));

	b = must_buf(s, 8);	/* udmabuf-maponly: its fd is closed */
	assert_int_equal(b->seen, PROCFS);
	assert_int_equal(b->src[DMABUF_F_SIZE], 0);
	assert_int_equal(b->src[DMABUF_F_NAME], 0);
	assert_int_equal(b->n_own, 3);
	assert_int_equal(b->own[0].nfds + b->own[1].nfds + b->own[2].nfds, 0);
	assert_int_equal(b->own[0].mapped_bytes, 8192);

	b = must_buf(s, 4);	/* maps escapes the name's newline: "\012" */
	assert_string_equal(b->name, "two\nlines");
	assert_int_equal(owner_of(b, kid)->nmaps, 1);
	dmabuf_snapshot_free(s);
}

static void test_only_pid(void **state)
{
	pid_t kid = fixture_pid("7.3", "kid\x1b[1m\tx");
	struct dmabuf_snapshot *s = collect_procfs(fixture_path("7.3", NULL), kid);
	size_t i;

	(void)state;
	assert_int_equal(status_of(s, PROCFS)->state, DMABUF_SOURCE_OK);
	assert_detail(s, PROCFS, "1 processes, 1 dma-buf fds, 7 mappings");
	assert_int_equal(s->n_buf, 7);
	for (i = 0; i < s->n_buf; i++) {
		assert_int_equal(s->buf[i].n_own, 1);
		assert_int_equal(s->buf[i].own[0].pid, kid);
	}
	dmabuf_snapshot_free(s);

	s = collect_procfs(fixture_path("7.3", NULL), 99999);
	assert_int_equal(s->n_buf, 0);
	assert_detail(s, PROCFS, "no process 99999");
	dmabuf_snapshot_free(s);
}

/*
 * A live system changes during the scan: a process that exits, an fd closed
 * between its readlink and its fdinfo. Both are skipped silently.
 */
static void test_vanishing(void **state)
{
	pid_t holder = fixture_pid("6.1", "holder-all");
	pid_t kid = fixture_pid("6.1", "kid\x1b[1m\tx");
	char *root = copy_fixture("6.1"), path[512];
	struct dmabuf_snapshot *s;
	const struct dmabuf_owner *o;

	(void)state;
	snprintf(path, sizeof(path), "%s/proc/%d/fdinfo/6", root, (int)holder);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "rm -r '%s/proc/%d'", root, (int)kid);
	assert_int_equal(system(path), 0);
	s = collect_procfs(root, 0);
	assert_int_equal(status_of(s, PROCFS)->state, DMABUF_SOURCE_OK);
	assert_int_equal(status_of(s, FDINFO)->state, DMABUF_SOURCE_OK);
	assert_detail(s, PROCFS, "2 processes");
	o = owner_of(must_buf(s, 2), holder);
	assert_non_null(o);
	assert_int_equal(o->nfds, 0);	/* the fd went, its mapping stays */
	assert_int_equal(o->nmaps, 1);
	assert_null(owner_of(must_buf(s, 2), kid));
	dmabuf_snapshot_free(s);
	rm_root(root);
}

/* fdinfo without "ino:" (before ~5.14) in a captured tree cannot be keyed. */
static void test_fdinfo_without_ino(void **state)
{
	pid_t mk = fixture_pid("6.1", "run_mkbufs");
	char *root = copy_fixture("6.1"), rel[64], *text, *v;
	struct dmabuf_snapshot *s;

	(void)state;
	snprintf(rel, sizeof(rel), "proc/%d/fdinfo/7", (int)mk);
	text = read_fixture("6.1", rel, NULL);
	v = edit(text, "ino:\t3\n", "");
	put_file(root, rel, v, strlen(v));
	s = collect_procfs(root, 0);
	assert_int_equal(status_of(s, FDINFO)->state, DMABUF_SOURCE_PARTIAL);
	assert_detail(s, FDINFO, "1 dma-buf fds without an inode");
	assert_true(has_fd(owner_of(must_buf(s, 3), fixture_pid("6.1", "holder-all")), 7));
	assert_null(owner_of(must_buf(s, 3), mk));
	dmabuf_snapshot_free(s);
	free(v);
	free(text);
	rm_root(root);
}

/* An fdinfo that is not a dma-buf's while the link says dma-buf. */
static void test_fdinfo_unreadable(void **state)
{
	pid_t mk = fixture_pid("6.1", "run_mkbufs");
	char *root = copy_fixture("6.1"), rel[64];
	struct dmabuf_snapshot *s;

	(void)state;
	snprintf(rel, sizeof(rel), "proc/%d/fdinfo/7", (int)mk);
	put_file(root, rel, "x\n", 2);
	s = collect_procfs(root, 0);
	assert_int_equal(status_of(s, FDINFO)->state, DMABUF_SOURCE_PARTIAL);
	assert_detail(s, FDINFO, "fdinfo of 1 dma-buf fds unreadable or not dma-buf");
	assert_int_equal(status_of(s, PROCFS)->state, DMABUF_SOURCE_OK);
	dmabuf_snapshot_free(s);
	rm_root(root);
}

/* Old kernels' link text "anon_inode:dmabuf" (made from 6.1's fd 7 link). */
static void test_anon_inode_link(void **state)
{
	pid_t mk = fixture_pid("6.1", "run_mkbufs");
	char *root = copy_fixture("6.1"), path[512];
	struct dmabuf_snapshot *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/proc/%d/fd/7", root, (int)mk);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("anon_inode:dmabuf", path), 0);
	s = collect_procfs(root, 0);
	assert_true(has_fd(owner_of(must_buf(s, 3), mk), 7));
	dmabuf_snapshot_free(s);
	rm_root(root);
}

static void test_no_proc(void **state)
{
	char *root = tmp_root();
	struct dmabuf_snapshot *s = collect_procfs(root, 0);

	(void)state;
	assert_int_equal(status_of(s, PROCFS)->state, DMABUF_SOURCE_UNAVAILABLE);
	assert_int_equal(status_of(s, FDINFO)->state, DMABUF_SOURCE_UNAVAILABLE);
	assert_detail(s, PROCFS, "no proc/ in the captured tree");
	assert_int_equal(s->n_buf, 0);
	dmabuf_snapshot_free(s);
	rm_root(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdinfo_captured),
		cmocka_unit_test(test_fdinfo_variants),
		cmocka_unit_test(test_procfs_7_3),
		cmocka_unit_test(test_only_pid),
		cmocka_unit_test(test_vanishing),
		cmocka_unit_test(test_fdinfo_without_ino),
		cmocka_unit_test(test_fdinfo_unreadable),
		cmocka_unit_test(test_anon_inode_link),
		cmocka_unit_test(test_no_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
