// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_context.c - what a maintainer asks for next, read once the
 * snapshot is taken (context, not replayed: a second read is fine here):
 * the dma-buf/DRM/heap/IOMMU options of the kernel config, the kernel log
 * lines about them, /proc/modules, the kernel's version and command line,
 * the DRM fds (links and fdinfo) and command lines of the processes that
 * hold dma-bufs; and the capability matrix of the running system for the
 * manifest. Everything is read under the snapshot's root, so a report of a
 * captured tree takes that tree's context; the kernel log and the
 * capabilities only exist for the live system.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/btf.h>

#include "collect_priv.h"
#include "json.h"
#include "report_priv.h"

#define CONFIG_MAX (8u << 20)
#define DMESG_KEEP_MAX (1u << 20)
#define DEBUGFS_MAGIC 0x64626720

static struct report_note *note(struct report_context *ctx, const char *what, const char *path,
				int state, int err, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static struct report_note *note(struct report_context *ctx, const char *what, const char *path,
				int state, int err, const char *fmt, ...)
{
	struct report_note *n;
	va_list ap;

	if (ctx->n >= sizeof(ctx->note) / sizeof(ctx->note[0]))
		return NULL;
	n = &ctx->note[ctx->n++];
	snprintf(n->what, sizeof(n->what), "%s", what);
	snprintf(n->path, sizeof(n->path), "%s", state == DMABUF_SOURCE_OK ||
		 state == DMABUF_SOURCE_PARTIAL ? path : "");
	n->state = state;
	n->err = err;
	va_start(ap, fmt);
	vsnprintf(n->detail, sizeof(n->detail), fmt, ap);
	va_end(ap);
	return n;
}

static bool line_has(const char *l, size_t n, const char *const *words)
{
	char low[512];
	size_t i;

	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (i = 0; i < n; i++)
		low[i] = (char)((l[i] >= 'A' && l[i] <= 'Z') ? l[i] + 32 : l[i]);
	low[n] = '\0';
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

/* --- kernel config ---------------------------------------------------------- */

static void config(const struct dmabuf_snapshot *s, struct dmabuf_capture *c,
		   struct report_context *ctx)
{
	static const char *const words[] = {
		"dma_buf", "dmabuf", "dma_shared_buffer", "dma_heap", "drm", "ttm", "heap",
		"sync_file", "sw_sync", "udmabuf", "iommu", "p2pdma", "_cma", "swiotlb",
		"debug_fs", "debug_info_btf", "bpf_syscall", "bpf_events", "ikconfig",
		"lockdep", "prove_locking", "kasan", "ftrace", "kprobes", "fprobe", NULL,
	};
	const char *tried[2] = { "proc/config.gz", NULL };
	char rel[192], path[PATH_MAX];
	struct rbuf out = { 0 };
	char *text = malloc(CONFIG_MAX);
	size_t len = 0, i;
	gzFile gz = NULL;
	int n;

	if (!text)
		return;
	snprintf(rel, sizeof(rel), "boot/config-%s", s->kernel.release);
	tried[1] = s->kernel.release[0] ? rel : NULL;
	for (i = 0; i < 2 && !gz; i++) {
		if (!tried[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", strcmp(s->root, "/") ? s->root : "",
			 tried[i]);
		gz = gzopen(path, "rb");	/* reads plain files too */
		if (gz)
			break;
	}
	if (!gz) {
		note(ctx, "kernel config", REPORT_CONFIG, DMABUF_SOURCE_UNAVAILABLE, ENOENT,
		     "no /proc/config.gz (CONFIG_IKCONFIG_PROC) nor /%s", rel);
		free(text);
		return;
	}
	while (len < CONFIG_MAX &&
	       (n = gzread(gz, text + len, (unsigned int)(CONFIG_MAX - len))) > 0)
		len += (size_t)n;
	gzclose(gz);
	rbuf_printf(&out, "# options of /%s about dma-buf, DRM, heaps, IOMMU and the tools' "
		    "needs\n", tried[i]);
	for (char *l = text; l < text + len;) {
		char *nl = memchr(l, '\n', (size_t)(text + len - l));
		size_t ln = (size_t)((nl ? nl : text + len) - l);

		if ((!strncmp(l, "CONFIG_", 7) || !strncmp(l, "# CONFIG_", 9)) &&
		    line_has(l, ln, words)) {
			rbuf_put(&out, l, ln);
			rbuf_puts(&out, "\n");
		}
		l += ln + 1;
	}
	free(text);
	if (out.err) {
		free(out.p);
		return;
	}
	dmabuf_capture_file(c, out.p, out.len, "%s", REPORT_CONFIG);
	note(ctx, "kernel config", REPORT_CONFIG, DMABUF_SOURCE_OK, 0, "from /%s", tried[i]);
	free(out.p);
}

/* --- the kernel log ---------------------------------------------------------- */

static void dmesg(struct dmabuf_capture *c, struct report_context *ctx)
{
	static const char *const words[] = {
		"dma-buf", "dma_buf", "dmabuf", "drm", "ttm", "iommu", "dma_heap", "dma-heap",
		"udmabuf", "vgem", "dmar", "amd-vi", "smmu", "sync_file", "dma_fence",
		"warning:", "bug:", "oops", "call trace", "lockdep", "possible circular",
		"blocked for more than", "kasan", NULL,
	};
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0), n, kept = 0;
	struct rbuf out = { 0 };
	char *buf;

	if (size <= 0)
		size = 1 << 20;
	buf = malloc((size_t)size);
	if (!buf)
		return;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		int err = errno;

		note(ctx, "kernel log", REPORT_DMESG, DMABUF_SOURCE_FAILED, err,
		     "%s%s", strerror(err), err == EPERM ?
		     ": needs CAP_SYSLOG (kernel.dmesg_restrict=1)" : "");
		free(buf);
		return;
	}
	for (char *l = buf; l < buf + n;) {
		char *nl = memchr(l, '\n', (size_t)(buf + n - l));
		size_t ln = (size_t)((nl ? nl : buf + n) - l);

		if (line_has(l, ln, words) && out.len + ln < DMESG_KEEP_MAX) {
			rbuf_put(&out, l, ln);
			rbuf_puts(&out, "\n");
			kept++;
		}
		l += ln + 1;
	}
	free(buf);
	if (!out.err) {
		dmabuf_capture_file(c, out.p ? out.p : "", out.len, "%s", REPORT_DMESG);
		note(ctx, "kernel log", REPORT_DMESG, DMABUF_SOURCE_OK, 0,
		     "%d lines about dma-buf, DRM, TTM, IOMMU, and warnings", kept);
	}
	free(out.p);
}

/* --- /proc files and the holders ------------------------------------------ */

static void proc_file(int rootfd, struct dmabuf_capture *c, struct report_context *ctx,
		      const char *what, const char *rel)
{
	char *text;
	size_t len;
	int ret = dmabuf_read_whole(rootfd, rel, &text, &len);

	if (ret) {
		note(ctx, what, rel,
		     ret == -ENOENT ? DMABUF_SOURCE_UNAVAILABLE : DMABUF_SOURCE_FAILED, -ret,
		     "/%s: %s", rel, strerror(-ret));
		return;
	}
	dmabuf_capture_file(c, text, len, "%s", rel);
	if (!strcmp(rel, "proc/cmdline")) {
		size_t n = len < sizeof(ctx->cmdline) ? len : sizeof(ctx->cmdline) - 1;

		memcpy(ctx->cmdline, text, n);
		ctx->cmdline[n] = '\0';
		ctx->cmdline[strcspn(ctx->cmdline, "\n")] = '\0';
	}
	note(ctx, what, rel, DMABUF_SOURCE_OK, 0, "%zu bytes", len);
	free(text);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The DRM fds of PID: their links and fdinfo (drm-* keys: client, engines, memory). */
static unsigned int drm_fds(int rootfd, pid_t pid, struct dmabuf_capture *c)
{
	char rel[64], path[320], link[PATH_MAX], text[8192];
	unsigned int found = 0;
	struct dirent *de;
	int fddir, infodir;
	DIR *d;

	snprintf(rel, sizeof(rel), "proc/%d/fd", (int)pid);
	fddir = openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0 || !(d = fdopendir(fddir))) {
		if (fddir >= 0)
			close(fddir);
		return 0;
	}
	snprintf(rel, sizeof(rel), "proc/%d/fdinfo", (int)pid);
	infodir = openat(rootfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	while ((de = readdir(d))) {
		ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof(link));

		if (n < 9 || memcmp(link, "/dev/dri/", 9))
			continue;
		found++;
		snprintf(path, sizeof(path), "proc/%d/fd/%s", (int)pid, de->d_name);
		if (!dmabuf_capture_find(c, path))
			dmabuf_capture_link(c, link, (size_t)n, "%s", path);
		n = infodir < 0 ? -1 : dmabuf_read_small(infodir, de->d_name, text, sizeof(text));
		if (n >= 0)
			dmabuf_capture_file(c, text, (size_t)n, "proc/%d/fdinfo/%s", (int)pid,
					    de->d_name);
	}
	if (infodir >= 0)
		close(infodir);
	closedir(d);
	return found;
}

static void holders(const struct dmabuf_snapshot *s, int rootfd, struct dmabuf_capture *c,
		    struct report_context *ctx)
{
	size_t n = 0, cap = 0, i, j, u = 0;
	unsigned int drm = 0, cmdlines = 0;
	pid_t *pids = NULL;

	for (i = 0; i < s->n_buf; i++)
		for (j = 0; j < s->buf[i].n_own; j++) {
			if (n == cap) {
				pid_t *np = realloc(pids, (cap = cap ? cap * 2 : 64) * sizeof(*np));

				if (!np) {
					free(pids);
					return;
				}
				pids = np;
			}
			pids[n++] = s->buf[i].own[j].pid;
		}
	if (n > 1)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	for (i = 0; i < n; i++) {
		char rel[64], *text;
		size_t len;

		if (i && pids[i] == pids[i - 1])
			continue;
		u++;
		drm += drm_fds(rootfd, pids[i], c);
		snprintf(rel, sizeof(rel), "proc/%d/cmdline", (int)pids[i]);
		if (!dmabuf_read_whole(rootfd, rel, &text, &len)) {
			dmabuf_capture_file(c, text, len, "%s", rel);
			cmdlines++;
			free(text);
		}
	}
	free(pids);
	note(ctx, "DRM fds of the holders", "proc/PID/fdinfo", DMABUF_SOURCE_OK, 0,
	     "%u DRM fds of %zu processes holding dma-bufs", drm, u);
	note(ctx, "command lines of the holders", "proc/PID/cmdline",
	     cmdlines == u ? DMABUF_SOURCE_OK : DMABUF_SOURCE_PARTIAL, 0,
	     "%u of %zu processes", cmdlines, u);
}

int dmabuf_report_context(const struct dmabuf_snapshot *s, struct dmabuf_capture *c,
			  struct report_context *ctx)
{
	int rootfd = dmabuf_root_open(s);

	memset(ctx, 0, sizeof(*ctx));
	ctx->live = dmabuf_root_is_live(s);
	config(s, c, ctx);
	if (ctx->live)
		dmesg(c, ctx);
	else
		note(ctx, "kernel log", REPORT_DMESG, DMABUF_SOURCE_UNAVAILABLE, 0,
		     "not the live system: root %s is a captured tree", s->root);
	if (rootfd < 0)
		return 0;
	proc_file(rootfd, c, ctx, "kernel modules", "proc/modules");
	proc_file(rootfd, c, ctx, "kernel command line", "proc/cmdline");
	proc_file(rootfd, c, ctx, "kernel version", "proc/version");
	holders(s, rootfd, c, ctx);
	close(rootfd);
	return c->err;
}

/* --- the capability matrix ------------------------------------------------- */

static void file_field(struct json_writer *jw, const char *name, const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0) {
		jw_null_field(jw, name);
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	jw_string_field(jw, name, buf);
}

/* true, false, or null when the answer is hidden from us (EACCES) */
static void exists_field(struct json_writer *jw, const char *name, const char *path)
{
	struct stat st;

	if (!stat(path, &st))
		jw_bool_field(jw, name, true);
	else if (errno == EACCES || errno == EPERM)
		jw_null_field(jw, name);
	else
		jw_bool_field(jw, name, false);
}

static unsigned long long cap_eff(void)
{
	char line[256];
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

void dmabuf_report_capabilities(struct json_writer *jw, const struct dmabuf_snapshot *s)
{
	unsigned long long caps = cap_eff();
	struct statfs sf;
	struct btf *btf;

	jw_name(jw, "capabilities");
	if (!dmabuf_root_is_live(s)) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	jw_name(jw, "debugfs");
	jw_start_object(jw);
	jw_bool_field(jw, "mounted", !statfs("/sys/kernel/debug", &sf) &&
		      sf.f_type == DEBUGFS_MAGIC);
	if (!access("/sys/kernel/debug/dma_buf/bufinfo", R_OK))
		jw_string_field(jw, "bufinfo", "readable");
	else
		jw_string_field(jw, "bufinfo", errno == ENOENT ? "absent" : strerror(errno));
	jw_end_object(jw);
	jw_bool_field(jw, "btf", !access("/sys/kernel/btf/vmlinux", R_OK));
	btf = btf__load_vmlinux_btf();
	if (btf)
		jw_bool_field(jw, "iter_dmabuf",
			      btf__find_by_name_kind(btf, "bpf_iter_dmabuf", BTF_KIND_FUNC) > 0);
	else
		jw_null_field(jw, "iter_dmabuf");
	btf__free(btf);
	if (!access("/sys/kernel/tracing/events", F_OK))
		exists_field(jw, "tracepoints", "/sys/kernel/tracing/events/dma_buf");
	else
		exists_field(jw, "tracepoints", "/sys/kernel/debug/tracing/events/dma_buf");
	exists_field(jw, "sysfs_stats", "/sys/kernel/dmabuf/buffers");
	exists_field(jw, "dmabuf_lab", "/sys/module/dmabuf_lab");
	jw_name(jw, "privileges");
	jw_start_object(jw);
	jw_uint_field(jw, "euid", geteuid());
	jw_bool_field(jw, "cap_sys_admin", caps >> 21 & 1);
	jw_bool_field(jw, "cap_bpf", caps >> 39 & 1);
	jw_bool_field(jw, "cap_perfmon", caps >> 38 & 1);
	jw_bool_field(jw, "cap_syslog", caps >> 34 & 1);
	jw_bool_field(jw, "cap_sys_ptrace", caps >> 19 & 1);
	jw_bool_field(jw, "cap_dac_read_search", caps >> 2 & 1);
	jw_end_object(jw);
	jw_name(jw, "sysctl");
	jw_start_object(jw);
	file_field(jw, "kernel.dmesg_restrict", "/proc/sys/kernel/dmesg_restrict");
	file_field(jw, "kernel.kptr_restrict", "/proc/sys/kernel/kptr_restrict");
	file_field(jw, "kernel.perf_event_paranoid", "/proc/sys/kernel/perf_event_paranoid");
	file_field(jw, "kernel.unprivileged_bpf_disabled",
		   "/proc/sys/kernel/unprivileged_bpf_disabled");
	file_field(jw, "kernel.yama.ptrace_scope", "/proc/sys/kernel/yama/ptrace_scope");
	jw_end_object(jw);
	file_field(jw, "lockdown", "/sys/kernel/security/lockdown");
	jw_end_object(jw);
}
