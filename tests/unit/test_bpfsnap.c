// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The offline parts of the BPF snapshot collector (lib/bpfsnap.c): the
 * records the iterators write, merged into the model; /proc/kallsyms
 * lookups; the kernel config's MOVE_NOTIFY. The live part runs in the
 * guests (tests/vm/guest/bpfsnap_*.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "snapshot.h"

struct stream {
	unsigned char data[8192];
	size_t len;
};

static void put(struct stream *st, const void *rec, size_t len)
{
	assert_true(st->len + len <= sizeof(st->data));
	memcpy(st->data + st->len, rec, len);
	st->len += len;
}

static void put_buf(struct stream *st, uint64_t ino, const char *exp, const char *name,
		    uint32_t flags, uint32_t via)
{
	struct snap_buf b = { .hdr = { SNAP_REC_BUF, sizeof(b), via } };

	b.ino = ino;
	b.size = 8192;
	b.ops = 0xffffffffc0001000ull;
	b.file_count = 2;
	b.f_flags = 02;
	b.f_mode = 0x80007;
	b.flags = flags | SNAP_BUF_COUNT_VALID | SNAP_BUF_HAS_PIN | (name ? SNAP_BUF_HAS_NAME : 0);
	snprintf(b.exp_name, sizeof(b.exp_name), "%s", exp);
	if (name)
		snprintf(b.name, sizeof(b.name), "%s", name);
	put(st, &b, sizeof(b));
}

static void put_att(struct stream *st, uint64_t ino, const char *dev, const char *bus,
		    const char *drv, uint32_t flags, uint32_t dir)
{
	struct snap_att a = { .hdr = { SNAP_REC_ATT, sizeof(a), SNAP_VIA_TASK_FILE } };

	a.ino = ino;
	a.flags = flags;
	a.dir = dir;
	snprintf(a.dev_name, sizeof(a.dev_name), "%s", dev);
	snprintf(a.bus, sizeof(a.bus), "%s", bus);
	snprintf(a.driver, sizeof(a.driver), "%s", drv);
	put(st, &a, sizeof(a));
}

static void put_owner(struct stream *st, uint64_t ino, uint32_t pid, uint32_t fd)
{
	struct snap_owner o = { .hdr = { SNAP_REC_OWNER, sizeof(o), SNAP_VIA_TASK_FILE } };

	o.ino = ino;
	o.pid = pid;
	o.fd = fd;
	snprintf(o.comm, sizeof(o.comm), "holder");
	put(st, &o, sizeof(o));
}

static void put_map(struct stream *st, uint64_t ino, uint32_t pid, const char *comm,
		    uint64_t bytes)
{
	struct snap_map m = { .hdr = { SNAP_REC_MAP, sizeof(m), SNAP_VIA_TASK_VMA } };

	m.ino = ino;
	m.pid = pid;
	m.bytes = bytes;
	snprintf(m.comm, sizeof(m.comm), "%s", comm);
	put(st, &m, sizeof(m));
}

#define CACHE_ERA (SNAP_ATT_HAS_IMPORTER_OPS | SNAP_ATT_HAS_P2P | SNAP_ATT_HAS_SGT)

/*
 * The records as the iterators write them, read in place (aligned) or
 * through a copy (SHIFT bytes off alignment, as a read may leave them).
 */
static void records_fill_the_model(size_t shift)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct bpfsnap_stats st = { 0 };
	struct stream in = { .len = 0 };
	struct dmabuf_buffer *b;
	unsigned char *at;

	put_buf(&in, 42, "dmabuf_lab", "scanout", SNAP_BUF_EXP_DYNAMIC, SNAP_VIA_TASK_FILE);
	put_att(&in, 42, "dmabuf_lab_imp.0", "platform", "", CACHE_ERA | SNAP_ATT_CACHED, 0);
	put_att(&in, 42, "0000:03:00.0", "pci", "amdgpu",
		CACHE_ERA | SNAP_ATT_IMP_DYNAMIC | SNAP_ATT_P2P, 0);
	put_owner(&in, 42, 100, 7);
	put_owner(&in, 42, 100, 9);
	put_owner(&in, 42, 100, 7);	/* the same fd again: kept once */
	put_buf(&in, 43, "system", NULL, 0, SNAP_VIA_LIST);
	at = malloc(in.len + shift);
	assert_non_null(at);
	memcpy(at + shift, in.data, in.len);
	assert_int_equal(bpfsnap_parse(s, at + shift, in.len, &st), (int)in.len);
	free(at);
	assert_int_equal(s->n_buf, 2);
	assert_int_equal(st.bufs[SNAP_VIA_TASK_FILE], 1);
	assert_int_equal(st.bufs[SNAP_VIA_LIST], 1);

	b = dmabuf_buffer_get(s, 42, false);
	assert_non_null(b);
	assert_int_equal(b->size, 8192);
	assert_string_equal(b->exporter, "dmabuf_lab");
	assert_string_equal(b->name, "scanout");
	assert_int_equal(b->file_count, 2);
	assert_int_equal(b->f_flags, 02);
	assert_int_equal(b->f_mode, 0x80007);
	assert_int_equal(b->exporter_dynamic, 1);
	assert_true(b->seen & DMABUF_SRC_BPF);
	assert_true(b->src[DMABUF_F_EXP_DYNAMIC] & DMABUF_SRC_BPF);
	assert_true(b->src[DMABUF_F_ATTACHMENTS] & DMABUF_SRC_BPF);
	assert_int_equal(b->n_att, 2);
	assert_string_equal(b->att[0].device, "dmabuf_lab_imp.0");
	assert_null(b->att[0].driver);		/* no driver bound */
	assert_int_equal(b->att[0].importer_dynamic, 0);
	assert_int_equal(b->att[0].peer2peer, 0);
	assert_int_equal(b->att[0].cached, 1);
	assert_int_equal(b->att[0].cached_dir, DMABUF_DIR_BIDIRECTIONAL);
	assert_int_equal(b->att[0].mismatch, DMABUF_UNKNOWN);	/* the rules derive it */
	assert_string_equal(b->att[1].driver, "pci/amdgpu");
	assert_int_equal(b->att[1].importer_dynamic, 1);
	assert_int_equal(b->att[1].peer2peer, 1);
	assert_int_equal(b->att[1].cached, 0);
	assert_int_equal(b->att[1].cached_dir, DMABUF_UNKNOWN);
	assert_int_equal(b->n_own, 1);
	assert_int_equal(b->own[0].nfds, 2);
	assert_string_equal(b->own[0].comm, "holder");
	assert_true(b->src[DMABUF_F_OWNERS] & DMABUF_SRC_BPF);

	b = dmabuf_buffer_get(s, 43, false);
	assert_non_null(b);
	assert_null(b->name);
	assert_true(b->src[DMABUF_F_NAME] & DMABUF_SRC_BPF);	/* known to have none */
	assert_int_equal(b->exporter_dynamic, 0);
	assert_int_equal(b->n_own, 0);
	assert_int_equal(b->src[DMABUF_F_OWNERS], 0);
	bpfsnap_stats_free(&st);
	dmabuf_snapshot_free(s);
}

static void test_records_fill_the_model(void **state)
{
	(void)state;
	records_fill_the_model(0);
	records_fill_the_model(1);
	records_fill_the_model(4);
}

/* Without the cache fields (6.16+) nothing about caching is claimed. */
static void test_no_cache_fields(void **state)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct bpfsnap_stats st = { 0 };
	struct stream in = { .len = 0 };
	struct dmabuf_buffer *b;

	(void)state;
	put_buf(&in, 5, "udmabuf", NULL, 0, SNAP_VIA_DMABUF);
	put_att(&in, 5, "vgem", "faux", "faux_driver",
		SNAP_ATT_HAS_IMPORTER_OPS | SNAP_ATT_HAS_P2P | SNAP_ATT_CACHED, 1);
	assert_int_equal(bpfsnap_parse(s, in.data, in.len, &st), (int)in.len);
	b = dmabuf_buffer_get(s, 5, false);
	assert_int_equal(b->att[0].cached, DMABUF_UNKNOWN);
	assert_int_equal(b->att[0].cached_dir, DMABUF_UNKNOWN);
	assert_string_equal(b->att[0].driver, "faux/faux_driver");
	bpfsnap_stats_free(&st);
	dmabuf_snapshot_free(s);
}

/* A cut record waits for the next read; a buffer shown twice keeps one list. */
static void test_partial_reads_and_duplicates(void **state)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct bpfsnap_stats st = { 0 };
	struct stream in = { .len = 0 };
	size_t cut;
	int used;

	(void)state;
	put_buf(&in, 7, "drm", "a", 0, SNAP_VIA_TASK_FILE);
	put_att(&in, 7, "vgem", "", "", 0, 0);
	put_buf(&in, 7, "drm", "a", 0, SNAP_VIA_LIST);	/* again (a full dedupe map) */
	put_att(&in, 7, "vgem", "", "", 0, 0);
	cut = sizeof(struct snap_buf) + 10;
	used = bpfsnap_parse(s, in.data, cut, &st);
	assert_int_equal(used, sizeof(struct snap_buf));
	used += bpfsnap_parse(s, in.data + used, in.len - (size_t)used, &st);
	assert_int_equal(used, (int)in.len);
	assert_int_equal(s->n_buf, 1);
	assert_int_equal(s->buf[0].n_att, 1);
	assert_int_equal(st.n_ops, 1);
	bpfsnap_stats_free(&st);
	dmabuf_snapshot_free(s);
}

/*
 * The vma walk's records: an owner's mappings and their bytes, an owner with
 * mappings and no fd, and (after the buffer walk) a mapping of a buffer the
 * walk did not read is left out and counted, not made up.
 */
static void test_map_records(void **state)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct bpfsnap_stats st = { 0 };
	struct stream in = { .len = 0 };
	struct dmabuf_buffer *b;

	(void)state;
	put_buf(&in, 42, "system", "fb", 0, SNAP_VIA_DMABUF);
	put_owner(&in, 42, 100, 7);
	st.owners_of_known = true;
	assert_int_equal(bpfsnap_parse(s, in.data, in.len, &st), (int)in.len);
	in.len = 0;
	put_map(&in, 42, 100, "holder", 8192);
	put_map(&in, 42, 100, "holder", 4096);
	put_map(&in, 42, 200, "mapper", 4096);	/* mapped, fd closed */
	put_map(&in, 77, 100, "holder", 4096);	/* newer than the buffer walk */
	assert_int_equal(bpfsnap_parse(s, in.data, in.len, &st), (int)in.len);
	assert_int_equal(st.maps, 3);
	assert_int_equal(st.owners_late, 1);
	assert_null(dmabuf_buffer_get(s, 77, false));
	b = dmabuf_buffer_get(s, 42, false);
	assert_non_null(b);
	assert_int_equal(b->n_own, 2);
	assert_int_equal(b->own[0].pid, 100);
	assert_int_equal(b->own[0].nfds, 1);
	assert_int_equal(b->own[0].nmaps, 2);
	assert_int_equal(b->own[0].mapped_bytes, 12288);
	assert_int_equal(b->own[1].pid, 200);
	assert_string_equal(b->own[1].comm, "mapper");
	assert_int_equal(b->own[1].nfds, 0);
	assert_int_equal(b->own[1].nmaps, 1);
	assert_int_equal(b->own[1].mapped_bytes, 4096);
	assert_true(b->own[1].src & DMABUF_SRC_BPF);
	assert_true(b->src[DMABUF_F_OWNERS] & DMABUF_SRC_BPF);
	bpfsnap_stats_free(&st);
	dmabuf_snapshot_free(s);
}

static void test_truncated_broken_and_bad_records(void **state)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct bpfsnap_stats st = { 0 };
	struct stream in = { .len = 0 };
	struct snap_hdr bad = { SNAP_REC_ATT, 12, SNAP_VIA_LIST };

	(void)state;
	put_buf(&in, 9, "drm", NULL, 0, SNAP_VIA_DMABUF);
	put_att(&in, 9, "imp", "", "", SNAP_ATT_LIST_TRUNCATED, 0);
	put_buf(&in, 10, "drm", NULL, 0, SNAP_VIA_DMABUF);
	put_att(&in, 10, "", "", "", SNAP_ATT_LIST_BROKEN, 0);
	assert_int_equal(bpfsnap_parse(s, in.data, in.len, &st), (int)in.len);
	assert_int_equal(st.att_truncated, 1);
	assert_int_equal(st.att_broken, 1);
	assert_int_equal(dmabuf_buffer_get(s, 10, false)->n_att, 0);
	/* a record of the wrong size or an unknown kind is not guessed at */
	in.len = 0;
	put(&in, &bad, sizeof(bad));
	assert_int_equal(bpfsnap_parse(s, in.data, sizeof(bad), &st), -EBADMSG);
	bad.kind = 99;
	assert_int_equal(bpfsnap_parse(s, &bad, sizeof(bad), &st), -EBADMSG);
	bpfsnap_stats_free(&st);
	dmabuf_snapshot_free(s);
}

static const char kallsyms[] =
	"ffffffffa1000000 T _stext\n"
	"ffffffffa2345678 b db_list\n"
	"ffffffffa2345000 d debugfs_list\n"
	"ffffffffa2346000 d debugfs_list\n"	/* two of them: ambiguous */
	"ffffffffa1234560 r udmabuf_ops\n"
	"ffffffffc0001000 d drm_gem_prime_dmabuf_ops\t[drm]\n"
	"ffffffffc0002000 d db_list\t[some_module]\n";	/* not the core's */

static void test_kallsyms(void **state)
{
	struct bpfsnap_sym syms[] = {
		{ 0xffffffffc0001000ull, NULL }, { 0xffffffffa1234560ull, NULL },
		{ 0xffffffffa0000000ull, NULL },
	};
	char name[32] = "";
	uint64_t list = 0;
	FILE *f = fmemopen((void *)kallsyms, sizeof(kallsyms) - 1, "r");
	size_t i;

	(void)state;
	assert_non_null(f);
	assert_int_equal(bpfsnap_kallsyms(f, syms, 3, &list, name, sizeof(name)), 0);
	fclose(f);
	assert_int_equal(list, 0xffffffffa2345678ull);
	assert_string_equal(name, "db_list");
	for (i = 0; i < 3; i++) {
		if (syms[i].addr == 0xffffffffc0001000ull)
			assert_string_equal(syms[i].name, "drm_gem_prime_dmabuf_ops [drm]");
		else if (syms[i].addr == 0xffffffffa1234560ull)
			assert_string_equal(syms[i].name, "udmabuf_ops");
		else
			assert_null(syms[i].name);
		free(syms[i].name);
	}
}

/* kptr_restrict: every address reads 0, nothing is found. */
static void test_kallsyms_hidden(void **state)
{
	static const char hidden[] = "0000000000000000 b db_list\n"
				     "0000000000000000 r udmabuf_ops\n";
	struct bpfsnap_sym sym = { 0, NULL };
	char name[32] = "";
	uint64_t list = 1;
	FILE *f = fmemopen((void *)hidden, sizeof(hidden) - 1, "r");

	(void)state;
	assert_int_equal(bpfsnap_kallsyms(f, &sym, 1, &list, name, sizeof(name)), 0);
	fclose(f);
	assert_int_equal(list, 0);
	assert_null(sym.name);
}

static void test_move_notify(void **state)
{
	static const char on[] = "CONFIG_A=y\nCONFIG_DMABUF_MOVE_NOTIFY=y\nCONFIG_B=m\n";
	static const char first[] = "CONFIG_DMABUF_MOVE_NOTIFY=y\n";
	static const char off[] = "# CONFIG_DMABUF_MOVE_NOTIFY is not set\n";
	static const char absent[] = "CONFIG_DMABUF_HEAPS=y\n";
	static const char longer[] = "CONFIG_DMABUF_MOVE_NOTIFY_X=y\n";

	(void)state;
	assert_int_equal(bpfsnap_config_move_notify(on, sizeof(on) - 1), 1);
	assert_int_equal(bpfsnap_config_move_notify(first, sizeof(first) - 1), 1);
	assert_int_equal(bpfsnap_config_move_notify(off, sizeof(off) - 1), 0);
	assert_int_equal(bpfsnap_config_move_notify(absent, sizeof(absent) - 1), 0);
	assert_int_equal(bpfsnap_config_move_notify(longer, sizeof(longer) - 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_fill_the_model),
		cmocka_unit_test(test_no_cache_fields),
		cmocka_unit_test(test_partial_reads_and_duplicates),
		cmocka_unit_test(test_map_records),
		cmocka_unit_test(test_truncated_broken_and_bad_records),
		cmocka_unit_test(test_kallsyms),
		cmocka_unit_test(test_kallsyms_hidden),
		cmocka_unit_test(test_move_notify),
	};

	return cmocka_run_group_tests_name("bpfsnap", tests, NULL, NULL);
}
