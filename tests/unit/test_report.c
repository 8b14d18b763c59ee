// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `dmabuf report` on the trees captured from 6.1 and 7.3 (tests/fixtures):
 * the capture holds exactly the bytes the collectors read; report -> archive
 * -> replay gives the snapshot JSON and the findings of the capture, from the
 * archive and from its unpacked directory; --redact leaves no original name
 * or comm in any file and still replays; the size caps cut files, say so in
 * the manifest and never fail the report; the states of the sources the
 * capture could not read come back on replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "escape.h"
#include "fixtures.h"
#include "test_report.h"

#define PROCFS_I __builtin_ctz(DMABUF_SRC_PROCFS)
#define DEBUGFS_I __builtin_ctz(DMABUF_SRC_DEBUGFS)

/* Every captured entry is the fixture's file, link or directory, byte for byte. */
static void capture_exact(const char *label)
{
	struct dmabuf_capture *c = dmabuf_capture_new(0, 0);
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(fixture_path(label, NULL));
	unsigned int files = 0, links = 0, dirs = 0, maps = 0;
	size_t i;

	assert_non_null(c);
	s->capture = c;
	assert_int_equal(dmabuf_collect(s, NULL), 0);
	assert_int_equal(c->err, 0);
	assert_int_equal(c->cut, 0);
	for (i = 0; i < c->n; i++) {
		const struct dmabuf_capture_entry *e = &c->e[i];
		char target[PATH_MAX];
		struct stat st;
		size_t len;
		char *text;
		ssize_t n;

		switch (e->type) {
		case DMABUF_CAP_FILE:
			text = read_fixture(label, e->path, &len);
			if (len != e->len || memcmp(text, e->data, len))
				fail_msg("%s: captured %zu bytes differ from the file's %zu", e->path,
					 e->len, len);
			free(text);
			files++;
			maps += strstr(e->path, "/maps") != NULL;
			break;
		case DMABUF_CAP_LINK:
			n = readlink(fixture_path(label, e->path), target, sizeof(target));
			assert_true(n > 0);
			assert_int_equal((size_t)n, e->len);
			assert_memory_equal(target, e->data, e->len);
			assert_memory_equal(target, "/dmabuf:", 8);	/* only dma-buf fds */
			links++;
			break;
		case DMABUF_CAP_DIR:
			assert_int_equal(stat(fixture_path(label, e->path), &st), 0);
			assert_true(S_ISDIR(st.st_mode));
			dirs++;
			break;
		case DMABUF_CAP_NONE:
			break;
		}
	}
	/* bufinfo, lab state, osrelease, and per process comm, maps, fdinfo */
	assert_true(files > 10);
	assert_int_equal(maps, 3);
	assert_int_equal(links, strcmp(label, "7.3") ? links : 23);
	assert_true(links > 10);
	assert_true(dirs >= 4);		/* proc and the three processes */
	assert_non_null(dmabuf_capture_find(c, "sys/kernel/debug/dma_buf/bufinfo"));
	assert_non_null(dmabuf_capture_find(c, "sys/kernel/debug/dmabuf_lab/state"));
	assert_non_null(dmabuf_capture_find(c, "proc/sys/kernel/osrelease"));
	/* BPF ran (not on a captured tree): its end state is kept for records.txt */
	assert_true(c->bpf_ran);
	assert_int_equal(c->bpf_len, 0);
	assert_int_equal(c->bpf_status.state, DMABUF_SOURCE_UNAVAILABLE);
	dmabuf_snapshot_free(s);
	dmabuf_capture_free(c);
}

static void test_capture_exact(void **state)
{
	(void)state;
	capture_exact("7.3");
	capture_exact("6.1");
}

/* A captured snapshot without a capture is the same snapshot: the hooks change nothing. */
static void test_capture_changes_nothing(void **state)
{
	struct dmabuf_capture *c = dmabuf_capture_new(0, 0);
	struct dmabuf_snapshot *s = dmabuf_snapshot_new(fixture_path("7.3", NULL));
	char *with, *without = json_of_root(fixture_path("7.3", NULL));

	(void)state;
	s->capture = c;
	assert_int_equal(dmabuf_collect(s, NULL), 0);
	with = json_of(s);
	assert_string_equal(with, without);
	free(with);
	free(without);
	dmabuf_snapshot_free(s);
	dmabuf_capture_free(c);
}

static void replay_identical(const char *label)
{
	char *dir = tmp_root(), *arch, *direct, *fromarch, *fromdir, *fromparent, *stored, *raw;
	char *findings, *stored_findings;
	struct dmabuf_report_result res;
	struct dmabuf_snapshot *s;
	struct dmabuf_bundle *b, *bd, *bp;
	char cmd[PATH_MAX * 3], drm[32];
	size_t len;

	arch = make_report(fixture_path(label, NULL), dir, "r.tar.gz", false, 0, 0, &res);
	assert_true(res.files > 20);
	assert_int_equal(res.cut, 0);
	direct = json_of_root(fixture_path(label, NULL));

	b = open_bundle(arch);
	s = collect_root(dmabuf_bundle_root(b));
	fromarch = json_of(s);
	raw = bundle_file(b, "snapshot.json", NULL);
	raw[strcspn(raw, "\n")] = '\0';
	stored = without_root(raw);
	assert_string_equal(fromarch, stored);
	assert_string_equal(fromarch, direct);

	/* context: the DRM fd of the scenario process, its link and fdinfo */
	snprintf(cmd, sizeof(cmd), "%s/proc/%d/fd/3", dmabuf_bundle_root(b),
		 (int)fixture_pid(label, "run_mkbufs"));
	assert_int_equal(readlink(cmd, drm, sizeof(drm)), 14);
	assert_memory_equal(drm, "/dev/dri/card0", 14);
	snprintf(drm, sizeof(drm), "proc/%d/fdinfo/3", (int)fixture_pid(label, "run_mkbufs"));
	free(bundle_file(b, drm, &len));
	assert_true(len > 0);

	/* findings: the archive's findings.txt is `dmabuf check` of the replay */
	findings = findings_of(s);
	stored_findings = bundle_file(b, "findings.txt", NULL);
	assert_string_equal(findings, stored_findings);
	assert_non_null(strstr(findings, "mismatch"));
	dmabuf_snapshot_free(s);

	/* the same from the unpacked directory, and from the directory holding it */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/x' && tar -xzf '%s' -C '%s/x'", dir, arch, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/x", dir);
	bp = open_bundle(cmd);
	assert_string_not_equal(dmabuf_bundle_root(bp), cmd);	/* found the report inside */
	fromparent = json_of_root(dmabuf_bundle_root(bp));
	bd = open_bundle(dmabuf_bundle_root(bp));
	assert_string_equal(dmabuf_bundle_root(bd), dmabuf_bundle_root(bp));
	fromdir = json_of_root(dmabuf_bundle_root(bd));
	assert_string_equal(fromdir, direct);
	assert_string_equal(fromparent, direct);
	dmabuf_bundle_close(bd);
	dmabuf_bundle_close(bp);

	/* the archive's temporary directory goes away with the bundle */
	snprintf(cmd, sizeof(cmd), "%s", dmabuf_bundle_root(b));
	dmabuf_bundle_close(b);
	assert_int_not_equal(access(cmd, F_OK), 0);

	free(findings);
	free(stored_findings);
	free(raw);
	free(stored);
	free(fromarch);
	free(fromdir);
	free(fromparent);
	free(direct);
	free(arch);
	rm_root(dir);
}

static void test_replay_identical(void **state)
{
	(void)state;
	replay_identical("7.3");
	replay_identical("6.1");
}

/* The names and comms of S, raw and in the forms the files write them. */
static size_t secrets(const struct dmabuf_snapshot *s, char **v, size_t *lens, size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < s->n_buf; i++) {
		const char *name = s->buf[i].name;

		for (j = 0; j <= s->buf[i].n_own && n + 3 <= max; j++) {
			const char *str = j < s->buf[i].n_own ? s->buf[i].own[j].comm : name;
			char esc[512], oct[512];
			size_t k, o = 0;

			if (!str || strlen(str) < 3)
				continue;
			v[n] = strdup(str);
			lens[n] = strlen(str);
			n++;
			dmabuf_escape(str, strlen(str), esc, sizeof(esc));
			v[n] = strdup(esc);
			lens[n] = strlen(esc);
			n++;
			for (k = 0; str[k]; k++)	/* maps: "\012" for a newline */
				o += (size_t)snprintf(oct + o, sizeof(oct) - o,
						      str[k] == '\n' ? "\\012" : "%c", str[k]);
			v[n] = strdup(oct);
			lens[n] = strlen(oct);
			n++;
		}
	}
	return n;
}

static void redacted(const char *label)
{
	char *dir = tmp_root(), *arch, *arch2, *fromarch, *stored, *raw, *raw2, *v[512];
	struct dmabuf_snapshot *orig = collect_root(fixture_path(label, NULL));
	size_t lens[512], n = secrets(orig, v, lens, 512), i;
	struct dmabuf_bundle *b;
	unsigned int files;
	struct dmabuf_snapshot *s;
	char cmd[PATH_MAX * 3];

	assert_true(n > 20);
	arch = make_report(fixture_path(label, NULL), dir, "red.tar.gz", true, 0, 0, NULL);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/x' && tar -xzf '%s' -C '%s/x'", dir, arch, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/x", dir);
	if (tree_holds(cmd, (const char *const *)v, lens, n, &files))
		fail_msg("%s", tree_scan.first);
	assert_true(files > 20);
	/* the test can fail: the unredacted report holds them */
	free(make_report(fixture_path(label, NULL), dir, "plain.tar.gz", false, 0, 0, NULL));
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/y' && tar -xzf '%s/plain.tar.gz' -C '%s/y'",
		 dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/y", dir);
	assert_true(tree_holds(cmd, (const char *const *)v, lens, n, NULL) > 20);

	/* it still replays, to the redacted snapshot: same buffers, owners, findings */
	b = open_bundle(arch);
	s = collect_root(dmabuf_bundle_root(b));
	fromarch = json_of(s);
	raw = bundle_file(b, "snapshot.json", NULL);
	raw[strcspn(raw, "\n")] = '\0';
	stored = without_root(raw);
	assert_string_equal(fromarch, stored);
	assert_int_equal(s->n_buf, orig->n_buf);
	for (i = 0; i < s->n_buf; i++) {
		assert_int_equal(s->buf[i].n_own, orig->buf[i].n_own);
		assert_int_equal(s->buf[i].src[DMABUF_F_NAME], orig->buf[i].src[DMABUF_F_NAME]);
		if (orig->buf[i].name && orig->buf[i].name[0])
			assert_memory_equal(s->buf[i].name, "name-", 5);
		if (s->buf[i].n_own)
			assert_memory_equal(s->buf[i].own[0].comm, "comm-", 5);
	}
	dmabuf_snapshot_free(s);
	dmabuf_bundle_close(b);

	/* stable: a second redacted report names everything the same */
	arch2 = make_report(fixture_path(label, NULL), dir, "red2.tar.gz", true, 0, 0, NULL);
	b = open_bundle(arch2);
	raw2 = bundle_file(b, "snapshot.json", NULL);
	raw2[strcspn(raw2, "\n")] = '\0';
	assert_string_equal(raw, raw2);
	dmabuf_bundle_close(b);

	for (i = 0; i < n; i++)
		free(v[i]);
	free(raw);
	free(raw2);
	free(stored);
	free(fromarch);
	free(arch);
	free(arch2);
	dmabuf_snapshot_free(orig);
	rm_root(dir);
}

static void test_redact(void **state)
{
	(void)state;
	redacted("7.3");
	redacted("6.1");
}

static void test_size_caps(void **state)
{
	char *dir = tmp_root(), *arch, *man;
	struct dmabuf_report_result res;
	struct dmabuf_snapshot *s;
	struct dmabuf_bundle *b;
	size_t len;

	(void)state;
	/* 512 bytes a file: bufinfo (1.6K) and the maps are cut, the report is written */
	arch = make_report(fixture_path("7.3", NULL), dir, "cap.tar.gz", false, 512, 0, &res);
	assert_true(res.cut >= 2);
	b = open_bundle(arch);
	free(bundle_file(b, "sys/kernel/debug/dma_buf/bufinfo", &len));
	assert_int_equal(len, 512);
	man = bundle_file(b, "manifest.json", NULL);
	assert_non_null(strstr(man, "\"path\": \"sys/kernel/debug/dma_buf/bufinfo\",\n"
				    "      \"read\": 1621,\n      \"kept\": 512"));
	assert_non_null(strstr(man, "\"file_cap\": 512"));
	s = collect_root(dmabuf_bundle_root(b));
	/* the replay sees the cut: bufinfo was read completely, its copy was not */
	assert_int_equal(s->status[DEBUGFS_I].state, DMABUF_SOURCE_PARTIAL);
	assert_non_null(strstr(s->status[DEBUGFS_I].detail, "cut short"));
	dmabuf_snapshot_free(s);
	free(man);
	dmabuf_bundle_close(b);
	free(arch);

	/* 4 KiB in all: the first files whole, later ones empty, all listed */
	arch = make_report(fixture_path("7.3", NULL), dir, "total.tar.gz", false, 0, 4096, &res);
	assert_true(res.cut > 5);
	b = open_bundle(arch);
	man = bundle_file(b, "manifest.json", NULL);
	assert_non_null(strstr(man, "\"total_cap\": 4096"));
	assert_non_null(strstr(man, "\"kept\": 0"));
	assert_non_null(strstr(man, "\"capture_complete\": true"));
	free(man);
	dmabuf_bundle_close(b);
	free(arch);
	rm_root(dir);
}

/* The capture's failures come back on replay; what it read completely is re-derived. */
static void test_sources_restored(void **state)
{
	char *dir = tmp_root(), *arch, *src, *edited, path[PATH_MAX], cmd[PATH_MAX * 3];
	struct dmabuf_snapshot *s;
	struct dmabuf_bundle *b;
	size_t len;
	FILE *f;

	(void)state;
	arch = make_report(fixture_path("7.3", NULL), dir, "r.tar.gz", false, 0, 0, NULL);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/x' && tar -xzf '%s' -C '%s/x'", dir, arch, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/x", dir);
	b = open_bundle(path);
	s = collect_root(dmabuf_bundle_root(b));
	assert_int_equal(s->status[PROCFS_I].state, DMABUF_SOURCE_OK);
	assert_int_equal(dmabuf_buffer_unowned(s, must_buf(s, 12)), 1);
	dmabuf_snapshot_free(s);

	/* as if procfs had been partial at capture time (an unprivileged run) */
	src = bundle_file(b, "sources.txt", &len);
	edited = edit(src, "source name=procfs state=ok err=0 detail=3%20processes",
		      "source name=procfs state=partial err=13 detail=2%20processes%20not%20readable");
	snprintf(path, sizeof(path), "%s/sources.txt", dmabuf_bundle_root(b));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(edited, f) >= 0 && !fclose(f), 1);
	s = collect_root(dmabuf_bundle_root(b));
	assert_int_equal(s->status[PROCFS_I].state, DMABUF_SOURCE_PARTIAL);
	assert_int_equal(s->status[PROCFS_I].err, 13);
	assert_non_null(strstr(s->status[PROCFS_I].detail, "2 processes not readable"));
	assert_true(s->used & DMABUF_SRC_PROCFS);
	/* owners are no longer known completely: nobody is called unowned */
	assert_int_equal(dmabuf_buffer_unowned(s, must_buf(s, 12)), DMABUF_UNKNOWN);
	/* fdinfo was ok at capture: its replay's own state stands */
	assert_int_equal(s->status[__builtin_ctz(DMABUF_SRC_FDINFO)].state, DMABUF_SOURCE_OK);
	dmabuf_snapshot_free(s);

	/* and a source the replay was not asked for stays unused */
	s = dmabuf_snapshot_new(dmabuf_bundle_root(b));
	assert_int_equal(dmabuf_collect(s, &(struct dmabuf_collect_opts){
					.sources = DMABUF_SRC_DEBUGFS }), 0);
	assert_int_equal(s->status[PROCFS_I].state, DMABUF_SOURCE_UNUSED);
	dmabuf_snapshot_free(s);

	free(src);
	free(edited);
	dmabuf_bundle_close(b);
	free(arch);
	rm_root(dir);
}

/* sysfs statistics (no test kernel has them): captured, replayed, an empty directory too */
static void test_sysfs_captured(void **state)
{
	char *root = tmp_root(), *dir = tmp_root(), *arch, *direct, *replayed, *size;
	struct dmabuf_bundle *b;
	size_t len;
	int pass;

	(void)state;
	put_file(root, "proc/sys/kernel/osrelease", "6.6.0-test\n", 11);
	for (pass = 0; pass < 2; pass++) {
		if (pass) {
			put_file(root, "sys/kernel/dmabuf/buffers/4/exporter_name", "drm\n", 4);
			put_file(root, "sys/kernel/dmabuf/buffers/4/size", "4096\n", 5);
		} else {	/* the directory, empty */
			char x[PATH_MAX];

			put_file(root, "sys/kernel/dmabuf/buffers/x", "", 0);
			snprintf(x, sizeof(x), "%s/sys/kernel/dmabuf/buffers/x", root);
			assert_int_equal(unlink(x), 0);
		}
		arch = make_report(root, dir, pass ? "s1.tar.gz" : "s0.tar.gz", false, 0, 0, NULL);
		direct = json_of_root(root);
		assert_non_null(strstr(direct, pass ? "\"name\":\"sysfs\",\"state\":\"ok\",\"error\""
					       ":null,\"detail\":\"1 buffers\"" :
					       "\"detail\":\"0 buffers\""));
		b = open_bundle(arch);
		replayed = json_of_root(dmabuf_bundle_root(b));
		assert_string_equal(replayed, direct);
		if (pass) {
			size = bundle_file(b, "sys/kernel/dmabuf/buffers/4/size", &len);
			assert_string_equal(size, "4096\n");
			free(size);
		}
		dmabuf_bundle_close(b);
		free(replayed);
		free(direct);
		free(arch);
	}
	rm_root(root);
	rm_root(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_exact),
		cmocka_unit_test(test_capture_changes_nothing),
		cmocka_unit_test(test_replay_identical),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_size_caps),
		cmocka_unit_test(test_sources_restored),
		cmocka_unit_test(test_sysfs_captured),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
