// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dmabuf_collect() replaying the root trees captured from Debian's 6.1 and
 * 7.3 kernels (tests/fixtures/): every source merged into one buffer per
 * inode, owners, names, the lab module's ground truth on the attachments;
 * then roots with a source missing, and the lab state parser on edited real
 * lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "collect.h"
#include "fixtures.h"

#define DEBUGFS DMABUF_SRC_DEBUGFS
#define FDINFO DMABUF_SRC_FDINFO
#define PROCFS DMABUF_SRC_PROCFS
#define LAB DMABUF_SRC_LAB
#define BPF DMABUF_SRC_BPF
#define LAB_STATE "sys/kernel/debug/dmabuf_lab/state"

static const char hostile[] = "\x1b]0;t\x07\x1b[31mred\x1b[0m\tx\xff\xc3(";

static struct dmabuf_snapshot *collect(const char *root, unsigned int sources, pid_t pid)
{
	struct dmabuf_collect_opts o = { .sources = sources, .pid = pid };
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(root);

	assert_non_null(s);
	assert_int_equal(dmabuf_collect(s, &o), 0);
	return s;
}

static enum dmabuf_source_state st(const struct dmabuf_snapshot *s, unsigned int bit)
{
	return status_of(s, bit)->state;
}

/* The N-th attachment of B on DEV (0-based), or fail. */
static const struct dmabuf_attachment *att(const struct dmabuf_buffer *b, const char *dev,
					   unsigned int nth)
{
	size_t i;

	for (i = 0; i < b->n_att; i++)
		if (!strcmp(b->att[i].device, dev) && !nth--)
			return &b->att[i];
	fail_msg("buffer %llu has no attachment %s", (unsigned long long)b->ino, dev);
	return NULL;
}

static void assert_sorted_unique(const struct dmabuf_snapshot *s)
{
	size_t i;

	for (i = 1; i < s->n_buf; i++)
		assert_true(s->buf[i - 1].ino < s->buf[i].ino);
}

static void test_replay_7_3(void **state)
{
	pid_t mk = fixture_pid("7.3", "run_mkbufs");
	pid_t holder = fixture_pid("7.3", "holder-all");
	pid_t kid = fixture_pid("7.3", "kid\x1b[1m\tx");
	struct dmabuf_snapshot *s = collect(fixture_path("7.3", NULL), 0, 0);
	const struct dmabuf_attachment *a;
	const struct dmabuf_owner *o;
	struct dmabuf_buffer *b;

	(void)state;
	assert_string_equal(s->kernel.release, "7.3.4+deb13-amd64");
	assert_int_equal(st(s, DEBUGFS), DMABUF_SOURCE_OK);
	assert_int_equal(st(s, FDINFO), DMABUF_SOURCE_OK);
	assert_int_equal(st(s, PROCFS), DMABUF_SOURCE_OK);
	assert_int_equal(st(s, DMABUF_SRC_SYSFS), DMABUF_SOURCE_UNAVAILABLE);
	assert_int_equal(st(s, BPF), DMABUF_SOURCE_UNAVAILABLE);
	assert_detail(s, BPF, "captured tree");
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_OK);
	assert_detail(s, LAB, "3 lab buffers, 6 lab attachments");
	assert_int_equal(s->used, DEBUGFS | FDINFO | PROCFS | LAB);
	/* one buffer per inode: debugfs and fdinfo merged */
	assert_int_equal(s->n_buf, 12);
	assert_sorted_unique(s);
	assert_int_equal(s->buf[0].ino, 1);
	assert_int_equal(s->buf[11].ino, 12);
	/* the lab's header: no attach-time cache on 7.3, no MOVE_NOTIFY option */
	assert_int_equal(s->kernel.has_map_cache, 0);
	assert_int_equal(s->kernel.move_notify, DMABUF_UNKNOWN);

	b = must_buf(s, 1);
	assert_int_equal(b->seen, DEBUGFS | FDINFO | PROCFS | LAB);
	assert_int_equal(b->src[DMABUF_F_SIZE], DEBUGFS | FDINFO);
	assert_int_equal(b->src[DMABUF_F_EXPORTER], DEBUGFS | FDINFO);
	assert_int_equal(b->src[DMABUF_F_NAME], DEBUGFS | FDINFO);
	assert_int_equal(b->src[DMABUF_F_FILE_COUNT], DEBUGFS | FDINFO);
	assert_int_equal(b->file_count, 10);
	assert_string_equal(b->name, "scanout-0");
	assert_int_equal(b->n_own, 3);
	o = owner_of(b, mk);
	assert_int_equal(o->nfds, 2);
	assert_int_equal(o->nmaps, 1);
	assert_int_equal(o->mapped_bytes, 4096);
	assert_int_equal(owner_of(b, holder)->nfds, 2);
	assert_int_equal(owner_of(b, kid)->nfds, 0);
	/* a lab importer (dynamic) on vgem, a static exporter: mismatch */
	assert_int_equal(b->n_att, 1);
	a = att(b, "dmabuf_lab_imp.0", 0);
	assert_int_equal(a->src & (DEBUGFS | LAB), DEBUGFS | LAB);
	assert_int_equal(a->importer_dynamic, 1);
	assert_int_equal(b->exporter_dynamic, 0);
	assert_int_equal(a->mismatch, 1);
	assert_int_equal(a->cached, 0);		/* 7.3 has no cache */
	assert_int_equal(a->pinned, 0);		/* a static exporter has no pin */

	b = must_buf(s, 2);
	assert_int_equal(strlen(b->name), sizeof(hostile) - 1);
	assert_memory_equal(b->name, hostile, sizeof(hostile) - 1);
	assert_int_equal(b->src[DMABUF_F_NAME], DEBUGFS | FDINFO);
	assert_string_equal(owner_of(b, kid)->comm, "kid\x1b[1m\tx");
	assert_int_equal(owner_of(b, kid)->fds[0], 6);

	assert_string_equal(must_buf(s, 4)->name, "two\nlines");
	assert_int_equal(must_buf(s, 4)->src[DMABUF_F_NAME], DEBUGFS | FDINFO);
	assert_string_equal(must_buf(s, 5)->name, "");
	assert_null(must_buf(s, 6)->name);

	b = must_buf(s, 7);	/* udmabuf imported by vgem: debugfs's name only */
	assert_int_equal(b->n_att, 1);
	assert_int_equal(b->att[0].src & ~DMABUF_SRC_DERIVED, DEBUGFS);
	assert_int_equal(b->att[0].importer_dynamic, DMABUF_UNKNOWN);
	b = must_buf(s, 8);	/* udmabuf-maponly: mappings only */
	assert_int_equal(b->seen, DEBUGFS | PROCFS);
	assert_int_equal(b->n_own, 3);
	assert_int_equal(owner_of(b, mk)->nfds, 0);
	assert_int_equal(owner_of(b, mk)->mapped_bytes, 8192);

	b = must_buf(s, 11);	/* lab-dynamic */
	assert_int_equal(b->exporter_dynamic, 1);
	assert_int_equal(b->src[DMABUF_F_EXP_DYNAMIC], LAB);
	assert_int_equal(b->violations, 0);
	assert_int_equal(b->src[DMABUF_F_VIOLATIONS], LAB);
	assert_int_equal(b->n_att, 4);	/* debugfs's four, none added twice */
	a = att(b, "dmabuf_lab_imp.0", 0);	/* static importer, mapped: pinned */
	assert_int_equal(a->importer_dynamic, 0);
	assert_int_equal(a->pinned, 1);
	assert_int_equal(a->cached, 0);
	assert_int_equal(a->mismatch, 1);
	assert_int_equal(att(b, "dmabuf_lab_imp.1", 0)->pinned, 0);	/* dynamic: never */
	assert_int_equal(att(b, "dmabuf_lab_imp.1", 1)->pinned, 0);
	a = att(b, "vgem", 0);	/* a foreign importer, seen by the lab exporter */
	assert_int_equal(a->src & (DEBUGFS | LAB), DEBUGFS | LAB);
	assert_int_equal(a->importer_dynamic, 0);
	assert_int_equal(a->pinned, 0);

	b = must_buf(s, 12);	/* kernel-held: no owner */
	assert_int_equal(b->n_own, 0);
	assert_string_equal(b->name, "lab-kernel-held");
	assert_int_equal(b->src[DMABUF_F_NAME], DEBUGFS);
	dmabuf_snapshot_free(s);
}

static void test_replay_6_1(void **state)
{
	pid_t mk = fixture_pid("6.1", "run_mkbufs");
	struct dmabuf_snapshot *s = collect(fixture_path("6.1", NULL), 0, 0);
	const struct dmabuf_attachment *a;
	struct dmabuf_buffer *b;

	(void)state;
	assert_string_equal(s->kernel.release, "6.1.0-56-amd64");
	assert_int_equal(s->used, DEBUGFS | FDINFO | PROCFS | LAB);
	assert_int_equal(s->n_buf, 10);
	assert_sorted_unique(s);
	assert_int_equal(s->kernel.has_map_cache, 1);
	assert_int_equal(s->kernel.move_notify, 0);

	b = must_buf(s, 1);	/* vgem mmaps are visible as dma-buf on 6.1 too */
	assert_int_equal(owner_of(b, mk)->nmaps, 1);
	a = att(b, "dmabuf_lab_imp.0", 0);
	assert_int_equal(a->cached, 1);		/* the attach-time cache */
	assert_int_equal(a->cached_dir, DMABUF_DIR_BIDIRECTIONAL);

	b = must_buf(s, 8);	/* lab-dynamic */
	assert_int_equal(b->n_att, 4);
	a = att(b, "dmabuf_lab_imp.0", 0);	/* static on dynamic: mismatch, cached */
	assert_int_equal(a->importer_dynamic, 0);
	assert_int_equal(a->cached, 1);
	assert_int_equal(a->cached_dir, DMABUF_DIR_BIDIRECTIONAL);
	assert_int_equal(a->pinned, 1);
	assert_int_equal(a->mismatch, 1);
	/* MOVE_NOTIFY off: the mapped dynamic importer is pinned, the other not */
	assert_int_equal(att(b, "dmabuf_lab_imp.1", 0)->importer_dynamic, 1);
	assert_int_equal(att(b, "dmabuf_lab_imp.1", 0)->pinned +
			 att(b, "dmabuf_lab_imp.1", 1)->pinned, 1);
	a = att(b, "vgem", 0);
	assert_int_equal(a->importer_dynamic, 0);
	assert_int_equal(a->pinned, 1);
	assert_int_equal(a->cached, 1);

	b = must_buf(s, 9);	/* static_cached exporter, dynamic importer */
	assert_int_equal(b->exporter_dynamic, 0);
	assert_int_equal(att(b, "dmabuf_lab_imp.0", 0)->cached, 1);
	assert_int_equal(att(b, "dmabuf_lab_imp.0", 0)->pinned, 0);
	assert_int_equal(must_buf(s, 10)->n_own, 0);
	dmabuf_snapshot_free(s);
}

/* No bufinfo (debugfs not captured): procfs alone still finds the owners. */
static void test_missing_bufinfo(void **state)
{
	char *root = tmp_root(), proc[PATH_MAX];
	struct dmabuf_snapshot *s;
	struct dmabuf_buffer *b;

	(void)state;
	assert_non_null(realpath(fixture_path("7.3", "proc"), proc));
	put_link(root, "proc", proc);
	s = collect(root, 0, 0);
	assert_int_equal(st(s, DEBUGFS), DMABUF_SOURCE_UNAVAILABLE);
	assert_detail(s, DEBUGFS, "no sys/kernel/debug/dma_buf/bufinfo");
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_UNAVAILABLE);
	assert_detail(s, LAB, "dmabuf_lab");
	assert_int_equal(st(s, PROCFS), DMABUF_SOURCE_OK);
	assert_int_equal(s->used, FDINFO | PROCFS);
	assert_string_equal(s->kernel.release, "7.3.4+deb13-amd64");
	assert_int_equal(s->n_buf, 11);
	b = must_buf(s, 2);
	assert_memory_equal(b->name, hostile, sizeof(hostile));
	assert_int_equal(b->src[DMABUF_F_NAME], FDINFO);
	assert_int_equal(b->size, 4096);
	assert_int_equal(b->n_own, 3);
	assert_int_equal(b->n_att_reported, -1);
	dmabuf_snapshot_free(s);
	rm_root(root);
}

/* Only the sources asked for run; the others stay UNUSED. */
static void test_sources_mask(void **state)
{
	struct dmabuf_snapshot *s = collect(fixture_path("6.1", NULL), DEBUGFS, 0);

	(void)state;
	assert_int_equal(st(s, DEBUGFS), DMABUF_SOURCE_OK);
	assert_int_equal(st(s, PROCFS), DMABUF_SOURCE_UNUSED);
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_UNUSED);
	assert_int_equal(must_buf(s, 1)->n_own, 0);
	assert_int_equal(must_buf(s, 8)->att[0].importer_dynamic, DMABUF_UNKNOWN);
	dmabuf_snapshot_free(s);
}

/*
 * A better source's attachment (here a BPF one put in before the run) takes
 * debugfs's entry of the same device instead of being listed beside it.
 */
static void test_attachment_merge(void **state)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(fixture_path("7.3", NULL));
	struct dmabuf_collect_opts o = { .sources = DEBUGFS | LAB };
	struct dmabuf_attachment *a;
	struct dmabuf_buffer *b;

	(void)state;
	b = dmabuf_buffer_get(s, 7, true);
	a = dmabuf_attachment_add(s, b, "vgem");
	a->src = BPF;
	a->importer_dynamic = 0;
	assert_int_equal(dmabuf_set_str(s, &a->driver, "platform/vgem", 13), 0);
	b = dmabuf_buffer_get(s, 11, true);
	a = dmabuf_attachment_add(s, b, "dmabuf_lab_imp.0");
	a->src = BPF;
	a->peer2peer = 0;
	assert_int_equal(dmabuf_collect(s, &o), 0);

	b = must_buf(s, 7);
	assert_int_equal(b->n_att, 1);
	assert_int_equal(b->att[0].src & ~DMABUF_SRC_DERIVED, BPF | DEBUGFS);
	assert_string_equal(b->att[0].driver, "platform/vgem");
	assert_int_equal(b->att[0].importer_dynamic, 0);
	b = must_buf(s, 11);
	assert_int_equal(b->n_att, 4);
	a = (struct dmabuf_attachment *)att(b, "dmabuf_lab_imp.0", 0);
	assert_int_equal(a->src & ~DMABUF_SRC_DERIVED, BPF | LAB | DEBUGFS);
	assert_int_equal(a->peer2peer, 0);
	assert_int_equal(a->pinned, 1);		/* folded in from the lab's view */
	dmabuf_snapshot_free(s);
}

/* --- the lab state alone, from 6.1's file and edits of its lines ---------- */

static struct dmabuf_snapshot *lab_only(const char *text)
{
	char *root = tmp_root();
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(root);

	put_file(root, LAB_STATE, text, strlen(text));
	assert_int_equal(dmabuf_collect_lab(s), 0);
	rm_root(root);
	return s;
}

static void test_lab_alone(void **state)
{
	char *text = read_fixture("6.1", LAB_STATE, NULL);
	struct dmabuf_snapshot *s = lab_only(text);
	struct dmabuf_buffer *b;

	(void)state;
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_OK);
	assert_detail(s, LAB, "4 lab buffers, 7 lab attachments");
	b = must_buf(s, 8);
	/* without debugfs, the lab's lines make the list: 3 lab + 1 foreign */
	assert_int_equal(b->n_att, 4);
	assert_int_equal(att(b, "vgem", 0)->src, LAB);
	assert_int_equal(att(b, "vgem", 0)->pinned, 1);
	assert_int_equal(att(b, "dmabuf_lab_imp.1", 0)->importer_dynamic, 1);
	assert_int_equal(att(b, "dmabuf_lab_imp.1", 1)->importer_dynamic, 1);
	b = must_buf(s, 1);	/* the foreign exporter (vgem) a lab importer uses */
	assert_int_equal(b->n_att, 1);
	assert_int_equal(b->att[0].cached, 1);
	assert_int_equal(b->att[0].pinned, DMABUF_UNKNOWN);	/* "unknown" */
	assert_int_equal(b->exporter_dynamic, 0);
	dmabuf_snapshot_free(s);
	free(text);
}

static void test_lab_edited(void **state)
{
	char *text = read_fixture("6.1", LAB_STATE, NULL);
	char *v = edit(text, "dev=dmabuf_lab_imp.0 importer=static exporter=lab exp_mode=static ",
		       "dev=imp%200%25 importer=static exporter=lab exp_mode=static ");
	char *w;
	struct dmabuf_snapshot *s = lab_only(v);

	(void)state;
	/* %XX escapes are undone: "imp 0%" */
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_OK);
	assert_string_equal(must_buf(s, 7)->att[0].device, "imp 0%");
	assert_string_equal(must_buf(s, 7)->att[1].device, "dmabuf_lab_imp.0");
	dmabuf_snapshot_free(s);
	free(v);

	/* a buf line without its ino, and an unknown kind (skipped silently) */
	v = edit(text, "buf id=1 ino=7 ", "buf id=1 ");
	w = edit(v, "lab version=1", "future kind=1\nlab version=1");
	s = lab_only(w);
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, LAB, "line 3: buf without ino");
	dmabuf_snapshot_free(s);
	free(w);
	free(v);

	v = edit(text, "lab version=1 abi=1 importers=2 sgt_cache=1 static_needs_resv=0 "
		 "move_notify=off\n", "");
	s = lab_only(v);
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, LAB, "no \"lab version=\" header");
	assert_int_equal(s->kernel.has_map_cache, DMABUF_UNKNOWN);
	dmabuf_snapshot_free(s);
	free(v);
	free(text);
}

static void test_lab_missing(void **state)
{
	char *root = tmp_root();
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(root);

	(void)state;
	assert_int_equal(dmabuf_collect_lab(s), 0);
	assert_int_equal(st(s, LAB), DMABUF_SOURCE_UNAVAILABLE);
	assert_detail(s, LAB, "dmabuf_lab (the suite's test module) is not loaded");
	assert_true(status_of(s, LAB)->absent);
	dmabuf_snapshot_free(s);
	rm_root(root);
}

static void test_sysfs(void **state)
{
	char *root = tmp_root();
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(root);

	(void)state;
	/* values as CONFIG_DMABUF_SYSFS_STATS prints them: "%s\n", "%zu\n" */
	put_file(root, "sys/kernel/dmabuf/buffers/4/exporter_name", "drm\n", 4);
	put_file(root, "sys/kernel/dmabuf/buffers/4/size", "4096\n", 5);
	put_file(root, "sys/kernel/dmabuf/buffers/9/exporter_name", "system\n", 7);
	put_file(root, "sys/kernel/dmabuf/buffers/9/size", "8192\n", 5);
	assert_int_equal(dmabuf_collect_sysfs(s), 0);
	assert_int_equal(st(s, DMABUF_SRC_SYSFS), DMABUF_SOURCE_OK);
	assert_detail(s, DMABUF_SRC_SYSFS, "2 buffers");
	assert_false(status_of(s, DMABUF_SRC_SYSFS)->absent);
	assert_string_equal(must_buf(s, 9)->exporter, "system");
	assert_int_equal(must_buf(s, 9)->size, 8192);
	assert_int_equal(must_buf(s, 4)->src[DMABUF_F_SIZE], DMABUF_SRC_SYSFS);
	dmabuf_snapshot_free(s);

	put_file(root, "sys/kernel/dmabuf/buffers/5/exporter_name", "drm\n", 4);
	put_file(root, "sys/kernel/dmabuf/buffers/5/size", "x\n", 2);
	s = dmabuf_snapshot_new(root);
	assert_int_equal(dmabuf_collect_sysfs(s), 0);
	assert_int_equal(st(s, DMABUF_SRC_SYSFS), DMABUF_SOURCE_PARTIAL);
	assert_detail(s, DMABUF_SRC_SYSFS, "1 of 3 buffer directories");
	dmabuf_snapshot_free(s);
	rm_root(root);

	s = dmabuf_snapshot_new(fixture_path("7.3", NULL));
	assert_int_equal(dmabuf_collect_sysfs(s), 0);
	assert_int_equal(st(s, DMABUF_SRC_SYSFS), DMABUF_SOURCE_UNAVAILABLE);
	assert_detail(s, DMABUF_SRC_SYSFS, "no sys/kernel/dmabuf/buffers in the captured tree");
	assert_true(status_of(s, DMABUF_SRC_SYSFS)->absent);
	dmabuf_snapshot_free(s);
}

/* --source words: every spelling the tools take, and what they refuse. */
static void test_parse_sources(void **state)
{
	char why[200], longlist[600] = "";
	unsigned int mask = 99;
	int i;

	(void)state;
	assert_int_equal(dmabuf_parse_sources("auto", &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, 0);
	assert_int_equal(dmabuf_parse_sources("bpf,procfs", &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, DMABUF_SRC_BPF | DMABUF_SRC_PROCFS | DMABUF_SRC_FDINFO);
	assert_int_equal(dmabuf_parse_sources("debugfs+lab,,sysfs,", &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, DMABUF_SRC_DEBUGFS | DMABUF_SRC_LAB | DMABUF_SRC_SYSFS);
	/* no length limit: the last word of a long list counts */
	for (i = 0; i < 60; i++)
		strcat(longlist, "debugfs,");
	strcat(longlist, "lab");
	assert_int_equal(dmabuf_parse_sources(longlist, &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, DMABUF_SRC_DEBUGFS | DMABUF_SRC_LAB);
	assert_int_equal(dmabuf_parse_sources("bpf,bpff", &mask, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "unknown source 'bpff' (auto, bpf, debugfs, procfs, sysfs, lab)");
	assert_int_equal(dmabuf_parse_sources("auto,bpf", &mask, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "'auto'"));
	assert_int_equal(dmabuf_parse_sources("\x1b[2J", &mask, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "'\\x1b[2J'"));
	assert_int_equal(dmabuf_parse_sources("", &mask, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no source named"));
	assert_int_equal(dmabuf_parse_sources(",+", &mask, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no source named"));
}

/*
 * The model's arrays and strings live in the snapshot's arena: arrays that
 * grow past several chunks keep every element, a block larger than a chunk
 * does not disturb the small ones around it, replaced strings stay valid.
 */
static void test_arena(void **state)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	size_t big = 3u << 20, i, j;
	char *text = malloc(big), *kept;
	struct dmabuf_buffer *b;

	(void)state;
	assert_non_null(s);
	assert_non_null(text);
	memset(text, 'n', big);
	b = dmabuf_buffer_get(s, 42, true);
	assert_non_null(b);
	assert_int_equal(dmabuf_set_str(s, &b->exporter, "system", 6), 0);
	kept = b->exporter;
	for (i = 0; i < 3000; i++) {
		struct dmabuf_owner *o = dmabuf_owner_get(s, b, (pid_t)(i + 1), "holder");

		assert_non_null(o);
		for (j = 0; j <= i % 9; j++)
			assert_int_equal(dmabuf_owner_add_fd(s, o, (int)(i * 10 + j)), 0);
		if (i == 1500)
			assert_int_equal(dmabuf_set_str(s, &b->name, text, big), 0);
		if (i % 100 == 0)
			assert_non_null(dmabuf_attachment_add(s, b, "vgem"));
	}
	assert_int_equal(dmabuf_set_str(s, &b->exporter, "vgem", 4), 0);
	assert_string_equal(kept, "system");
	assert_string_equal(b->exporter, "vgem");
	assert_int_equal(strlen(b->name), big);
	assert_int_equal(b->n_own, 3000);
	assert_int_equal(b->n_att, 30);
	for (i = 0; i < b->n_own; i++) {
		assert_int_equal(b->own[i].pid, (pid_t)(i + 1));
		assert_string_equal(b->own[i].comm, "holder");
		assert_int_equal(b->own[i].nfds, i % 9 + 1);
		for (j = 0; j < b->own[i].nfds; j++)
			assert_int_equal(b->own[i].fds[j], (int)(i * 10 + j));
	}
	for (i = 0; i < b->n_att; i++)
		assert_string_equal(b->att[i].device, "vgem");
	free(text);
	dmabuf_snapshot_free(s);
}

/* Finishing sorts by inode whatever the order the collectors added them in. */
static void test_finish_order(void **state)
{
	size_t n = 1000, i, k;

	(void)state;
	for (k = 0; k < 4; k++) {
		struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");

		assert_non_null(s);
		for (i = 0; i < n; i++) {
			/* ascending, descending, scattered, descending but for a swap */
			uint64_t ino = k == 0 ? i + 1 : k == 1 ? n - i : k == 2 ? (i * 7919) % n + 1
				     : i == 10 ? n - 20 : i == 20 ? n - 10 : n - i;
			struct dmabuf_buffer *b = dmabuf_buffer_get(s, ino, true);

			assert_non_null(b);
			b->size = ino * 4096;
		}
		assert_int_equal(s->n_buf, n);
		dmabuf_snapshot_finish(s);
		for (i = 0; i < n; i++) {
			struct dmabuf_buffer *b = dmabuf_buffer_get(s, i + 1, false);

			assert_int_equal(s->buf[i].ino, i + 1);
			assert_ptr_equal(b, &s->buf[i]);
			assert_int_equal(b->size, (i + 1) * 4096);
		}
		dmabuf_snapshot_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_7_3),
		cmocka_unit_test(test_replay_6_1),
		cmocka_unit_test(test_missing_bufinfo),
		cmocka_unit_test(test_sources_mask),
		cmocka_unit_test(test_attachment_merge),
		cmocka_unit_test(test_lab_alone),
		cmocka_unit_test(test_lab_edited),
		cmocka_unit_test(test_lab_missing),
		cmocka_unit_test(test_sysfs),
		cmocka_unit_test(test_parse_sources),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_finish_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
