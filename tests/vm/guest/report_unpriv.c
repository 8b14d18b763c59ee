// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_unpriv: the scenario, then `dmabuf report` as nobody. Checked: it
 * exits 0 and says what root would add; the archive unpacks and its
 * manifest, strict JSON, has the euid of nobody and lists as missing the
 * sources nobody cannot read (debugfs and the lab's state: permission
 * denied; BPF: no CAP_BPF; procfs: other users' processes); the archive is
 * smaller than root's report of the same scenario; it replays (as root) to
 * its own snapshot.json, its failures included.
 */
#include <string.h>

#include "jsonlines.h"
#include "report_util.h"
#include "scenario.h"

#define FULL "/tmp/full.tar.gz"
#define UNPRIV "/tmp/unpriv.tar.gz"

/* The manifest's "missing" entry that starts with PREFIX. */
static const char *missing(const struct jv *man, const char *prefix)
{
	const struct jv *m = jv_get(man, "missing");
	size_t i;

	for (i = 0; m && m->type == JV_ARR && i < m->n; i++)
		if (m->items[i].type == JV_STR && !strncmp(m->items[i].str, prefix, strlen(prefix)))
			return m->items[i].str;
	return NULL;
}

int main(void)
{
	const char *full[] = { "report", "-o", FULL, NULL };
	const char *unpriv[] = { "report", "-o", UNPRIV, NULL };
	const char *ls[] = { "--root", UNPRIV, "ls", "-j", NULL };
	static const char *const want[] = {
		"source debugfs: failed (Permission denied)", "source bpf: unavailable",
		"source procfs: partial (Permission denied)", "source lab: failed (Permission denied)",
	};
	char top[512], path[PATH_MAX], *out = NULL, *text, *a, *b;
	const char *err = NULL;
	struct stat sf, su;
	struct scenario s;
	struct jv man;
	mode_t root_mode = 0;
	struct bg bg;
	unsigned int i;
	size_t len;
	int st;

	if (!tap_ok(scenario_build(&s) == 0, "scenario built")) {
		scenario_end(&s);
		return 1;
	}
	tap_ok(dmabuf_run(0, NULL, full) == 0, "root's report");
	/* the initramfs root comes from mktemp -d (0700): nobody could reach nothing */
	if (!stat("/", &sf) && (sf.st_mode & 0005) != 0005) {
		root_mode = sf.st_mode & 07777;
		tap_diag("/ is %o: 0755 for nobody's run", root_mode);
		chmod("/", 0755);
	}
	st = bg_start(&bg, NOBODY, NULL, unpriv) ? -1 : bg_finish(&bg, 280);
	if (root_mode)
		chmod("/", root_mode);
	tap_ok(st == 0 && strstr(bg.err, "run as root"), "nobody's report exits 0 and says what "
	       "root would add (%d)", st);
	if (st)
		bg_diag(&bg);
	if (!tap_ok(unpack(UNPRIV, "/tmp/unpriv.d", top, sizeof(top)) == 0,
		    "nobody's archive unpacks")) {
		scenario_end(&s);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", top);
	text = slurp(path, &len);
	if (tap_ok(text && !jl_parse(text, len, &man, &err), "its manifest.json is strict JSON")) {
		const struct jv *caps = jv_get(&man, "capabilities");

		tap_ok(jv_uint(jv_get(caps, "privileges"), "euid", 0) == NOBODY,
		       "the manifest has nobody's euid");
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			tap_ok(missing(&man, want[i]) != NULL, "missing: \"%s...\"", want[i]);
		tap_ok(missing(&man, "source bpf: unavailable") &&
		       strstr(missing(&man, "source bpf: unavailable"), "CAP_BPF"),
		       "it says BPF needs CAP_BPF");
		jv_free(&man);
	}
	free(text);
	st = stat(FULL, &sf) || stat(UNPRIV, &su);
	tap_ok(!st && su.st_size < sf.st_size, "smaller than root's (%lld < %lld bytes)",
	       (long long)su.st_size, (long long)sf.st_size);

	st = dmabuf_run(0, &out, ls);
	snprintf(path, sizeof(path), "%s/snapshot.json", top);
	text = slurp(path, NULL);
	a = strip_root(out);
	b = strip_root(text ? text : "");
	tap_ok(st == 0 && !strcmp(a, b) && strstr(a, "\"name\":\"debugfs\",\"state\":\"failed\""),
	       "it replays to its snapshot.json, debugfs failed as it was (%d)", st);
	free(a);
	free(b);
	free(text);
	free(out);
	scenario_end(&s);
	return tap_exit_status();
}
