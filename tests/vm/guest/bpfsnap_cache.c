/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfsnap_cache: the load cache (lib/loadcache.c), on every kernel. The
 * first BPF snapshot of a boot loads its programs with libbpf and keeps the
 * load in /run/dmabuf-tools (a directory and file of root's, closed to
 * others); the next ones load from it, say "(cached load)", and report
 * exactly what a snapshot that loaded through libbpf reports (buffers,
 * attachments, owners, kernel facts), with the owner walk and without it.
 * Nothing of them stays loaded. DMABUF_LOAD_CACHE=off does not use it. A
 * file that is damaged, cut, open to others or not a regular file, and a
 * directory open to others, are not used: the snapshot loads through libbpf,
 * is the same, and a damaged file is replaced by a good one. An exporter
 * module unloaded and loaded again does not spoil a kept load.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cliutil.h"
#include "snaputil.h"
#include "lab_util.h"
#include "tap.h"

#define CACHE_DIR "/run/dmabuf-tools"

static int dev = -1;

/* The cache files now (load-*), the first one's path in PATH; their number. */
static int cache_files(char *path, size_t len)
{
	struct run r = run_cmd("ls " CACHE_DIR " 2>/dev/null | grep '^load-'");
	int n = 0;
	char *p, *save = NULL;

	path[0] = '\0';
	for (p = strtok_r(r.out, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		if (!n)
			snprintf(path, len, CACHE_DIR "/%s", p);
		n++;
	}
	return n;
}

/* A snapshot as the user runs it; SRC: the --source list. */
static struct run snap(const char *env, const char *src)
{
	return run_cmd("%s dmabuf --source %s ls -j 2>&1", env, src);
}

/* The same report as REF, loaded through libbpf or not. */
static bool same(const struct run *ref, const struct run *r)
{
	char k1[512], k2[512];

	return r->status == 0 && !strcmp(buffers_of(ref->out), buffers_of(r->out)) &&
	       !strcmp(kernel_of(ref->out, k1, sizeof(k1)), kernel_of(r->out, k2, sizeof(k2)));
}

static bool cached(const struct run *r)
{
	return strstr(r->out, "(cached load)") != NULL;
}

/* One variant of the load (SRC): first kept, then taken, the same report. */
static void variant(const char *src, const char *what)
{
	struct run ref, first, again;
	char path[256];
	struct stat st;

	ref = snap("DMABUF_LOAD_CACHE=off", src);
	tap_ok(ref.status == 0 && !cached(&ref) && strstr(ref.out, "\"lab-cache-dyn\""),
	       "%s, DMABUF_LOAD_CACHE=off: loaded through libbpf (exit %d)", what, ref.status);
	tap_ok(cache_files(path, sizeof(path)) == 0, "%s: off keeps nothing", what);
	first = snap("", src);
	tap_ok(same(&ref, &first) && !cached(&first),
	       "%s: the first snapshot loads through libbpf, the same report", what);
	tap_ok(cache_files(path, sizeof(path)) == 1 && !stat(path, &st) && S_ISREG(st.st_mode) &&
	       (st.st_mode & 07777) == 0600 && st.st_uid == 0,
	       "%s: it kept its load: %s, mode %o", what, path, st.st_mode & 07777);
	tap_ok(!stat(CACHE_DIR, &st) && (st.st_mode & 07777) == 0700 && st.st_uid == 0,
	       "the directory is root's, mode %o", st.st_mode & 07777);
	again = snap("", src);
	tap_ok(same(&ref, &again) && cached(&again),
	       "%s: the next one loads from it, \"(cached load)\", the same report", what);
	if (!same(&ref, &again))
		tap_diag("libbpf: %.300s\n# cached: %.300s", buffers_of(ref.out),
			 buffers_of(again.out));
	tap_ok(snap_progs_settled(0) == 0, "%s: no snapshot program stays loaded", what);
}

/* A file FIX(PATH) spoilt is not used; the snapshot is the same; WHAT. */
static void spoilt(const char *fix, const char *what, bool replaced)
{
	struct run ref = snap("DMABUF_LOAD_CACHE=off", "bpf"), r, next;
	char path[256], cmd[512];

	if (cache_files(path, sizeof(path)) != 1) {
		tap_ok(0, "%s: no cache file to spoil", what);
		return;
	}
	snprintf(cmd, sizeof(cmd), fix, path, path);
	if (system(cmd))
		tap_diag("%s failed", cmd);
	r = snap("DMABUF_LOAD_CACHE=debug", "bpf");
	tap_ok(same(&ref, &r) && !cached(&r), "%s: not used, the same report", what);
	tap_diag("%.200s", r.out);
	if (!replaced)
		return;
	next = snap("", "bpf");
	tap_ok(same(&ref, &next) && cached(&next), "%s: replaced by a good one", what);
}

/*
 * The load kept before an exporter module went and came back is still good:
 * the kept programs refer to vmlinux types only (a module's are never kept).
 */
static void reloaded(void)
{
	struct run ref, r;
	int fd, err;

	close(dev);
	err = lab_module_unload();
	err = err ? err : lab_module_load();
	dev = lab_open();
	tap_ok(!err && dev >= 0, "dmabuf_lab unloaded and loaded again (%s)", strerror(-err));
	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 1, "lab-cache-reload", 0, NULL);
	tap_ok(fd > 0 && lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL) >= 0,
	       "a buffer of the new module, attached");
	ref = snap("DMABUF_LOAD_CACHE=off", "bpf");
	r = snap("", "bpf");
	tap_ok(ref.status == 0 && strstr(ref.out, "\"lab-cache-reload\"") && same(&ref, &r) &&
	       cached(&r), "after the reload the kept load is used and sees what libbpf's sees");
	if (fd > 0)
		close(fd);
}

int main(void)
{
	struct dmabuf_lab_export ex;
	struct dmabuf_lab_info info;
	struct run r;
	char path[256];
	int fd, held;

	printf("TAP version 13\n");
	dev = lab_open();
	if (dev < 0 || lab_info(dev, &info)) {
		tap_ok(0, "the lab module is there");
		return tap_exit_status();
	}
	/* a buffer with a dynamic and a static importer, and one no fd holds */
	fd = lab_export(dev, DMABUF_LAB_EXP_DYNAMIC, 2, "lab-cache-dyn", 0, NULL);
	held = lab_export(dev, DMABUF_LAB_EXP_STATIC, 1, "lab-cache-held",
			  DMABUF_LAB_EXPORT_KERNEL_HELD, &ex);
	tap_ok(fd > 0 && held == 0 &&
	       lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_DYNAMIC, NULL) >= 0 &&
	       lab_attach(dev, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL) >= 0,
	       "two buffers, two attachments");
	system("rm -rf " CACHE_DIR);

	/* --source bpf: the owner and vma walks too; auto: procfs has the owners */
	variant("bpf", "--source bpf");
	system("rm -rf " CACHE_DIR);
	variant("debugfs,procfs,bpf", "with procfs");
	system("rm -rf " CACHE_DIR);
	r = snap("", "bpf");
	tap_ok(r.status == 0 && cache_files(path, sizeof(path)) == 1, "a load kept again");

	spoilt("printf '\\001' | dd of=%s bs=1 seek=200 conv=notrunc 2>/dev/null", "a damaged byte",
	       true);
	spoilt("truncate -s 4000 %s", "a file cut short", true);
	spoilt("chmod 0666 %s", "a file others may write", true);
	spoilt("rm %s && mkdir %s", "a directory for the file", false);
	system("rm -rf " CACHE_DIR "/load-*");
	r = snap("", "bpf");
	spoilt("chmod 0777 " CACHE_DIR " # %s %s", "a directory others may write", false);
	r = snap("", "bpf");
	tap_ok(r.status == 0 && !cached(&r) && cache_files(path, sizeof(path)) == 1,
	       "...and nothing kept there while it is (the old file stays unused)");
	system("chmod 0700 " CACHE_DIR);
	r = snap("", "bpf");
	tap_ok(r.status == 0 && cached(&r), "closed again, it is used");
	tap_ok(snap_progs_settled(0) == 0, "no snapshot program stays loaded");
	lab_release(dev, ex.buf_id);
	close(fd);
	reloaded();
	system("rm -rf " CACHE_DIR);
	return tap_exit_status();
}
