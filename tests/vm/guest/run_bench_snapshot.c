/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * run_bench_snapshot MODE [n=BUFFERS] [procs=P] [reps=R] [split-only]
 * [libbpf-log] - the snapshot benchmark (bench/snapshot.md), not a test:
 * bench/snapshot.sh boots the 7.3 guest and runs it. MODE is "icount"
 * (QEMU -icount shift=0: the guest clock advances 1 ns per instruction, so
 * CLOCK_MONOTONIC deltas are instruction counts) or "wall" (plain TCG:
 * milliseconds, noisy).
 *
 * P holder processes make BUFFERS one-page system-heap buffers between them
 * (named like the reference prototype's "ppI-J"), then every method runs as a
 * user runs it - fork, exec, wait, output to /dev/null - R times:
 *   (a) cat /sys/kernel/debug/dma_buf/bufinfo (busybox cat)
 *   (b) dmabuf --source bpf ls -j           buffers, attachments, fd owners
 *       (its first run loads through libbpf and keeps the load for the
 *       boot, lib/loadcache.c; the timed runs load from it)
 *   (b0) the same with DMABUF_LOAD_CACHE=off: libbpf loads every run
 *   (c) dmabuf --source debugfs,procfs ls -j
 *   (d) a dmabuf_dump-style procfs walk (this program, "walk", dump_walk.h): per
 *       process readlink every fd, read the fdinfo of the dma-buf ones,
 *       read maps
 * then the holders mmap every buffer and (a), (c), (d) run again, with
 *   (e) mmap owners as well: dmabuf --source bpf ls -j, the mappings from
 *       the vma walk (iter/task_vma)
 * and, after `dmabuf pin` (the snapshot iterators pinned in bpffs, so no
 * BPF load in the runs; `dmabuf unpin` after them):
 *   (f) (b) from the pinned iterators
 *   (g) (e) from the pinned iterators (buffers mmapped)
 * Each method is run once first with its output kept and checked (every
 * buffer and owner there); a method that fails its check fails the run.
 * Then: the medians per buffer, the ratios against (a), PASS/MISS per goal,
 * and splits of (b) and (c) into their parts (measured in this process;
 * "split-only" measures just those, "libbpf-log" times libbpf's messages
 * during the load).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "collect.h"
#include "snapshot.h"
#include "snapshot_json.h"
#include "bpf/snapshot.skel.h"
#include "dump_walk.h"

#define DMABUF "/usr/local/bin/dmabuf"
#define BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"
#define OUTFILE "/tmp/bench.out"
#define MAXREPS 15

enum check { CHECK_BUFINFO, CHECK_OWNERS, CHECK_MAPS, CHECK_WALK };

struct method {
	const char *key;	/* (a)..(e) */
	const char *label;
	const char *argv[8];	/* argv[0] NULL: this program, "walk" */
	enum check check;
	unsigned int phases;	/* PH_FDS: before the buffers are mmapped, PH_MAPPED: after */
	bool pinned;		/* after dmabuf pin (these come last) */
	const char *env;	/* NAME=VALUE for its runs, or NULL */
};
#define PH_FDS 1u
#define PH_MAPPED 2u
#define PH_BOTH (PH_FDS | PH_MAPPED)

static const struct method methods[] = {
	{ "a", "cat bufinfo", { "/bin/cat", BUFINFO }, CHECK_BUFINFO, PH_BOTH, false, NULL },
	{ "b", "dmabuf --source bpf ls -j", { DMABUF, "--source", "bpf", "ls", "-j" },
	  CHECK_OWNERS, PH_FDS, false, NULL },
	{ "b0", "(b), DMABUF_LOAD_CACHE=off: libbpf loads every run",
	  { DMABUF, "--source", "bpf", "ls", "-j" }, CHECK_OWNERS, PH_FDS, false,
	  "DMABUF_LOAD_CACHE=off" },
	{ "c", "dmabuf --source debugfs,procfs ls -j",
	  { DMABUF, "--source", "debugfs,procfs", "ls", "-j" }, CHECK_OWNERS, PH_BOTH, false, NULL },
	{ "d", "dmabuf_dump-style procfs walk", { NULL, "walk" }, CHECK_WALK, PH_BOTH, false, NULL },
	{ "e", "dmabuf --source bpf ls -j, mappings too",
	  { DMABUF, "--source", "bpf", "ls", "-j" }, CHECK_MAPS, PH_MAPPED, false, NULL },
	{ "f", "(b), iterators pinned", { DMABUF, "--source", "bpf", "ls", "-j" },
	  CHECK_OWNERS, PH_FDS, true, NULL },
	{ "g", "(e), iterators pinned", { DMABUF, "--source", "bpf", "ls", "-j" },
	  CHECK_MAPS, PH_MAPPED, true, NULL },
};
enum { M_CAT, M_BPF, M_BPF_LIBBPF, M_PROCFS, M_WALK, M_BPF_MAPS, M_PINNED, M_PINNED_MAPS };
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

static int nbufs = 10000, nprocs = 100, reps;
static bool icount, split_only;
static pid_t *holders;
static int ready_rd, go_wr;
static int failures;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* --- the holders ------------------------------------------------------------- */

static void holder(int idx, int count, int ready_wr, int go_rd)
{
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	int *fds = calloc((size_t)count, sizeof(*fds)), j;
	char name[DMA_BUF_NAME_LEN], st = 'R';

	snprintf(name, sizeof(name), "holder-%d", idx);
	prctl(PR_SET_NAME, name);
	for (j = 0; j < count && heap >= 0 && fds; j++) {
		struct dma_heap_allocation_data a = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };

		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a)) {
			st = 'E';
			break;
		}
		fds[j] = (int)a.fd;
		snprintf(name, sizeof(name), "pp%d-%d", idx, j);
		ioctl(fds[j], DMA_BUF_SET_NAME_B, name);
	}
	if (heap < 0 || !fds)
		st = 'E';
	if (heap >= 0)
		close(heap);
	if (write(ready_wr, &st, 1) != 1 || st != 'R')
		_exit(1);
	/* one byte of "go" each: map every buffer, say so, wait to be killed */
	if (read(go_rd, &st, 1) != 1)
		_exit(1);
	st = 'M';
	for (j = 0; j < count; j++)
		if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, fds[j], 0) == MAP_FAILED)
			st = 'E';
	if (write(ready_wr, &st, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* Waits for one byte per holder; true if all said WANT. */
static bool holders_say(char want)
{
	int i, good = 0;
	char c;

	for (i = 0; i < nprocs && read(ready_rd, &c, 1) == 1; i++)
		good += c == want;
	return good == nprocs;
}

static bool start_holders(void)
{
	int ready[2], go[2], i;

	if (pipe(ready) || pipe(go))
		return false;
	holders = calloc((size_t)nprocs, sizeof(*holders));
	for (i = 0; holders && i < nprocs; i++) {
		holders[i] = fork();
		if (holders[i] == 0) {
			close(ready[0]);
			close(go[1]);
			holder(i, nbufs / nprocs + (i < nbufs % nprocs), ready[1], go[0]);
		}
		if (holders[i] < 0)
			return false;
	}
	close(ready[1]);
	close(go[0]);
	ready_rd = ready[0];
	go_wr = go[1];
	return holders && holders_say('R');
}

static bool map_all(void)
{
	int i;

	for (i = 0; i < nprocs; i++)
		if (write(go_wr, "g", 1) != 1)
			return false;
	return holders_say('M');
}

/*
 * After making or mapping 10,000 buffers the kernel has deferred work for
 * a while (the first bufinfo read right after costs twice the next ones):
 * idle until it is done, so that every method meets a quiet system.
 */
static void settle(void)
{
	sleep(3);
}

static void stop_holders(void)
{
	int i;

	for (i = 0; holders && i < nprocs; i++)
		if (holders[i] > 0) {
			kill(holders[i], SIGKILL);
			waitpid(holders[i], NULL, 0);
		}
}

/* --- running and checking the methods ---------------------------------------- */

static const char *self_exe = "/proc/self/exe";

/* fork + exec + wait with stdout to OUT; the exit status, -1 if it did not run. */
static int run(const struct method *m, const char *out)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || (m->env && putenv((char *)m->env)))
			_exit(126);
		if (m->argv[0])
			execv(m->argv[0], (char **)m->argv);
		else
			execl(self_exe, "run_bench_snapshot", "walk", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *slurp_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 1 << 20, used = 0, n;
	char *buf = malloc(cap + 1);

	while (f && buf && (n = fread(buf + used, 1, cap - used, f)) > 0) {
		used += n;
		if (used == cap) {
			char *nb = realloc(buf, 2 * cap + 1);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (f)
		fclose(f);
	if (buf)
		buf[used] = '\0';
	*len = used;
	return buf;
}

static long count_of(const char *text, const char *needle)
{
	long n = 0;

	for (; (text = strstr(text, needle)); text += strlen(needle))
		n++;
	return n;
}

/* Runs M once with its output kept: did it see every buffer and owner? */
static bool verify(const struct method *m, bool mapped, size_t *bytes, double *ns)
{
	double t0 = now_ns();
	int rc = run(m, OUTFILE);
	size_t len = 0;
	char *text;

	*ns = now_ns() - t0;
	text = slurp_whole(OUTFILE, &len);
	long bufs = 0, owners = 0, maps = 0;
	bool ok = false;
	const char *p;

	*bytes = len;
	if (rc || !text) {
		printf("# (%s) %s: exit status %d\n", m->key, m->label, rc);
		free(text);
		return false;
	}
	switch (m->check) {
	case CHECK_BUFINFO:
		/* the last "Total N objects" line; "Total N devices attached" precede it */
		for (p = text; (p = strstr(p, "\nTotal ")); p++)
			bufs = strtol(p + 7, NULL, 10);
		ok = bufs >= nbufs && count_of(text, "\tpp") >= nbufs;
		break;
	case CHECK_OWNERS:
	case CHECK_MAPS:
		/* the holders' names and fds, each buffer once; no source failed */
		bufs = count_of(text, "\"name\":\"pp");
		owners = count_of(text, "\"comm\":\"holder-");
		maps = count_of(text, "\"maps\":1,\"mapped_bytes\":4096");
		ok = bufs == nbufs && owners == nbufs && !strstr(text, "\"state\":\"failed\"") &&
		     !strstr(text, "\"state\":\"unavailable\"") &&
		     (m->check != CHECK_MAPS || maps == nbufs);
		break;
	case CHECK_WALK:
		p = strstr(text, "fds=");
		owners = p ? strtol(p + 4, NULL, 10) : 0;
		p = strstr(text, "maps=");
		maps = p ? strtol(p + 5, NULL, 10) : 0;
		p = strstr(text, "bufs=");
		bufs = p ? strtol(p + 5, NULL, 10) : 0;
		ok = owners == nbufs && bufs == nbufs && maps == (mapped ? nbufs : 0);
		break;
	}
	printf("# (%s) %s: %zu bytes out, %ld buffers, %ld owners, %ld mappings: %s\n", m->key,
	       m->label, len, bufs, owners, maps, ok ? "ok" : "WRONG");
	free(text);
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double med, first;	/* first: the checked run, output to a file */
	size_t bytes;
	bool ran, ok;
};

/* results[phase][method]: phase 0 fds only, 1 every buffer mmapped as well */
static struct result results[2][NMETHODS];

/* Millions of instructions (icount) or milliseconds (wall) of NS. */
static double total(double ns)
{
	return ns / 1e6;
}

/* dmabuf pin (PIN) or unpin; true when it worked. */
static bool pin(bool on)
{
	static const struct method m[2] = {
		{ "-", "dmabuf unpin", { DMABUF, "unpin" }, CHECK_OWNERS, 0, false, NULL },
		{ "-", "dmabuf pin", { DMABUF, "pin" }, CHECK_OWNERS, 0, false, NULL },
	};
	int rc = run(&m[on], "/dev/null");

	if (rc)
		printf("# %s: exit status %d\n", m[on].label, rc);
	return rc == 0;
}

static void measure(int phase)
{
	bool pinned = false;
	size_t i;
	int r;

	for (i = 0; i < NMETHODS; i++) {
		const struct method *m = &methods[i];
		struct result *res = &results[phase][i];
		double t[MAXREPS];

		if (!(m->phases & (phase ? PH_MAPPED : PH_FDS)))
			continue;
		if (m->pinned && !pinned && !(pinned = pin(true))) {
			failures++;
			continue;
		}
		res->ran = true;
		res->ok = verify(m, phase, &res->bytes, &res->first);
		if (!res->ok)
			failures++;
		for (r = 0; r < reps; r++) {
			double t0 = now_ns();

			if (run(m, "/dev/null")) {
				failures++;
				res->ok = false;
			}
			t[r] = now_ns() - t0;
		}
		printf("# runs (%s)%s:", m->key, phase ? " mmapped" : "");
		for (r = 0; r < reps; r++)
			printf(" %.2f", total(t[r]));
		printf("\n");
		qsort(t, (size_t)reps, sizeof(t[0]), cmp_double);
		res->med = t[reps / 2];
	}
	if (pinned && !pin(false))
		failures++;
}

/* --- the report -------------------------------------------------------------- */

static double per_buf(double ns)
{
	return icount ? ns / nbufs : ns / 1e3 / nbufs;
}

static void table(void)
{
	static const char *const phase_name[] = { "fds", "fds+mmap" };
	double cat;
	int ph;
	size_t i;

	printf("\n| buffers | method | median %s | per buffer %s | x cat bufinfo | first run | "
	       "output KiB |\n", icount ? "M instr" : "ms", icount ? "(instr)" : "(us)");
	printf("|---|---|---:|---:|---:|---:|---:|\n");
	for (ph = 0; ph < 2; ph++) {
		cat = results[ph][0].med;
		for (i = 0; i < NMETHODS; i++) {
			const struct result *r = &results[ph][i];

			if (!r->ran)
				continue;
			printf("| %s | (%s) %s | %.1f | %.*f | %.2f | %.1f | %zu |%s\n",
			       phase_name[ph], methods[i].key, methods[i].label, total(r->med),
			       icount ? 0 : 2, per_buf(r->med), r->med / cat, total(r->first),
			       r->bytes / 1024, r->ok ? "" : " WRONG OUTPUT");
		}
	}
}

static void goal(const char *what, double value, double limit, bool at_most)
{
	bool pass = at_most ? value <= limit : value >= limit;

	printf("%s  %s: %.2f (goal %s %.2f)%s\n", pass ? "PASS" : "MISS", what, value,
	       at_most ? "<=" : ">=", limit, icount ? "" : " [wall clock: informational]");
}

static void goals(void)
{
	const struct result *f = results[0], *m = results[1];

	printf("\ngoals (medians; instruction counts decide, wall clock is informational)\n");
	goal("(b) BPF: buffers + attachments + fd owners, x cat bufinfo",
	     f[M_BPF].med / f[M_CAT].med, 0.6, true);
	goal("(f) the same from pinned iterators (dmabuf pin)", f[M_PINNED].med / f[M_CAT].med,
	     0.6, true);
	goal("(e) with mmap owners too, x cat bufinfo (buffers mmapped)",
	     m[M_BPF_MAPS].med / m[M_CAT].med, 1.0, true);
	goal("(g) the same from pinned iterators", m[M_PINNED_MAPS].med / m[M_CAT].med, 1.0, true);
	goal("(c)/(b): the BPF path is this many times faster than procfs",
	     f[M_PROCFS].med / f[M_BPF].med, 5.0, false);
	goal("(c)/(f): the same, iterators pinned", f[M_PROCFS].med / f[M_PINNED].med, 5.0, false);
	goal("(c)/(d): the procfs path against the dmabuf_dump-style walk",
	     f[M_PROCFS].med / f[M_WALK].med, 1.0, true);
	goal("(c)/(d) with every buffer mmapped", m[M_PROCFS].med / m[M_WALK].med, 1.0, true);
	printf("info  (b0) as (b), libbpf loading every run, x cat bufinfo: %.2f\n",
	       f[M_BPF_LIBBPF].med / f[M_CAT].med);
}

/* --- where the cost goes (in this process) ----------------------------------- */

static double t_mark;

/* Prints the time since the last mark under LABEL, and marks again. */
static void lap(const char *label)
{
	double t = now_ns();

	printf("  %-58s %8.1f\n", label, total(t - t_mark));
	t_mark = now_ns();
}

/* Runs one iterator of SKEL to its end into a growing buffer; its bytes. */
static size_t read_iter(struct bpf_program *prog, char **data, size_t *len)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	size_t cap = *len + (1 << 20);
	int fd = link ? bpf_iter_create(bpf_link__fd(link)) : -1;
	ssize_t n = 0;
	size_t start = *len;

	*data = realloc(*data, cap);
	while (fd >= 0 && *data) {
		if (cap - *len < (64 << 10) && !(*data = realloc(*data, cap *= 2)))
			break;
		n = read(fd, *data + *len, cap - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return *len - start;
}

static double split_file(const char *path)
{
	static char buf[128 * 1024];
	double t0 = now_ns();
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
	return now_ns() - t0;
}

static bool libbpf_log;

/* libbpf's messages with the instructions/ns since the previous one. */
static int print_timed(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static double last;
	double t = now_ns();

	(void)level;
	printf("  @ %10.3f ", last ? (t - last) / 1e6 : 0.0);
	vprintf(fmt, ap);
	last = now_ns();
	return 0;
}

static void split_bpf(void)
{
	static const struct method version = { "v", "dmabuf --version", { DMABUF, "--version" },
					       CHECK_OWNERS, 0, false, NULL };
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	struct bpfsnap_stats st;
	struct snapshot_bpf *skel;
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);
	size_t len = 0, nb;
	char *data = NULL, label[96];
	int fd;

	printf("\n(b)'s BPF part step by step, as lib/bpfsnap.c does it (%s), in this process:\n",
	       icount ? "M instr" : "ms");
	t_mark = now_ns();
	run(&version, "/dev/null");
	lap("process start + exit (dmabuf --version)");
	btf__free(btf__load_vmlinux_btf());
	lap("one vmlinux BTF parse (btf__load_vmlinux_btf)");
	skel = snapshot_bpf__open();
	lap("skeleton open");
	if (!skel || !s)
		return;
	bpf_program__set_autoload(skel->progs.snap_task_file, false);
	bpf_program__set_autoload(skel->progs.snap_list, false);
	bpf_map__set_max_entries(skel->maps.seen, 1);
	bpf_map__set_max_entries(skel->maps.walk_chunks, 1);
	if (libbpf_log)
		libbpf_set_print(print_timed);
	t_mark = now_ns();
	if (snapshot_bpf__load(skel)) {
		printf("  the skeleton did not load\n");
		snapshot_bpf__destroy(skel);
		return;
	}
	lap("skeleton load (BTF parse, CO-RE relocation, verifier)");
	libbpf_set_print(NULL);
	memset(&info, 0, sizeof(info));
	fd = bpf_program__fd(skel->progs.snap_dmabuf);
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len))
		printf("  # snap_dmabuf: %u instructions verified\n", info.verified_insns);
	info_len = sizeof(info);
	memset(&info, 0, sizeof(info));
	fd = bpf_program__fd(skel->progs.snap_task_owners);
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len))
		printf("  # snap_task_owners: %u instructions verified\n", info.verified_insns);
	t_mark = now_ns();
	nb = read_iter(skel->progs.snap_dmabuf, &data, &len);
	snprintf(label, sizeof(label), "iter/dmabuf read (%zu KiB)", nb >> 10);
	lap(label);
	nb = read_iter(skel->progs.snap_task_owners, &data, &len);
	snprintf(label, sizeof(label), "iter/task_file owner walk read (%zu KiB)", nb >> 10);
	lap(label);
	nb = read_iter(skel->progs.snap_task_vma, &data, &len);
	snprintf(label, sizeof(label), "iter/task_vma walk read (%zu KiB)", nb >> 10);
	lap(label);
	snapshot_bpf__destroy(skel);
	lap("skeleton destroy");
	memset(&st, 0, sizeof(st));
	if (data && bpfsnap_parse(s, data, len, &st) < 0)
		printf("  the records did not parse\n");
	lap("records -> model (bpfsnap_parse)");
	bpfsnap_stats_free(&st);
	free(data);
	dmabuf_snapshot_free(s);
	split_file("/proc/kallsyms");
	lap("reading /proc/kallsyms (now only without iter/dmabuf)");
}

/* One collection as dmabuf_collect() does it, then the JSON: timed in parts. */
static void split_collect(unsigned int sources, const char *what)
{
	struct dmabuf_snapshot *s = dmabuf_snapshot_new("/");
	FILE *null = fopen("/dev/null", "we");
	struct dmabuf_filter none;
	struct json_writer *jw;

	if (!s || !null)
		return;
	memset(&none, 0, sizeof(none));
	printf("\n%s as dmabuf_collect() and the JSON printer do it (%s), in this process:\n",
	       what, icount ? "M instr" : "ms");
	t_mark = now_ns();
	if (sources & DMABUF_SRC_DEBUGFS) {
		dmabuf_collect_debugfs(s);
		lap("debugfs: read + parse bufinfo");
	}
	if (sources & DMABUF_SRC_PROCFS) {
		dmabuf_collect_procfs(s, 0);
		lap("procfs: fd links, fdinfo, maps");
	}
	if (sources & DMABUF_SRC_BPF) {
		dmabuf_collect_bpf(s);
		lap("dmabuf_collect_bpf(), all of it");
	}
	dmabuf_snapshot_finish(s);
	lap("snapshot finish (sort, derive)");
	jw = jw_new(null, false);
	dmabuf_json_snapshot(jw, s, &none);
	jw_destroy(jw);
	fflush(null);
	lap("JSON of the snapshot to /dev/null");
	if (sources & DMABUF_SRC_BPF)
		printf("  # bpf: %s\n", s->status[__builtin_ctz(DMABUF_SRC_BPF)].detail);
	t_mark = now_ns();
	dmabuf_snapshot_free(s);
	lap("freeing the snapshot");
	fclose(null);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	struct utsname u;
	int i;

	if (argc >= 2 && !strcmp(argv[1], "walk"))
		return walk();
	if (argc < 2 || (strcmp(argv[1], "icount") && strcmp(argv[1], "wall"))) {
		fprintf(stderr, "usage: run_bench_snapshot icount|wall [n=N] [procs=P] [reps=R]\n");
		return 2;
	}
	icount = !strcmp(argv[1], "icount");
	reps = icount ? 3 : 5;
	for (i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "n=", 2))
			nbufs = atoi(argv[i] + 2);
		else if (!strncmp(argv[i], "procs=", 6))
			nprocs = atoi(argv[i] + 6);
		else if (!strncmp(argv[i], "reps=", 5))
			reps = atoi(argv[i] + 5);
		else if (!strcmp(argv[i], "libbpf-log"))
			libbpf_log = true;
		else if (!strcmp(argv[i], "split-only"))
			split_only = true;
	}
	if (nbufs < 1 || nprocs < 1 || nprocs > nbufs || reps < 1 || reps > MAXREPS) {
		fprintf(stderr, "run_bench_snapshot: bad n/procs/reps\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rl.rlim_cur = rl.rlim_max = (rlim_t)(nbufs / nprocs + 64);
	if (rl.rlim_cur > 1024)
		setrlimit(RLIMIT_NOFILE, &rl);
	uname(&u);
	printf("# snapshot benchmark: %d one-page system-heap buffers held by %d processes, "
	       "kernel %s, %ld cpu, %s, median of %d\n", nbufs, nprocs, u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), icount ? "-icount shift=0 (1 ns = 1 instruction)"
	       : "wall clock", reps);
	if (!start_holders()) {
		printf("# the holders could not make their buffers: %s\n", strerror(errno));
		stop_holders();
		return 1;
	}
	settle();
	if (split_only)
		goto split;
	measure(0);
	if (!map_all()) {
		printf("# the holders could not mmap their buffers\n");
		stop_holders();
		return 1;
	}
	settle();
	measure(1);
	table();
	goals();
split:
	split_bpf();
	split_collect(DMABUF_SRC_BPF, "(b)");
	if (pin(true)) {
		split_collect(DMABUF_SRC_BPF, "(f), iterators pinned,");
		pin(false);
	}
	split_collect(DMABUF_SRC_DEBUGFS | DMABUF_SRC_PROCFS | DMABUF_SRC_FDINFO, "(c)");
	stop_holders();
	if (failures)
		printf("\n%d method runs failed or gave wrong output: the numbers do not count\n",
		       failures);
	return failures ? 1 : 0;
}
