// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_replay: the scenario, `dmabuf report`, then the report opened
 * again. Checked: the archive is a tar.gz busybox unpacks; its manifest is
 * strict JSON naming the sources used (BPF among them, with its records in
 * bpf/records.txt) and a capability matrix that matches this kernel; its
 * bufinfo is the kernel's bytes; `dmabuf --root ARCHIVE ls -j` and
 * `--root UNPACKED-DIR ls -j` print the snapshot.json taken at capture time
 * (the "root" member aside), BPF provenance included; `dmabuf --root ARCHIVE
 * check` prints its findings.txt; no temporary directory is left behind.
 */
#include <string.h>

#include "jsonlines.h"
#include "report_util.h"
#include "scenario.h"

#define ARCHIVE "/tmp/replay.tar.gz"
#define UNPACKED "/tmp/replay.d"

/* The manifest's source NAME: its state, and whether it was used. */
static const char *source_state(const struct jv *man, const char *name, int *used)
{
	const struct jv *srcs = jv_get(man, "sources");
	size_t i;

	for (i = 0; srcs && srcs->type == JV_ARR && i < srcs->n; i++)
		if (jv_str(&srcs->items[i], "name") && !strcmp(jv_str(&srcs->items[i], "name"), name)) {
			*used = jv_tri(&srcs->items[i], "used");
			return jv_str(&srcs->items[i], "state");
		}
	return NULL;
}

/* Whether the kernel's BTF names the iter/dmabuf target: asked of the file itself. */
static int btf_has_iter_dmabuf(void)
{
	size_t len;
	char *btf = slurp("/sys/kernel/btf/vmlinux", &len);
	int yes = btf && memmem(btf, len, "\0bpf_iter_dmabuf\0", 17) != NULL;

	free(btf);
	return yes;
}

static void check_manifest(const char *top)
{
	char path[PATH_MAX];
	const struct jv *caps;
	const char *err = NULL, *st;
	struct jv man;
	struct stat sb;
	size_t len;
	char *text;
	int used = -1;

	snprintf(path, sizeof(path), "%s/manifest.json", top);
	text = slurp(path, &len);
	if (!tap_ok(text && !jl_parse(text, len, &man, &err), "manifest.json is strict JSON%s%s",
		    err ? ": " : "", err ? err : "")) {
		free(text);
		return;
	}
	st = source_state(&man, "bpf", &used);
	tap_ok(st && (!strcmp(st, "ok") || !strcmp(st, "partial")) && used == 1,
	       "manifest: the BPF source was used (%s)", st ? st : "absent");
	st = source_state(&man, "debugfs", &used);
	tap_ok(st && !strcmp(st, "ok") && used == 1, "manifest: debugfs was used");
	caps = jv_get(&man, "capabilities");
	tap_ok(caps && jv_tri(caps, "btf") == 1, "manifest: BTF present");
	tap_ok(caps && jv_tri(caps, "iter_dmabuf") == btf_has_iter_dmabuf(),
	       "manifest: iter/dmabuf %s, as the kernel's BTF says",
	       btf_has_iter_dmabuf() ? "present" : "absent");
	tap_ok(caps && jv_tri(caps, "tracepoints") ==
	       !stat("/sys/kernel/tracing/events/dma_buf", &sb),
	       "manifest: dma_buf tracepoints as tracefs shows them");
	tap_ok(caps && jv_get(caps, "privileges") &&
	       jv_uint(jv_get(caps, "privileges"), "euid", 99) == 0 &&
	       jv_tri(jv_get(caps, "privileges"), "cap_bpf") == 1, "manifest: privileges of root");
	tap_ok(jv_get(&man, "kernel") && jv_str(jv_get(&man, "kernel"), "cmdline") &&
	       strstr(jv_str(jv_get(&man, "kernel"), "cmdline"), "dmabuf.mode="),
	       "manifest: the kernel command line");
	jv_free(&man);
	free(text);
}

int main(void)
{
	const char *report[] = { "report", "-o", ARCHIVE, NULL };
	const char *ls_arch[] = { "--root", ARCHIVE, "ls", "-j", NULL };
	const char *check_arch[] = { "--root", ARCHIVE, "check", NULL };
	char top[512], path[PATH_MAX], *out = NULL, *json = NULL, *stored, *a, *b;
	const char *ls_dir[] = { "--root", top, "ls", "-j", NULL };
	struct scenario s;
	struct stat sb;
	size_t len, klen;
	char *kernel_bufinfo, *bufinfo;
	int st;

	if (!tap_ok(scenario_build(&s) == 0, "scenario built")) {
		scenario_end(&s);
		return 1;
	}
	st = dmabuf_run(0, &out, report);
	tap_ok(st == 0 && strstr(out, ARCHIVE), "dmabuf report -o %s exits 0 and names it (%d)",
	       ARCHIVE, st);
	free(out);
	/* the kernel's bufinfo now: the scenario does not change, nor does its text */
	kernel_bufinfo = slurp("/sys/kernel/debug/dma_buf/bufinfo", &klen);
	if (!tap_ok(unpack(ARCHIVE, UNPACKED, top, sizeof(top)) == 0,
		    "busybox tar unpacks it into one directory")) {
		scenario_end(&s);
		return 1;
	}
	check_manifest(top);
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/dma_buf/bufinfo", top);
	bufinfo = slurp(path, &len);
	tap_ok(bufinfo && kernel_bufinfo && len == klen && !memcmp(bufinfo, kernel_bufinfo, len),
	       "its bufinfo is the kernel's, byte for byte (%zu bytes)", len);
	free(bufinfo);
	free(kernel_bufinfo);
	/* kernel context */
	snprintf(path, sizeof(path), "%s/proc/modules", top);
	bufinfo = slurp(path, NULL);
	tap_ok(bufinfo && strstr(bufinfo, "dmabuf_lab "), "proc/modules lists dmabuf_lab");
	free(bufinfo);
	snprintf(path, sizeof(path), "%s/kernel/dmesg", top);
	bufinfo = slurp(path, NULL);
	tap_ok(bufinfo && strstr(bufinfo, "vgem") && !strstr(bufinfo, "Linux version"),
	       "kernel/dmesg has the log lines about DRM, and not the others");
	free(bufinfo);

	/* every scanned process is a directory; only holders bring their files */
	snprintf(path, sizeof(path), "%s/proc/1", top);
	tap_ok(!stat(path, &sb) && S_ISDIR(sb.st_mode), "proc/1 (init, no dma-buf) is there");
	snprintf(path, sizeof(path), "%s/proc/1/maps", top);
	tap_ok(stat(path, &sb), "without its maps");
	snprintf(path, sizeof(path), "%s/proc/%d/maps", top, (int)s.child);
	tap_ok(!stat(path, &sb), "the holder child's maps are there");
	snprintf(path, sizeof(path), "%s/bpf/records.txt", top);
	bufinfo = slurp(path, &len);
	tap_ok(bufinfo && strstr(bufinfo, "\nbuf via=") && strstr(bufinfo, "\nstatus state=ok"),
	       "bpf/records.txt holds the BPF records and an ok state");
	free(bufinfo);

	/* replay from the archive: the snapshot taken at capture time */
	snprintf(path, sizeof(path), "%s/snapshot.json", top);
	json = slurp(path, NULL);
	stored = json ? strip_root(json) : strdup("");
	st = dmabuf_run(0, &out, ls_arch);
	a = strip_root(out);
	tap_ok(st == 0 && !strcmp(a, stored), "dmabuf --root ARCHIVE ls -j is snapshot.json (%d)", st);
	if (strcmp(a, stored))
		diff_diag("replayed and stored snapshots", a, stored);
	tap_ok(strstr(a, "{\"name\":\"bpf\",\"state\":\"ok\"") && strstr(a, "+bpf"),
	       "the replay has the BPF source and its provenance");
	tap_ok(strstr(a, "\"name\":\"vram\"") && strstr(a, "\"name\":\"carveout\""),
	       "the replay has the scenario's buffers");
	free(out);
	free(a);

	st = dmabuf_run(0, &out, ls_dir);
	b = strip_root(out);
	tap_ok(st == 0 && !strcmp(b, stored), "dmabuf --root UNPACKED ls -j is snapshot.json too");
	if (strcmp(b, stored))
		diff_diag("replayed and stored snapshots", b, stored);
	free(out);
	free(b);

	st = dmabuf_run(0, &out, check_arch);
	snprintf(path, sizeof(path), "%s/findings.txt", top);
	a = slurp(path, NULL);
	tap_ok(st == 1 && a && !strcmp(out, a), "dmabuf --root ARCHIVE check prints findings.txt "
	       "(exit %d)", st);
	tap_ok(a && strstr(a, "mismatch ") && strstr(a, "unowned "),
	       "findings: the scenario's mismatches and its unowned buffer");
	free(out);
	free(a);
	tap_ok(no_leftovers(), "no temporary directory is left in /tmp");

	free(json);
	free(stored);
	scenario_end(&s);
	return tap_exit_status();
}
