/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli_scenario: builds the scenario (scenario.h) and checks that `dmabuf`
 * reports exactly it — sizes, exporters, names, owners, attachments, and the
 * dynamic / cached / pinned / mismatch state of every attachment against the
 * dmabuf_lab module's own account — once from debugfs+procfs and once from
 * the BPF snapshot, and that the two agree where they overlap.
 */
#include <inttypes.h>

#include "cliutil.h"
#include "lab_util.h"
#include "scenario.h"
#include "tap.h"

#define DMABUF "/usr/local/bin/dmabuf"

static const char *tri(int v)
{
	return v ? "true" : "false";
}

/* Table checks from one source set: sizes, exporters, owners, names. */
static void check_table(struct scenario *s, const char *sources)
{
	struct run r = run_cmd(DMABUF " --source %s ls --no-headers --bytes "
			       "-o ino,size,exporter,procs,att,name", sources);
	char line[512], word[256], want[64];
	int i;

	tap_ok(r.status == 0, "[%s] dmabuf ls exits 0 (got %d)", sources, r.status);
	tap_ok(!strchr(r.out, '\x1b'), "[%s] no raw escape character reaches the terminal", sources);
	for (i = 0; i < SCN__COUNT; i++) {
		const struct scn_buffer *b = &s->buf[i];

		if (!b->present)
			continue;
		snprintf(want, sizeof(want), "%" PRIu64, b->ino);
		if (!tap_ok(row_of(r.out, want, line, sizeof(line)) == 0,
			    "[%s] %s (ino %s) is listed", sources, b->label, want))
			continue;
		word_of(line, 1, word, sizeof(word));
		tap_ok(strtoull(word, NULL, 10) == b->size, "[%s] %s size %s == %" PRIu64,
		       sources, b->label, word, b->size);
		if (b->lab_mode >= 0) {
			word_of(line, 2, word, sizeof(word));
			tap_ok(!strcmp(word, "dmabuf_lab"), "[%s] %s exporter '%s'", sources,
			       b->label, word);
		}
		/* procfs sees holders; a kernel-held buffer has none */
		word_of(line, 3, word, sizeof(word));
		tap_ok(atoi(word) == b->nprocs, "[%s] %s held by %s processes, expected %d",
		       sources, b->label, word, b->nprocs);
		{
			word_of(line, 4, word, sizeof(word));
			tap_ok(atoi(word) == b->natt, "[%s] %s has %s attachments, expected %d",
			       sources, b->label, word, b->natt);
		}
		if (i == SCN_EVIL) {
			word_of(line, 5, word, sizeof(word));
			tap_ok(!strcmp(word, "evil\\x1b[31mred\\x07"),
			       "[%s] hostile name shown escaped: '%s'", sources, word);
		}
	}
	free(r.out);
}

/* Per-attachment state from `show -j` against the module's report. */
static void check_attachments(struct scenario *s, const char *sources, bool stateful)
{
	int i, j;

	for (i = 0; i < SCN__COUNT; i++) {
		const struct scn_buffer *b = &s->buf[i];
		struct run r;

		if (!b->present || !b->natt)
			continue;
		r = run_cmd(DMABUF " --source %s show -j %" PRIu64, sources, b->ino);
		tap_ok(r.status == 0, "[%s] show %s exits 0", sources, b->label);
		for (j = 0; j < b->natt; j++) {
			struct dmabuf_lab_att_info ai;
			char anchor[96], v[64];
			int lab_cached;

			if (!tap_ok(lab_att_info(s->lab, b->att[j].att_id, &ai) == 0,
				    "lab ATT_INFO %s/%d", b->label, j))
				continue;
			snprintf(anchor, sizeof(anchor), "\"device\":\"%s\"", ai.dev_name);
			if (!tap_ok(json_member(r.out, anchor, "importer_dynamic", v, sizeof(v)) == 0,
				    "[%s] %s lists attachment %s", sources, b->label, ai.dev_name))
				continue;
			if (!stateful) {
				/* debugfs knows device names only: state is unknown, never guessed */
				tap_ok(!strcmp(v, "null"), "[%s] %s/%s importer_dynamic is null (%s)",
				       sources, b->label, ai.dev_name, v);
				continue;
			}
			tap_ok(!strcmp(v, tri(ai.importer_dynamic == DMABUF_LAB_YES)),
			       "[%s] %s/%s importer_dynamic %s", sources, b->label, ai.dev_name, v);
			json_member(r.out, anchor, "mismatch", v, sizeof(v));
			tap_ok(!strcmp(v, tri(ai.importer_dynamic != ai.exporter_dynamic)),
			       "[%s] %s/%s mismatch %s", sources, b->label, ai.dev_name, v);
			json_member(r.out, anchor, "cached", v, sizeof(v));
			lab_cached = ai.cached_dir != DMABUF_LAB_DIR_NONE;
			tap_ok(!strcmp(v, tri(lab_cached)), "[%s] %s/%s cached %s (module: %s)",
			       sources, b->label, ai.dev_name, v, tri(lab_cached));
			json_member(r.out, anchor, "pinned", v, sizeof(v));
			if (strcmp(v, "null"))
				tap_ok(!strcmp(v, tri(ai.pinned == DMABUF_LAB_YES)),
				       "[%s] %s/%s pinned %s (module: %s)", sources, b->label,
				       ai.dev_name, v, tri(ai.pinned == DMABUF_LAB_YES));
			else
				tap_ok(ai.exporter_dynamic == DMABUF_LAB_YES,
				       "[%s] %s/%s pinned unknown only for a dynamic exporter",
				       sources, b->label, ai.dev_name);
		}
		if (stateful && b->lab_mode >= 0) {
			char v[16];

			json_member(r.out, NULL, "exporter_dynamic", v, sizeof(v));
			tap_ok(!strcmp(v, tri(b->lab_mode == DMABUF_LAB_EXP_DYNAMIC)),
			       "[%s] %s exporter_dynamic %s", sources, b->label, v);
		}
		free(r.out);
	}
}

/* `check`: the mismatches and the kernel-held buffer, exit status 1. */
static void check_findings(struct scenario *s)
{
	struct run r = run_cmd(DMABUF " check -j");
	char anchor[64], v[64];
	int i, j, mismatches = 0, found = 0;
	const char *p;

	tap_ok(r.status == 1, "dmabuf check exits 1 when there are findings (got %d)", r.status);
	for (i = 0; i < SCN__COUNT; i++)
		for (j = 0; j < s->buf[i].natt; j++)
			mismatches += s->buf[i].att[j].dynamic != (s->buf[i].lab_mode == DMABUF_LAB_EXP_DYNAMIC);
	for (p = r.out; (p = strstr(p, "\"kind\":\"mismatch\"")); p++)
		found++;
	tap_ok(found == mismatches, "check reports %d mismatched attachments, expected %d", found,
	       mismatches);
	snprintf(anchor, sizeof(anchor), "\"kind\":\"unowned\",\"ino\":%" PRIu64,
		 s->buf[SCN_CARVEOUT].ino);
	tap_ok(strstr(r.out, anchor) != NULL, "check reports the kernel-held buffer as unowned");
	found = 0;
	for (p = r.out; (p = strstr(p, "\"kind\":\"unowned\"")); p++)
		found++;
	tap_ok(found == 1, "exactly one unowned buffer (%d)", found);
	tap_ok(json_member(r.out, NULL, "count", v, sizeof(v)) == 0 && atoi(v) == found + mismatches,
	       "check count %s", v);
	free(r.out);
}

/* `procs`: the parent and the holder child, with their RSS. */
static void check_procs(struct scenario *s)
{
	struct run r = run_cmd(DMABUF " procs --no-headers --bytes -o pid,bufs,fds,maps,rss");
	char key[32], line[256], w[64];
	uint64_t parent_rss = 0, child_rss = s->buf[SCN_VGEM].size + s->buf[SCN_FRAME].size;
	int i, nparent = 0;

	tap_ok(r.status == 0, "dmabuf procs exits 0");
	for (i = 0; i < SCN__COUNT; i++)
		if (s->buf[i].present && s->buf[i].fd >= 0) {
			parent_rss += s->buf[i].size;
			nparent++;
		}
	snprintf(key, sizeof(key), "%d", (int)getpid());
	if (tap_ok(row_of(r.out, key, line, sizeof(line)) == 0, "procs lists this process")) {
		word_of(line, 1, w, sizeof(w));
		tap_ok(atoi(w) == nparent, "this process holds %s buffers, expected %d", w, nparent);
		word_of(line, 4, w, sizeof(w));
		tap_ok(strtoull(w, NULL, 10) == parent_rss, "its RSS %s == %" PRIu64, w, parent_rss);
	}
	snprintf(key, sizeof(key), "%d", (int)s->child);
	if (tap_ok(row_of(r.out, key, line, sizeof(line)) == 0, "procs lists the holder child")) {
		word_of(line, 1, w, sizeof(w));
		tap_ok(atoi(w) == 2, "the child holds %s buffers, expected 2", w);
		word_of(line, 3, w, sizeof(w));
		tap_ok(atoi(w) >= 1, "the child's vgem mapping is seen (%s maps)", w);
		word_of(line, 4, w, sizeof(w));
		tap_ok(strtoull(w, NULL, 10) == child_rss, "its RSS %s == %" PRIu64, w, child_rss);
	}
	free(r.out);
}

/* Where both report a buffer, debugfs+procfs and BPF agree on it. */
static void check_agreement(void)
{
	const char *cols = "ino,size,exporter,att,name";
	struct run a = run_cmd(DMABUF " --source debugfs,procfs ls --no-headers --bytes -o %s", cols);
	struct run b = run_cmd(DMABUF " --source bpf ls --no-headers --bytes -o %s", cols);

	tap_ok(a.status == 0 && b.status == 0, "both source sets list buffers (%d, %d)",
	       a.status, b.status);
	tap_ok(!strcmp(a.out, b.out), "debugfs+procfs and bpf list the same buffers, sizes, "
	       "exporters, attachment counts and names");
	if (strcmp(a.out, b.out))
		tap_diag("debugfs+procfs:\n%s# bpf:\n%s", a.out, b.out);
	free(a.out);
	free(b.out);
}

/*
 * With debugfs, procfs reads no fdinfo of a buffer bufinfo gave whole; a
 * name bufinfo cannot show exactly (a newline, "<none>", a line of its own
 * record) still has its fdinfo read. Either way the owners and names are
 * what procfs alone (every fdinfo read) says.
 */
static void check_fdinfo_skip(struct scenario *s)
{
	static const char *const names[] = { "two\nlines", "<none>", "x\n\tAttached Devices:" };
	const char *cols = "ino,size,exporter,procs,name";
	const char *fdinfo_ok = "\"name\":\"fdinfo\",\"state\":\"ok\",\"error\":null,\"detail\":\"";
	int fds[3], i, got, n = (int)(sizeof(names) / sizeof(names[0]));
	unsigned int nfds = 0, nread = 0;
	struct run a, b, j;
	const char *d, *l;

	for (i = 0; i < n; i++) {
		fds[i] = lab_export(s->lab, DMABUF_LAB_EXP_STATIC, 1, NULL, 0, NULL);
		tap_ok(fds[i] > 0 && !ioctl(fds[i], DMA_BUF_SET_NAME_B, names[i]),
		       "a buffer named %d (%s)", i, strerror(errno));
	}
	a = run_cmd(DMABUF " --source debugfs,procfs ls --no-headers --bytes -o %s", cols);
	b = run_cmd(DMABUF " --source procfs ls --no-headers --bytes -o %s", cols);
	j = run_cmd(DMABUF " --source debugfs,procfs ls -j");
	tap_ok(a.status == 0 && b.status == 0 && j.status == 0, "debugfs,procfs and procfs list "
	       "(%d, %d, %d)", a.status, b.status, j.status);
	for (l = b.out; *l; l = strchr(l, '\n') + 1) {
		size_t len = strcspn(l, "\n");
		char row[256];

		snprintf(row, sizeof(row), "%.*s\n", (int)len, l);
		if (!tap_ok(strstr(a.out, row) != NULL, "procfs's row is debugfs,procfs's too: %.*s",
			    (int)len, l))
			tap_diag("debugfs,procfs:\n%s", a.out);
		if (!l[len])
			break;
	}
	d = strstr(j.out, fdinfo_ok);
	got = d ? sscanf(d + strlen(fdinfo_ok), "%u dma-buf fds, %u of them read", &nfds, &nread)
		: 0;
	tap_ok(got == 2 && nread >= 3 && nread < nfds,
	       "fdinfo read for the 3 inexact names only (%u of %u dma-buf fds)", nread, nfds);
	for (i = 0; i < n; i++)
		if (fds[i] > 0)
			close(fds[i]);
	free(a.out);
	free(b.out);
	free(j.out);
}

int main(void)
{
	struct scenario s;

	if (!tap_ok(scenario_build(&s) == 0, "the scenario is built"))
		return tap_exit_status();
	check_table(&s, "debugfs,procfs");
	check_attachments(&s, "debugfs,procfs", false);
	check_table(&s, "bpf");
	check_attachments(&s, "bpf", true);
	check_attachments(&s, "auto", true);
	check_agreement();
	check_fdinfo_skip(&s);
	check_findings(&s);
	check_procs(&s);
	scenario_end(&s);
	return tap_exit_status();
}
