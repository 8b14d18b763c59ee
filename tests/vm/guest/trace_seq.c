/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_seq: a scripted sequence of dma-buf operations through dmabuf_lab
 * (every exporter x importer mode, moves, CPU access, mmap), vgem, and
 * udmabuf where the kernel has it, traced by dmabuf-trace -j -p SELF. The
 * observed events must be exactly the expected list, in order, with the
 * right ino, device, direction, dynamic, cached and pinned fields. The
 * expectations come from the lab module's own report of each step (its
 * cached answer, its exporter's pin count), not from a model of the kernel.
 *
 * Passes: the ring buffer; the perf buffer (DMABUF_TRACE_PERF_BUFFER: per
 * CPU, so events are ordered by time first); the text output (same number
 * of lines, every line under 100 columns).
 *
 * Where the kernel still has CONFIG_DMABUF_MOVE_NOTIFY (6.1), the tracer
 * learns it from /boot/config-RELEASE as on an installed system: the test
 * writes one (from the module's answer) for its run and removes it after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/udmabuf.h>

#include "lab_util.h"
#include "trace_util.h"
#include "vgem.h"

static const char *const dir_names[] = { "bidirectional", "to_device", "from_device", "none" };

struct seq {
	int lab;
	struct dmabuf_lab_info info;
	bool sgt_cache, mn_off;
	struct want_list want;
	int step;
	bool failed;
};

static bool lab_case_ok(struct seq *s, int ret, const char *what)
{
	if (ret >= 0)
		return true;
	tap_ok(0, "%s: %s", what, strerror(-ret));
	s->failed = true;
	return false;
}

static int tri_of(__u32 v)
{
	return v == DMABUF_LAB_YES ? 1 : v == DMABUF_LAB_NO ? 0 : -1;
}

/* The events of attaching importer IMP (mode MODE) to FD of ino INO. */
static int attach_step(struct seq *s, int fd, unsigned long long ino, const char *exporter,
		       const char *name, int exp_dyn, __u32 imp, __u32 mode,
		       struct dmabuf_lab_att_info *ai)
{
	struct dmabuf_lab_attach at;
	struct want *w;
	int att = lab_attach(s->lab, 0, fd, 0, imp, mode, &at);

	if (!lab_case_ok(s, att, "DMABUF_LAB_IOC_ATTACH") ||
	    !lab_case_ok(s, lab_att_info(s->lab, (__u32)att, ai), "ATT_INFO"))
		return -1;
	w = want_add(&s->want, "get", ino);
	w->device = NULL;
	w->exporter = exporter;
	w->name = name;
	w = want_add(&s->want, "attach", ino);
	w->device = strdup(ai->dev_name);
	w->exporter = exporter;
	w->imp_dyn = mode == DMABUF_LAB_IMP_DYNAMIC;
	w->exp_dyn = exp_dyn;
	w->ret_set = 1;
	/* the attach-time cache (to 6.15): a table made at attach, a pin for a dynamic exporter */
	w->cached = s->sgt_cache ? ai->cached_dir != DMABUF_LAB_DIR_NONE : -1;
	w->pinned = s->sgt_cache ? (ai->exporter_lab ? tri_of(ai->pinned) :
				    (w->cached == 1 && ai->exporter_dynamic == DMABUF_LAB_YES)) : -1;
	return att;
}

static void map_step(struct seq *s, __u32 att, unsigned long long ino,
		     const struct dmabuf_lab_att_info *ai, __u32 dir)
{
	struct dmabuf_lab_att_info after;
	struct dmabuf_lab_map m;
	struct want *w;

	if (!lab_case_ok(s, lab_map(s->lab, att, dir, 0, &m), "DMABUF_LAB_IOC_MAP") ||
	    !lab_case_ok(s, lab_att_info(s->lab, att, &after), "ATT_INFO"))
		return;
	w = want_add(&s->want, "map", ino);
	w->device = strdup(ai->dev_name);
	w->dir = dir_names[dir];
	w->imp_dyn = ai->importer_dynamic == DMABUF_LAB_YES;
	w->exp_dyn = ai->exporter_dynamic == DMABUF_LAB_YES;
	w->cached = m.cached == DMABUF_LAB_YES;
	/* a foreign exporter's pin count is unknown to the lab: not checked */
	w->pinned = after.exporter_lab ? tri_of(after.pinned) : W_ANY;
	w->ret_set = 1;
}

static void unmap_step(struct seq *s, __u32 att, unsigned long long ino, __u32 dir)
{
	struct dmabuf_lab_att_info before;
	bool cached, imp_dyn, exp_dyn;
	struct want *w;

	if (!lab_case_ok(s, lab_att_info(s->lab, att, &before), "ATT_INFO"))
		return;
	cached = before.cached_dir != DMABUF_LAB_DIR_NONE;
	imp_dyn = before.importer_dynamic == DMABUF_LAB_YES;
	exp_dyn = before.exporter_dynamic == DMABUF_LAB_YES;
	if (!lab_case_ok(s, lab_unmap(s->lab, att, 0), "DMABUF_LAB_IOC_UNMAP"))
		return;
	/*
	 * Up to 6.15 with MOVE_NOTIFY off, unmapping a dynamic exporter's
	 * table calls dma_buf_unpin() itself: an unpin inside the unmap,
	 * unless the compiler inlined that call (Debian's 6.1 does).
	 */
	if (s->sgt_cache && s->mn_off && exp_dyn && imp_dyn && !cached) {
		w = want_add(&s->want, "unpin", ino);
		w->device = strdup(before.dev_name);
		w->contract = NULL;
		w->optional = true;
	}
	w = want_add(&s->want, "unmap", ino);
	w->device = strdup(before.dev_name);
	w->dir = dir_names[dir];
	w->imp_dyn = imp_dyn;
	w->exp_dyn = exp_dyn;
	w->cached = cached;
	w->pinned = before.exporter_lab ? tri_of(before.pinned) : W_ANY;
}

static void detach_step(struct seq *s, __u32 att, unsigned long long ino, const char *exporter)
{
	struct dmabuf_lab_att_info before;
	struct want *w;

	if (!lab_case_ok(s, lab_att_info(s->lab, att, &before), "ATT_INFO") ||
	    !lab_case_ok(s, lab_detach(s->lab, att), "DMABUF_LAB_IOC_DETACH"))
		return;
	w = want_add(&s->want, "detach", ino);
	w->device = strdup(before.dev_name);
	w->exporter = exporter;
	w->imp_dyn = before.importer_dynamic == DMABUF_LAB_YES;
	w->cached = s->sgt_cache ? before.cached_dir != DMABUF_LAB_DIR_NONE : -1;
	w->pinned = !s->sgt_cache ? -1 : before.exporter_lab ? tri_of(before.pinned) : W_ANY;
}

/* One lab buffer through its life, importer IMP in MODE, maps in DIR. */
static void lab_case(struct seq *s, __u32 exp_mode, __u32 imp_mode, __u32 dir, bool extras)
{
	struct dmabuf_lab_export ex;
	struct dmabuf_lab_att_info ai;
	int exp_dyn = exp_mode == DMABUF_LAB_EXP_DYNAMIC, fd, att, nmaps = 1, i;
	char *name = malloc(32);
	struct want *w;

	snprintf(name, 32, "seq-%d", ++s->step);
	fd = lab_export(s->lab, exp_mode, 2, name, 0, &ex);
	if (!lab_case_ok(s, fd, "DMABUF_LAB_IOC_EXPORT"))
		return;
	w = want_add(&s->want, "export", ex.ino);
	w->exporter = "dmabuf_lab";
	w->name = NULL;		/* the module names it after the export */
	w->device = NULL;
	w->exp_dyn = exp_dyn;
	w->ret_set = 1;
	att = attach_step(s, fd, ex.ino, "dmabuf_lab", name, exp_dyn, s->step % 2, imp_mode, &ai);
	if (att < 0)
		return;
	map_step(s, (__u32)att, ex.ino, &ai, dir);
	/* cache_sgt_mapping keeps the first table: the second map is a cache hit */
	if (exp_mode == DMABUF_LAB_EXP_STATIC_CACHED) {
		map_step(s, (__u32)att, ex.ino, &ai, dir);
		nmaps = 2;
	}
	if (extras) {
		struct dmabuf_lab_move mv;
		struct dmabuf_lab_cpu cpu;
		void *p;

		if (lab_case_ok(s, lab_move(s->lab, fd, &mv), "DMABUF_LAB_IOC_MOVE")) {
			want_add(&s->want, "get", ex.ino)->name = name;
			w = want_add(&s->want, "move", ex.ino);
			w->notified = (int)mv.notified;
			w->contract = NULL;
		}
		LAB_ARG(cpu);
		cpu.fd = fd;
		if (lab_case_ok(s, lab_ioc(s->lab, DMABUF_LAB_IOC_CPU_READ, &cpu), "CPU_READ")) {
			want_add(&s->want, "get", ex.ino);
			w = want_add(&s->want, "begin_cpu_access", ex.ino);
			w->dir = "from_device";
			w->ret_set = 1;
			want_add(&s->want, "vmap", ex.ino)->ret_set = 1;
			want_add(&s->want, "vunmap", ex.ino);
			want_add(&s->want, "end_cpu_access", ex.ino)->dir = "from_device";
		}
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			want_add(&s->want, "mmap", ex.ino)->name = name;
			munmap(p, 4096);
		} else {
			lab_case_ok(s, -errno, "mmap of a lab buffer");
		}
	}
	for (i = 0; i < nmaps; i++)
		unmap_step(s, (__u32)att, ex.ino, dir);
	detach_step(s, (__u32)att, ex.ino, "dmabuf_lab");
	close(fd);
	w = want_add(&s->want, "release", ex.ino);
	w->name = name;
	w->exporter = "dmabuf_lab";
}

static unsigned long long fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* A foreign buffer (vgem, udmabuf): made, attached, mapped, unmapped, detached. */
static void foreign_case(struct seq *s, int fd, const char *exporter, __u32 imp_mode)
{
	unsigned long long ino = fd_ino(fd);
	struct dmabuf_lab_att_info ai;
	struct want *w;
	int att;

	w = want_add(&s->want, "export", ino);
	w->exporter = exporter;
	w->exp_dyn = W_ANY;
	w = want_add(&s->want, "fd", ino);
	w->exporter = exporter;
	att = attach_step(s, fd, ino, exporter, W_SKIP, W_ANY, 1, imp_mode, &ai);
	if (att < 0)
		return;
	map_step(s, (__u32)att, ino, &ai, DMABUF_LAB_DIR_BIDIRECTIONAL);
	unmap_step(s, (__u32)att, ino, DMABUF_LAB_DIR_BIDIRECTIONAL);
	detach_step(s, (__u32)att, ino, exporter);
}

static void run_sequence(struct seq *s)
{
	static const struct { __u32 exp, imp, dir; } cases[] = {
		{ DMABUF_LAB_EXP_STATIC, DMABUF_LAB_IMP_STATIC, DMABUF_LAB_DIR_TO_DEVICE },
		{ DMABUF_LAB_EXP_DYNAMIC, DMABUF_LAB_IMP_DYNAMIC, DMABUF_LAB_DIR_BIDIRECTIONAL },
		{ DMABUF_LAB_EXP_DYNAMIC, DMABUF_LAB_IMP_STATIC, DMABUF_LAB_DIR_FROM_DEVICE },
		{ DMABUF_LAB_EXP_STATIC, DMABUF_LAB_IMP_DYNAMIC, DMABUF_LAB_DIR_TO_DEVICE },
		{ DMABUF_LAB_EXP_STATIC_CACHED, DMABUF_LAB_IMP_STATIC, DMABUF_LAB_DIR_TO_DEVICE },
	};
	unsigned int i;
	int card, fd;

	s->want.n = 0;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].exp == DMABUF_LAB_EXP_STATIC_CACHED && !s->sgt_cache)
			continue;
		lab_case(s, cases[i].exp, cases[i].imp, cases[i].dir, i < 2);
	}
	card = vgem_open();
	fd = card >= 0 ? vgem_dmabuf(card, 64) : -1;
	if (fd >= 0) {
		unsigned long long ino = fd_ino(fd);

		foreign_case(s, fd, "drm", DMABUF_LAB_IMP_DYNAMIC);
		close(fd);
		/* vgem's GEM object holds the buffer until its handle goes with the card */
		close(card);
		want_add(&s->want, "release", ino)->exporter = "drm";
	} else if (card >= 0) {
		close(card);
	}
	fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		int memfd = memfd_create("trace_seq", MFD_ALLOW_SEALING), buf = -1;
		struct udmabuf_create c = { .memfd = (__u32)memfd, .size = 2 * 4096 };

		if (memfd >= 0 && !ftruncate(memfd, 2 * 4096) && !fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
			buf = ioctl(fd, UDMABUF_CREATE, &c);
		if (buf >= 0) {
			unsigned long long ino = fd_ino(buf);

			foreign_case(s, buf, "udmabuf", DMABUF_LAB_IMP_STATIC);
			close(buf);
			want_add(&s->want, "release", ino)->exporter = "udmabuf";
		}
		if (memfd >= 0)
			close(memfd);
		close(fd);
	}
}

static int cmp_ts(const void *a, const void *b)
{
	unsigned long long x = jv_uint(*(const struct jv *const *)a, "ts_ns", 0);
	unsigned long long y = jv_uint(*(const struct jv *const *)b, "ts_ns", 0);

	return x < y ? -1 : x > y;
}

static void json_pass(struct seq *s, const char *tag, const char *const *env)
{
	char pid[16];
	const char *args[] = { "-j", "-p", pid, NULL };
	static const struct jv *evs[512];
	struct tracer t;
	int n, rc;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!tap_ok(!tracer_start(&t, tag, args, env), "%s: dmabuf-trace starts", tag)) {
		tracer_diag_err(&t);
		tracer_free(&t);
		return;
	}
	run_sequence(s);
	rc = tracer_stop(&t, SIGINT);
	tap_ok(rc == 0, "%s: exits 0 on SIGINT, no violation (status %d)", tag, rc);
	if (!tap_ok(t.nvals > 0, "%s: output is valid JSON lines (%s at line %d)", tag,
		    t.json_err ? t.json_err : "-", t.bad_line)) {
		tracer_diag_err(&t);
		tracer_free(&t);
		return;
	}
	n = tracer_events(&t, evs, 512);
	if (env)
		qsort(evs, (size_t)n, sizeof(evs[0]), cmp_ts);
	if (!want_check(tag, evs, n, &s->want))
		tracer_diag_err(&t);
	for (int i = 0; i < s->want.n; i++)
		if (s->want.w[i].optional)
			tap_diag("%s: the %s inside an unmap was %s", tag, s->want.w[i].event,
				 s->want.w[i].seen ? "traced" : "not seen (inlined)");
	tap_ok(tracer_object(&t, "end") && jv_uint(tracer_object(&t, "end"), "lost", 1) == 0,
	       "%s: the end line says 0 lost", tag);
	tracer_free(&t);
}

static void text_pass(struct seq *s)
{
	char pid[16];
	const char *args[] = { "-p", pid, NULL };
	struct tracer t;
	int lines = 0, longest = 0, optional = 0;
	const char *p;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!tap_ok(!tracer_start(&t, "text", args, NULL), "text: dmabuf-trace starts")) {
		tracer_free(&t);
		return;
	}
	run_sequence(s);
	tracer_stop(&t, SIGTERM);
	for (p = t.out; p && *p;) {
		int len = (int)strcspn(p, "\n");

		if (len > longest)
			longest = len;
		lines++;
		p += len + (p[len] == '\n');
	}
	tap_ok(t.status == 0, "text: exits 0 on SIGTERM");
	for (int i = 0; i < s->want.n; i++)
		optional += s->want.w[i].optional;
	tap_ok(lines >= s->want.n + 1 - optional && lines <= s->want.n + 1,
	       "text: a header and one line per event (%d lines, want %d, %d optional)", lines,
	       s->want.n + 1, optional);
	tap_ok(longest < 100, "text: every line under 100 columns (longest %d)", longest);
	tracer_free(&t);
}

/* /boot/config-RELEASE with the module's answer for MOVE_NOTIFY; true if written. */
static bool write_config(const struct dmabuf_lab_info *info, char *path, size_t len)
{
	struct utsname u;
	FILE *f;

	if (info->move_notify == DMABUF_LAB_MOVE_NOTIFY_ABSENT || uname(&u))
		return false;
	snprintf(path, len, "/boot/config-%s", u.release);
	if (!access(path, F_OK))
		return false;
	mkdir("/boot", 0755);
	f = fopen(path, "w");
	if (!f)
		return false;
	fprintf(f, info->move_notify == DMABUF_LAB_MOVE_NOTIFY_ON ? "CONFIG_DMABUF_MOVE_NOTIFY=y\n" :
		"# CONFIG_DMABUF_MOVE_NOTIFY is not set\n");
	fclose(f);
	return true;
}

int main(void)
{
	static const char *const perf_env[] = { "DMABUF_TRACE_PERF_BUFFER=1", NULL };
	struct seq s = { 0 };
	char config[128];
	bool wrote;

	s.lab = lab_open();
	if (!tap_ok(s.lab >= 0 && !lab_info(s.lab, &s.info), "dmabuf_lab answers INFO"))
		return tap_exit_status();
	s.sgt_cache = s.info.features & DMABUF_LAB_FEAT_SGT_CACHE;
	s.mn_off = s.info.move_notify == DMABUF_LAB_MOVE_NOTIFY_OFF;
	wrote = write_config(&s.info, config, sizeof(config));
	tap_diag("kernel: %s attach-time cache, MOVE_NOTIFY %s", s.sgt_cache ? "with" : "without",
		 s.info.move_notify == DMABUF_LAB_MOVE_NOTIFY_ABSENT ? "gone" :
		 s.mn_off ? "off" : "on");

	json_pass(&s, "ring", NULL);
	json_pass(&s, "perf", perf_env);
	text_pass(&s);
	tap_ok(!s.failed, "every lab operation of the sequence succeeded");
	if (wrote)
		unlink(config);
	close(s.lab);
	return tap_exit_status();
}
