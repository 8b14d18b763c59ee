/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * top_bench - what a steady dmabuf-top refresh costs against one
 * `dmabuf ls -j` snapshot, and dmabuf-top's peak RSS.
 *
 *   top_bench icount|wall [n=BUFFERS] [procs=P] [reps=R] [steady=M]
 *       the benchmark: make run-vm / tests/vm/run.sh run 7.3 top_bench icount
 *       n=10000 under QEMU_EXTRA="-icount shift=0" VM_SMP=1 (as
 *       bench/snapshot.sh runs run_bench_snapshot): CLOCK_MONOTONIC deltas
 *       are then guest instructions.
 *   top_bench
 *       as a test of the matrix: a small run (400 buffers) whose checks are
 *       the output's and the RSS goal's; the cost ratio is only printed.
 *
 * P holder processes make BUFFERS one-page buffers (system heap, else the
 * dmabuf_lab module) between them, named like run_bench_snapshot's. Then,
 * each R times, fork + exec + wait, output to /dev/null, as a user runs them:
 *   (a) dmabuf ls -j
 *   (b) dmabuf-top -b -n 1 -d 0
 *   (c) dmabuf-top -b -n 1+M -d 0
 * One steady refresh is ((c) - (b)) / M: the snapshot did not change, so
 * it is the collection plus the diff plus writing the kept table again.
 * Goals (issue 6): a steady refresh <= 1.2 x (a); dmabuf-top's peak RSS
 * (VmHWM, with the tracer, after three refreshes) <= 20 MiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <bpf/bpf.h>

#include "lab_util.h"
#include "tap.h"
#include "tracer_gone.h"

#define DMABUF "/usr/local/bin/dmabuf"
#define TOP "/usr/local/bin/dmabuf-top"
#define OUTFILE "/tmp/top_bench.out"
#define MAXREPS 15

static int nbufs = 10000, nprocs = 100, reps = 3, steady = 4;
static bool bench, icount;
static pid_t *holders;
static int ready_rd;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* --- the holders --------------------------------------------------------------- */

static int make_one(int heap, int lab, int idx, int j)
{
	char name[DMA_BUF_NAME_LEN];
	int fd;

	snprintf(name, sizeof(name), "pp%d-%d", idx, j);
	if (heap >= 0) {
		struct dma_heap_allocation_data a = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };

		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a))
			return -1;
		fd = (int)a.fd;
		ioctl(fd, DMA_BUF_SET_NAME_B, name);
		return fd;
	}
	fd = lab_export(lab, DMABUF_LAB_EXP_STATIC, 1, name, 0, NULL);
	return fd > 0 ? fd : -1;
}

static void holder(int idx, int count, int ready_wr)
{
	int heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	int lab = heap < 0 ? lab_open() : -1, j;
	char name[24], st = 'R';

	snprintf(name, sizeof(name), "holder-%d", idx);
	prctl(PR_SET_NAME, name);
	for (j = 0; j < count; j++)
		if (make_one(heap, lab, idx, j) < 0) {
			st = 'E';
			break;
		}
	if (write(ready_wr, &st, 1) != 1 || st != 'R')
		_exit(1);
	for (;;)
		pause();
}

static bool start_holders(void)
{
	int ready[2], i, good = 0;
	char c;

	if (pipe(ready))
		return false;
	holders = calloc((size_t)nprocs, sizeof(*holders));
	for (i = 0; holders && i < nprocs; i++) {
		holders[i] = fork();
		if (holders[i] == 0) {
			close(ready[0]);
			holder(i, nbufs / nprocs + (i < nbufs % nprocs), ready[1]);
		}
		if (holders[i] < 0)
			return false;
	}
	close(ready[1]);
	ready_rd = ready[0];
	for (i = 0; holders && i < nprocs && read(ready_rd, &c, 1) == 1; i++)
		good += c == 'R';
	return good == nprocs;
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

/* --- runs ---------------------------------------------------------------------- */

struct result {
	double ns;
	long maxrss_kb;
	int status;
};

/* fork + exec + wait4, stdout to OUT: the time, the child's peak RSS, its status. */
static struct result run(char *const argv[], const char *out)
{
	struct result r = { 0, 0, -1 };
	struct rusage ru;
	double t0 = now_ns();
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dup2(fd, 1) < 0 || null < 0 || dup2(null, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return r;
	r.ns = now_ns() - t0;
	r.maxrss_kb = ru.ru_maxrss;
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median time and peak RSS of R runs of ARGV; false if one failed. */
static bool measure(char *const argv[], double *med, long *rss)
{
	double t[MAXREPS];
	int i;

	*rss = 0;
	for (i = 0; i < reps; i++) {
		struct result r = run(argv, "/dev/null");

		if (r.status)
			return false;
		t[i] = r.ns;
		if (r.maxrss_kb > *rss)
			*rss = r.maxrss_kb;
	}
	qsort(t, (size_t)reps, sizeof(t[0]), cmp_double);
	*med = t[reps / 2];
	return true;
}

/* The first snapshot of dmabuf-top -b lists every buffer of the holders. */
static bool verify_top(void)
{
	char *argv[] = { TOP, "-b", "-n", "1", "-d", "0", NULL };
	struct result r = run(argv, OUTFILE);
	char *text = lab_read_file(OUTFILE), want[64];
	long names = 0;
	const char *p;
	bool ok;

	for (p = text; p && (p = strstr(p, "  pp")); p++)
		names++;
	snprintf(want, sizeof(want), "Buffers: %d,", nbufs);
	ok = r.status == 0 && text && strstr(text, want) && names == nbufs;
	if (bench)
		printf("# dmabuf-top -b -n 1: exit %d, %ld named rows, '%s' %s\n", r.status, names,
		       want, ok ? "ok" : "WRONG");
	else
		tap_ok(ok, "dmabuf-top -b lists the %d buffers of %d holders (%ld rows)", nbufs,
		       nprocs, names);
	free(text);
	return ok;
}

/*
 * The resident size of a dmabuf-top that keeps running (-b -d 1): VmRSS
 * after its third snapshot, and its VmHWM.
 */
static bool steady_rss(bool events, long *rss_kb, long *hwm_kb)
{
	int out[2], seen = 0;
	char path[64], buf[4096], *status;
	const char *p;
	FILE *f;
	pid_t pid;

	*rss_kb = *hwm_kb = 0;
	if (pipe(out))
		return false;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(out[1], 1);
		if (null >= 0)
			dup2(null, 2);
		close(out[0]);
		execl(TOP, TOP, "-b", "-d", "1", events ? "-b" : "--no-events", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "dmabuf-top - ", 13) && ++seen == 4)
			break;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	status = lab_read_file(path);
	if (status && (p = strstr(status, "VmRSS:")))
		*rss_kb = strtol(p + 6, NULL, 10);
	if (status && (p = strstr(status, "VmHWM:")))
		*hwm_kb = strtol(p + 6, NULL, 10);
	free(status);
	/* it ends on SIGTERM as on q: drain what it still writes, then reap it */
	kill(pid, SIGTERM);
	while (f && fgets(buf, sizeof(buf), f))
		;
	if (f)
		fclose(f);
	waitpid(pid, NULL, 0);
	return seen == 4 && *rss_kb > 0;
}

static double total(double ns)
{
	return ns / 1e6;	/* M instructions (icount) or ms */
}

int main(int argc, char **argv)
{
	char iters[16];
	char *ls[] = { DMABUF, "ls", "-j", NULL };
	char *one[] = { TOP, "-b", "-n", "1", "-d", "0", NULL };
	char *many[] = { TOP, "-b", "-n", iters, "-d", "0", NULL };
	char *quiet[] = { TOP, "-b", "-n", iters, "-d", "0", "--no-events", NULL };
	double t_ls, t_one, t_many, t_quiet, refresh;
	long rss_ls, rss_one, rss_many, rss_quiet, rss_steady, hwm_steady, rss_steady_q, hwm_steady_q;
	struct rlimit rl;
	struct utsname u;
	bool ok;
	int i;

	if (argc >= 2) {
		if (strcmp(argv[1], "icount") && strcmp(argv[1], "wall")) {
			fprintf(stderr, "usage: top_bench [icount|wall [n=N] [procs=P] [reps=R] "
				"[steady=M]]\n");
			return 2;
		}
		bench = true;
		icount = !strcmp(argv[1], "icount");
	} else {
		nbufs = 400;
		nprocs = 4;
		reps = 1;
		steady = 2;
	}
	for (i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "n=", 2))
			nbufs = atoi(argv[i] + 2);
		else if (!strncmp(argv[i], "procs=", 6))
			nprocs = atoi(argv[i] + 6);
		else if (!strncmp(argv[i], "reps=", 5))
			reps = atoi(argv[i] + 5);
		else if (!strncmp(argv[i], "steady=", 7))
			steady = atoi(argv[i] + 7);
	}
	if (nbufs < 1 || nprocs < 1 || nprocs > nbufs || reps < 1 || reps > MAXREPS ||
	    steady < 1 || steady > 100) {
		fprintf(stderr, "top_bench: bad n/procs/reps/steady\n");
		return 2;
	}
	snprintf(iters, sizeof(iters), "%d", steady + 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rl.rlim_cur = rl.rlim_max = (rlim_t)(nbufs / nprocs + 64);
	if (rl.rlim_cur > 1024)
		setrlimit(RLIMIT_NOFILE, &rl);
	uname(&u);
	printf("# dmabuf-top bench: %d one-page buffers held by %d processes, kernel %s, %s, "
	       "median of %d, %d steady refreshes\n", nbufs, nprocs, u.release,
	       !bench ? "test mode" : icount ? "-icount shift=0 (1 ns = 1 instruction)" :
	       "wall clock", reps, steady);
	if (!start_holders()) {
		if (bench)
			printf("# the holders could not make their buffers: %s\n", strerror(errno));
		else
			tap_ok(0, "the holders make %d buffers", nbufs);
		stop_holders();
		return 1;
	}
	sleep(bench ? 3 : 1);	/* the kernel's deferred work after making them */
	ok = verify_top();
	/*
	 * On a debug kernel (lockdep, KASAN) the measuring adds nothing the
	 * other kernels do not show and costs minutes: its output is checked.
	 */
	if (!bench && !access("/proc/lockdep_stats", F_OK)) {
		stop_holders();
		tap_skip("a debug kernel: its figures mean nothing",
			 "dmabuf ls -j and dmabuf-top -b run and exit 0; the RSS goal");
		check_tracer_gone();
		return tap_exit_status();
	}
	ok = measure(ls, &t_ls, &rss_ls) && ok;
	ok = measure(one, &t_one, &rss_one) && ok;
	ok = measure(many, &t_many, &rss_many) && ok;
	ok = measure(quiet, &t_quiet, &rss_quiet) && ok;
	ok = steady_rss(true, &rss_steady, &hwm_steady) && ok;
	ok = steady_rss(false, &rss_steady_q, &hwm_steady_q) && ok;
	stop_holders();
	if (!bench)
		tap_ok(ok, "dmabuf ls -j and dmabuf-top -b run and exit 0");
	if (!ok) {
		printf("# a run failed: the numbers do not count\n");
		return 1;
	}
	refresh = (t_many - t_one) / steady;
	printf("\n| what | median %s | peak RSS KiB |\n|---|---:|---:|\n",
	       icount ? "M instr" : "ms");
	printf("| (a) dmabuf ls -j | %.1f | %ld |\n", total(t_ls), rss_ls);
	printf("| (b) dmabuf-top -b -n 1 -d 0 | %.1f | %ld |\n", total(t_one), rss_one);
	printf("| (c) dmabuf-top -b -n %d -d 0 | %.1f | %ld |\n", steady + 1, total(t_many),
	       rss_many);
	printf("| (d) dmabuf-top -b -n %d -d 0 --no-events | %.1f | %ld |\n", steady + 1,
	       total(t_quiet), rss_quiet);
	printf("| one steady refresh, ((c) - (b)) / %d | %.1f | |\n", steady, total(refresh));
	printf("| per buffer (%s) | %.0f | |\n", icount ? "instr" : "ns", refresh / nbufs);
	printf("| dmabuf-top -b -d 1 after 3 refreshes: VmRSS, VmHWM | | %ld, %ld |\n",
	       rss_steady, hwm_steady);
	printf("| the same with --no-events | | %ld, %ld |\n\n", rss_steady_q, hwm_steady_q);
	if (bench) {
		bool pass = refresh <= 1.2 * t_ls;

		printf("%s  steady refresh / dmabuf ls -j: %.2f (goal <= 1.20)%s\n",
		       pass ? "PASS" : "MISS", refresh / t_ls,
		       icount ? "" : " [wall clock: informational]");
		pass = hwm_steady <= 20 * 1024;
		printf("%s  dmabuf-top peak RSS with the tracer: %.1f MiB (goal <= 20; %.1f MiB "
		       "between refreshes)\n", pass ? "PASS" : "MISS", hwm_steady / 1024.0,
		       rss_steady / 1024.0);
		return 0;
	}
	tap_diag("steady refresh / dmabuf ls -j: %.2f (TCG wall clock: informational)",
		 refresh / t_ls);
	tap_ok(hwm_steady <= 20 * 1024, "dmabuf-top peak RSS with the tracer %ld KiB <= 20 MiB "
	       "(%ld between refreshes)", hwm_steady, rss_steady);
	check_tracer_gone();
	return tap_exit_status();
}
