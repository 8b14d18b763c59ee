// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_trace: `dmabuf report --trace 2` in the background; once it says it
 * is tracing, a buffer goes through export, attach, map, unmap, detach and
 * release. Checked: the report exits 0; its trace.jsonl is strict JSON lines
 * ending with the "end" object; it has each of those events for the buffer's
 * inode, the buffer made after the snapshot is not in snapshot.json, and the
 * manifest says the trace is complete.
 */
#include <string.h>

#include "jsonlines.h"
#include "lab_util.h"
#include "report_util.h"

#define ARCHIVE "/tmp/traced.tar.gz"

static const char *const events[] = { "export", "attach", "map", "unmap", "detach", "release" };
#define NEVENTS 6

/* Export ... release of one lab buffer; its inode, 0 on failure. */
static unsigned long long drive(void)
{
	struct dmabuf_lab_export ex;
	int lab = lab_open(), fd, att;
	unsigned long long ino = 0;

	fd = lab < 0 ? -1 : lab_export(lab, DMABUF_LAB_EXP_STATIC, 1, "zqtraced", 0, &ex);
	att = fd > 0 ? lab_attach(lab, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL) : -1;
	if (att >= 0 && !lab_map(lab, (__u32)att, DMABUF_LAB_DIR_TO_DEVICE, 0, NULL) &&
	    !lab_unmap(lab, (__u32)att, 0) && !lab_detach(lab, (__u32)att))
		ino = ex.ino;
	if (fd > 0)
		close(fd);
	if (lab >= 0)
		close(lab);
	return ino;
}

int main(void)
{
	const char *args[] = { "report", "--trace", "2", "-o", ARCHIVE, NULL };
	char top[512], path[PATH_MAX], want[64], *text;
	bool seen[NEVENTS] = { false };
	const char *err = NULL;
	unsigned long long ino;
	struct jv *vals = NULL;
	int n = 0, bad = 0, i, st;
	unsigned int k, nseen = 0;
	struct bg bg;
	size_t len;

	if (!tap_ok(bg_start(&bg, 0, NULL, args) == 0, "dmabuf report --trace 2 started"))
		return 1;
	if (!tap_ok(bg_wait_for(&bg, "dmabuf: report: tracing for 2 s", 240), "it says it is "
		    "tracing")) {
		bg_finish(&bg, 60);
		bg_diag(&bg);
		return 1;
	}
	ino = drive();
	tap_ok(ino != 0, "a buffer exported, attached, mapped, unmapped, detached, released "
	       "(ino %llu)", ino);
	st = bg_finish(&bg, 120);
	tap_ok(st == 0, "the report exits 0 (%d)", st);
	if (st)
		bg_diag(&bg);
	if (!tap_ok(unpack(ARCHIVE, "/tmp/traced.d", top, sizeof(top)) == 0, "the archive unpacks"))
		return 1;
	snprintf(path, sizeof(path), "%s/trace.jsonl", top);
	text = slurp(path, &len);
	n = text ? jl_lines(text, len, &vals, &bad, &err) : -1;
	tap_ok(n > 0, "trace.jsonl is strict JSON lines (%d%s%s)", n, err ? ": " : "",
	       err ? err : "");
	for (i = 0; i < n; i++) {
		const char *ev = jv_str(&vals[i], "event");

		if (!ev || jv_uint(&vals[i], "ino", 0) != ino)
			continue;
		for (k = 0; k < NEVENTS; k++)
			if (!strcmp(ev, events[k]) && !seen[k]) {
				seen[k] = true;
				nseen++;
			}
	}
	for (k = 0; k < NEVENTS; k++)
		tap_ok(seen[k], "trace.jsonl has the %s of ino %llu", events[k], ino);
	tap_ok(n > 0 && jv_get(&vals[n - 1], "end") &&
	       jv_uint(jv_get(&vals[n - 1], "end"), "events", 0) >= NEVENTS,
	       "it ends with the \"end\" object");
	for (i = 0; i < n; i++)
		jv_free(&vals[i]);
	free(vals);
	free(text);

	snprintf(path, sizeof(path), "%s/snapshot.json", top);
	text = slurp(path, NULL);
	snprintf(want, sizeof(want), "{\"ino\":%llu,", ino);
	tap_ok(text && !strstr(text, want), "the buffer made after the snapshot is not in it");
	free(text);
	snprintf(path, sizeof(path), "%s/manifest.json", top);
	text = slurp(path, NULL);
	tap_ok(text && strstr(text, "\"name\": \"trace.jsonl\",\n    \"state\": \"ok\""),
	       "the manifest says the trace is complete");
	free(text);
	(void)nseen;
	return tap_exit_status();
}
