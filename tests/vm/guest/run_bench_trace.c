/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * run_bench_trace - the tracer's overhead, measured in the guest in one run
 * (bench/run.sh boots it). The workload is dmabuf_lab's in-kernel loop
 * (DMABUF_LAB_IOC_BENCH): attach -> map -> unmap -> detach, ITERATIONS
 * times, timed by the module with ktime_get_ns(). Under QEMU -icount
 * shift=0 one guest nanosecond is one instruction, so the loop's time is
 * its instruction count (the tracer's consumer on the other CPU included);
 * without -icount it is wall-clock time under TCG.
 *
 * Variants, each against the untraced loop measured in the same boot:
 * dmabuf-trace as users run it (text, JSON, --summary, -e map,unmap, -p of
 * another process: every probe attached, every call dropped as it
 * starts); text and JSON with the loop paced to a given rate of events
 * (what the reader sustains without loss); the same text run stopped at each stage with
 * DMABUF_TRACE_PROFILE (programs return at once; records built but not
 * sent; sent but dropped by the reader; decoded but not printed), which
 * says where the cost is; and bpftrace on the same four functions when
 * /usr/bin/bpftrace is in the guest: count() by kprobe and by kfunc, and
 * a latency histogram of map/unmap by kfunc/kretfunc with count() of
 * attach/detach, the bpftrace program closest to what --summary does.
 *
 * A tool is measured only once it has finished attaching: after its ready
 * line, until its CPU time stops moving (bpftrace prints "Attaching" before
 * it attaches). Prints one line per variant and a machine-readable
 * "@@ name ns_per_op ratio events lost iterations".
 *
 * Usage: run_bench_trace MODE [WORD...]: with WORDs, only the variants
 * whose name contains one of them (the untraced loop always runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "dmabuf_lab.h"

#define ITERATIONS 100000u
#define TRACER "/usr/local/bin/dmabuf-trace"
#define BPFTRACE "/usr/bin/bpftrace"
#define FUNCS "dma_buf_dynamic_attach,%1$s:dma_buf_map_attachment," \
	      "%1$s:dma_buf_unmap_attachment,%1$s:dma_buf_detach"
#define BT_HIST "kfunc:dma_buf_map_attachment,kfunc:dma_buf_unmap_attachment " \
		"{ @ts[tid] = nsecs; } " \
		"kretfunc:dma_buf_map_attachment,kretfunc:dma_buf_unmap_attachment " \
		"/@ts[tid]/ { @lat[probe] = hist(nsecs - @ts[tid]); delete(@ts[tid]); } " \
		"kfunc:dma_buf_dynamic_attach,kfunc:dma_buf_detach { @[probe] = count(); }"

struct tool {
	pid_t pid;
	char path[64];		/* where its ready stream goes */
	char out[16384];	/* the end of that file */
	size_t len;
};

static double base_ns;

/* The loop runs on CPU 0, the tool on CPU 1: the reader never waits for the loop. */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static void bpf_stats(bool on)
{
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, on ? "1" : "0", 1) != 1)
			perror("bpf_stats_enabled");
		close(fd);
	}
}

/* Per program of the tool: runs and the average time of one (instructions under icount). */
static void prog_stats(unsigned int iterations)
{
	union bpf_attr attr;
	__u32 id = 0;

	for (;;) {
		struct bpf_prog_info info;
		int fd;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(BPF_PROG_GET_NEXT_ID, &attr))
			break;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.prog_id = id;
		fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = (__u32)fd;
		attr.info.info_len = sizeof(info);
		attr.info.info = (__u64)(unsigned long)&info;
		if (!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) && info.run_cnt)
			printf("#   %-16s %8llu runs %6.0f ns/run %6.0f ns/iteration\n", info.name,
			       (unsigned long long)info.run_cnt,
			       (double)info.run_time_ns / (double)info.run_cnt,
			       (double)info.run_time_ns / iterations);
		close(fd);
	}
}

/*
 * The tool's ready stream goes to a file, not a pipe: nobody reads a pipe
 * while the loop runs, and a tool that fills one blocks (dmabuf-trace
 * reports lost events on stderr as they happen).
 */
static void tool_read(struct tool *t)
{
	int fd = open(t->path, O_RDONLY);
	off_t size;
	ssize_t n;

	t->len = 0;
	t->out[0] = '\0';
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(t->out) - 1)
		lseek(fd, size - (off_t)sizeof(t->out) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, t->out, sizeof(t->out) - 1);
	if (n > 0) {
		t->len = (size_t)n;
		t->out[n] = '\0';
	}
	close(fd);
}

/* The CPU time of PID in clock ticks, -1 if unknown. */
static long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the comm may hold blanks */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* Waits until PID's CPU time has not moved for a second (at most a minute). */
static void tool_settle(pid_t pid)
{
	long long last = cpu_ticks(pid), now;
	int still = 0, i;

	for (i = 0; i < 240 && still < 4; i++) {
		usleep(250 * 1000);
		now = cpu_ticks(pid);
		still = now == last ? still + 1 : 0;
		last = now;
	}
}

/* Starts ARGV (with ENV, "NAME=value" or NULL); READY on its stdout or stderr. */
static int tool_start(struct tool *t, char *const argv[], const char *env, const char *ready,
		      bool on_stdout)
{
	time_t deadline = time(NULL) + 300;
	int status;

	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "/tmp/bench-tool-%d.out", (int)getpid());
	t->pid = fork();
	if (t->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		int out = open(t->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(on_stdout ? out : null, 1);
		dup2(on_stdout ? null : out, 2);
		pin(1);
		if (env)
			putenv((char *)env);
		execv(argv[0], argv);
		_exit(127);
	}
	if (t->pid < 0)
		return -1;
	for (;;) {
		usleep(100 * 1000);
		tool_read(t);
		if (strstr(t->out, ready))
			break;
		if (time(NULL) > deadline || waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->pid = 0;
			return -1;
		}
	}
	tool_settle(t->pid);
	return 0;
}

static void tool_stop(struct tool *t)
{
	kill(t->pid, SIGINT);
	waitpid(t->pid, NULL, 0);
	tool_read(t);
	unlink(t->path);
	/*
	 * What the kernel frees after the tool (trampolines, after RCU-tasks
	 * grace periods; its buffers) would run during the next variant's
	 * loop: under icount the instructions count there (--summary measured
	 * 90 more per iteration after the text runs than first).
	 */
	sleep(3);
}

/* ITERATIONS of the in-kernel attach -> map -> unmap -> detach loop into B; false on failure. */
static bool bench_ioctl(int lab, int fd, unsigned int iterations, struct dmabuf_lab_bench *b)
{
	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->fd = fd;
	b->mode = DMABUF_LAB_IMP_STATIC;
	b->dir = DMABUF_LAB_DIR_TO_DEVICE;
	b->iterations = iterations;
	if (ioctl(lab, DMABUF_LAB_IOC_BENCH, b) || !b->done) {
		fprintf(stderr, "DMABUF_LAB_IOC_BENCH: %s\n", strerror(errno));
		return false;
	}
	return true;
}

/* One run of the in-kernel loop: ns per iteration, 0 on failure. */
static double loop(int lab, int fd, unsigned int *done)
{
	struct dmabuf_lab_bench b;

	if (!bench_ioctl(lab, fd, ITERATIONS, &b))
		return 0;
	*done = b.done;
	return (double)b.total_ns / b.done;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The same loop paced to RATE events per second (4 per iteration): chunks
 * of PACE_CHUNK iterations, each started on its schedule. Returns the
 * virtual time the whole run took, in ns per iteration (sleeps included).
 */
#define PACE_CHUNK 250u

static double loop_paced(int lab, int fd, unsigned int rate, unsigned int *done)
{
	uint64_t start = mono_ns(), period = 4ull * PACE_CHUNK * 1000000000ull / rate;
	struct dmabuf_lab_bench b;
	unsigned int i;

	*done = 0;
	for (i = 0; *done < ITERATIONS; i++) {
		uint64_t at = start + i * period;
		struct timespec ts = { (time_t)(at / 1000000000ull), (long)(at % 1000000000ull) };

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (!bench_ioctl(lab, fd, PACE_CHUNK, &b))
			return 0;
		*done += b.done;
	}
	return (double)(mono_ns() - start) / *done;
}

static void report(const char *name, double ns, unsigned int done, const char *extra,
		   unsigned long long events, unsigned long long lost)
{
	double ratio = base_ns > 0 && ns > 0 ? base_ns / ns : 0;

	if (ns > 0)
		printf("%-38s %10.0f ns/op %9.0f op/s %6.1f%% of untraced %s\n", name, ns, 1e9 / ns,
		       100 * ratio, extra);
	else
		printf("%-38s %48s %s\n", name, "-", extra);
	printf("@@ %s %.0f %.4f %llu %llu %u\n", name, ns, ratio, events, lost, done);
	fflush(stdout);
}

/* bpftrace's count() maps at exit: "@[kfunc:vmlinux:dma_buf_detach]: 100000" */
static unsigned long long bpftrace_counts(const char *out)
{
	unsigned long long sum = 0, n;
	const char *p;

	for (p = out; (p = strstr(p, "@[")); p += 2) {
		const char *end = strstr(p, "]: ");

		if (end && !memchr(p, '\n', (size_t)(end - p)) && sscanf(end + 3, "%llu", &n) == 1)
			sum += n;
	}
	return sum;
}

struct variant {
	const char *name;
	char *argv[8];
	const char *env;	/* NULL, or one "NAME=value" */
	bool bpftrace;
	bool stats;		/* and the kernel's run time of each program */
	unsigned int paced;	/* events per second, 0: as fast as it goes */
};

static void traced(int lab, int fd, const struct variant *v)
{
	unsigned long long events = 0, lost = 0;
	unsigned int done = 0;
	struct tool t;
	char extra[160] = "";
	const char *p;
	double ns;

	if (tool_start(&t, v->argv, v->env, v->bpftrace ? "Attaching" : "dmabuf-trace: tracing",
		       v->bpftrace)) {
		printf("%-38s did not start: %.200s\n", v->name, t.out);
		if (t.pid > 0) {
			kill(t.pid, SIGKILL);
			waitpid(t.pid, NULL, 0);
		}
		return;
	}
	if (v->stats)
		bpf_stats(true);
	ns = v->paced ? loop_paced(lab, fd, v->paced, &done) : loop(lab, fd, &done);
	if (v->stats) {
		prog_stats(done);
		bpf_stats(false);
	}
	tool_stop(&t);
	/* the closing line: "dmabuf-trace: N events, M lost, V contract violations" */
	for (p = t.out; !v->bpftrace && p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (sscanf(p, "dmabuf-trace: %llu events, %llu lost", &events, &lost) == 2)
			break;
	if (v->bpftrace)
		events = bpftrace_counts(t.out);
	if (!v->bpftrace || events)
		snprintf(extra, sizeof(extra), "(%llu %s, %llu lost, %.0f/s)", events,
			 v->bpftrace ? "calls counted" : "events", lost,
			 ns > 0 ? events / (done * ns / 1e9) : 0);
	/* paced: the time is the schedule's, not a cost */
	report(v->name, v->paced ? 0 : ns, done, extra, events, lost);
}

/* Is variant NAME among WORDS (argv after the mode; none: every variant)? */
static bool selected(const char *name, int nwords, char **words)
{
	int i;

	for (i = 0; i < nwords; i++)
		if (strstr(name, words[i]))
			return true;
	return nwords == 0;
}

int main(int argc, char **argv)
{
	static char prog_kp[512], prog_kf[512], prog_hist[512];
#define DT(label, ...) { .name = label, .argv = { TRACER, __VA_ARGS__ } }
#define STAGE(label, stage) { .name = "  stage: " label, .argv = { TRACER, NULL }, \
			      .env = "DMABUF_TRACE_PROFILE=" stage }
#define BT(label, prog) { .name = label, .argv = { BPFTRACE, "-e", prog, NULL }, .bpftrace = true }
	static const struct variant variants[] = {
		DT("dmabuf-trace", NULL),
		DT("dmabuf-trace -j", "-j", NULL),
		DT("dmabuf-trace --summary", "--summary", NULL),
		{ .name = "  stage: --summary, programs return", .argv = { TRACER, "--summary",
		  NULL }, .env = "DMABUF_TRACE_PROFILE=attach" },
		/* map/unmap by an fentry/fexit pair where fsession (7.x) would be chosen */
		{ .name = "dmabuf-trace --summary, no fsession", .argv = { TRACER, "--summary",
		  NULL }, .env = "DMABUF_TRACE_DISABLE=fsession" },
		/* map/unmap by one program per call: fentry, else (fentry ruled out) a kprobe */
		DT("dmabuf-trace --summary --no-latency", "--summary", "--no-latency", NULL),
		{ .name = "  stage: --summary --no-latency, programs return", .argv = { TRACER,
		  "--summary", "--no-latency", NULL }, .env = "DMABUF_TRACE_PROFILE=attach" },
		{ .name = "dmabuf-trace --summary --no-latency, kprobe", .argv = { TRACER,
		  "--summary", "--no-latency", NULL }, .env = "DMABUF_TRACE_DISABLE=fentry" },
		DT("dmabuf-trace -e map,unmap", "-e", "map,unmap", NULL),
		/* every probe attached, every call dropped by the in-kernel -p filter */
		DT("dmabuf-trace -p 1", "-p", "1", NULL),
		/* the text run, stopped at each stage */
		STAGE("programs return at once", "attach"),
		STAGE("records built, not sent", "build"),
		STAGE("sent, reader drops them", "drop"),
		STAGE("decoded, not printed", "decode"),
		/* the rate the reader sustains: the loop paced, the reader never starved */
		{ .name = "dmabuf-trace, paced 100k events/s", .argv = { TRACER, NULL },
		  .paced = 100000 },
		{ .name = "dmabuf-trace -j, paced 100k events/s", .argv = { TRACER, "-j", NULL },
		  .paced = 100000 },
		{ .name = "dmabuf-trace -j, paced 200k events/s", .argv = { TRACER, "-j", NULL },
		  .paced = 200000 },
		/*
		 * Where the kernel's time goes, per program (the stats cost a little
		 * too). Only where the reader is idle: icount counts both vCPUs, so a
		 * busy reader's work would be charged to whatever program ran meanwhile.
		 */
		{ .name = "  stage: built, not sent; program stats", .argv = { TRACER, NULL },
		  .env = "DMABUF_TRACE_PROFILE=build", .stats = true },
		{ .name = "dmabuf-trace --summary, program stats",
		  .argv = { TRACER, "--summary", NULL }, .stats = true },
		BT("bpftrace count() kprobe", prog_kp),
		BT("bpftrace count() kfunc", prog_kf),
		BT("bpftrace hist() map/unmap, kfunc", prog_hist),
	};
	struct dmabuf_lab_export ex;
	char fkp[256], fkf[256];
	unsigned int done, i;
	int lab;
	double again;

	pin(0);
	lab = open(DMABUF_LAB_DEVICE, O_RDWR | O_CLOEXEC);
	memset(&ex, 0, sizeof(ex));
	ex.size = sizeof(ex);
	ex.mode = DMABUF_LAB_EXP_STATIC;
	ex.pages = 1;
	if (lab < 0 || ioctl(lab, DMABUF_LAB_IOC_EXPORT, &ex)) {
		fprintf(stderr, "dmabuf_lab: %s\n", strerror(errno));
		return 1;
	}
	snprintf(fkp, sizeof(fkp), "kprobe:" FUNCS, "kprobe");
	snprintf(fkf, sizeof(fkf), "kfunc:" FUNCS, "kfunc");
	snprintf(prog_kp, sizeof(prog_kp), "%s { @[probe] = count(); }", fkp);
	snprintf(prog_kf, sizeof(prog_kf), "%s { @[probe] = count(); }", fkf);
	snprintf(prog_hist, sizeof(prog_hist), "%s", BT_HIST);

	printf("# %u iterations of attach -> map -> unmap -> detach in the kernel\n", ITERATIONS);
	loop(lab, ex.fd, &done);	/* warm up: caches, allocator */
	base_ns = loop(lab, ex.fd, &done);
	report("untraced", base_ns, done, "", 0, 0);
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if (!selected(variants[i].name, argc > 2 ? argc - 2 : 0, argv + 2))
			continue;
		if (variants[i].bpftrace && access(BPFTRACE, X_OK)) {
			printf("%-38s not in the guest (bench/run.sh adds it when it can)\n",
			       variants[i].name);
			continue;
		}
		traced(lab, ex.fd, &variants[i]);
	}
	again = loop(lab, ex.fd, &done);
	report("untraced, again", again, done, "(the baseline's noise)", 0, 0);
	close(ex.fd);
	close(lab);
	return 0;
}
