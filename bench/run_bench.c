/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * run_bench - the tracer's overhead, measured in the guest in one run
 * (bench/run.sh boots it). The workload is dmabuf_lab's in-kernel loop
 * (DMABUF_LAB_IOC_BENCH): attach -> map -> unmap -> detach, ITERATIONS
 * times, timed by the module with ktime_get_ns(). Under QEMU -icount
 * shift=0 one guest nanosecond is one instruction, so the loop's time is
 * its instruction count (the tracer's consumer on the other CPU included);
 * without -icount it is wall-clock time under TCG.
 *
 * Variants, each against the untraced loop measured in the same boot:
 * dmabuf-trace (text, JSON, --summary, -e map,unmap, and -p 1: every probe
 * attached but every call dropped by the in-kernel filter, the cost of the
 * probes themselves), and bpftrace counting
 * calls of the same four functions with count() (kprobe, and kfunc where
 * bpftrace can), when /usr/bin/bpftrace is in the guest. Prints one line
 * per variant and a machine-readable "@@ name ns_per_op ratio events lost".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dmabuf_lab.h"

#define ITERATIONS 100000u
#define TRACER "/usr/local/bin/dmabuf-trace"
#define BPFTRACE "/usr/bin/bpftrace"
#define FUNCS "dma_buf_dynamic_attach,%1$s:dma_buf_map_attachment," \
	      "%1$s:dma_buf_unmap_attachment,%1$s:dma_buf_detach"

struct tool {
	pid_t pid;
	int rd;			/* the stream it says "ready" on */
	char out[8192];
	size_t len;
};

static double base_ns;

/* Starts ARGV; READY on its stdout (bpftrace) or stderr (dmabuf-trace). */
static int tool_start(struct tool *t, char *const argv[], const char *ready, bool on_stdout)
{
	int p[2];
	time_t deadline = time(NULL) + 300;

	memset(t, 0, sizeof(*t));
	if (pipe(p))
		return -1;
	t->pid = fork();
	if (t->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(on_stdout ? p[1] : null, 1);
		dup2(on_stdout ? null : p[1], 2);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	t->rd = p[0];
	while (!strstr(t->out, ready)) {
		struct pollfd pf = { .fd = t->rd, .events = POLLIN };
		ssize_t n;

		if (time(NULL) > deadline || poll(&pf, 1, 1000) < 0)
			return -1;
		if (!(pf.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(t->rd, t->out + t->len, sizeof(t->out) - 1 - t->len);
		if (n <= 0)
			return -1;
		t->len += (size_t)n;
		t->out[t->len] = '\0';
	}
	return 0;
}

static void tool_stop(struct tool *t)
{
	ssize_t n;

	kill(t->pid, SIGINT);
	while ((n = read(t->rd, t->out + t->len, sizeof(t->out) - 1 - t->len)) > 0) {
		t->len += (size_t)n;
		t->out[t->len] = '\0';
	}
	waitpid(t->pid, NULL, 0);
	close(t->rd);
}

/* One run of the in-kernel loop: ns per iteration, 0 on failure. */
static double loop(int lab, int fd, unsigned int *done)
{
	struct dmabuf_lab_bench b;

	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.fd = fd;
	b.mode = DMABUF_LAB_IMP_STATIC;
	b.dir = DMABUF_LAB_DIR_TO_DEVICE;
	b.iterations = ITERATIONS;
	if (ioctl(lab, DMABUF_LAB_IOC_BENCH, &b) || !b.done) {
		fprintf(stderr, "DMABUF_LAB_IOC_BENCH: %s\n", strerror(errno));
		return 0;
	}
	*done = b.done;
	return (double)b.total_ns / b.done;
}

static void report(const char *name, double ns, unsigned int done, const char *extra,
		   unsigned long long events, unsigned long long lost)
{
	double ratio = base_ns > 0 && ns > 0 ? base_ns / ns : 0;

	printf("%-34s %10.0f ns/op %9.0f op/s %6.1f%% of untraced %s\n", name, ns,
	       ns > 0 ? 1e9 / ns : 0, 100 * ratio, extra);
	printf("@@ %s %.0f %.4f %llu %llu %u\n", name, ns, ratio, events, lost, done);
	fflush(stdout);
}

static void traced(int lab, int fd, const char *name, char *const argv[], bool bpftrace)
{
	unsigned long long events = 0, lost = 0;
	unsigned int done = 0;
	struct tool t;
	char extra[160] = "";
	const char *p;
	double ns;

	if (tool_start(&t, argv, bpftrace ? "Attaching" : "dmabuf-trace: tracing", bpftrace)) {
		printf("%-34s did not start: %.200s\n", name, t.out);
		if (t.pid > 0) {
			kill(t.pid, SIGKILL);
			waitpid(t.pid, NULL, 0);
		}
		return;
	}
	ns = loop(lab, fd, &done);
	tool_stop(&t);
	/* the closing line: "dmabuf-trace: N events, M lost, V contract violations" */
	for (p = t.out; !bpftrace && p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (sscanf(p, "dmabuf-trace: %llu events, %llu lost", &events, &lost) == 2)
			break;
	if (!bpftrace)
		snprintf(extra, sizeof(extra), "(%llu events, %llu lost, %.0f events/s)", events,
			 lost, ns > 0 ? events / (done * ns / 1e9) : 0);
	report(name, ns, done, extra, events, lost);
}

int main(void)
{
	char *plain[] = { TRACER, NULL };
	char *json[] = { TRACER, "-j", NULL };
	char *summary[] = { TRACER, "--summary", NULL };
	char *mapunmap[] = { TRACER, "-e", "map,unmap", NULL };
	char *filtered[] = { TRACER, "-p", "1", NULL };
	char prog_kp[512], prog_kf[512], fkp[256], fkf[256];
	char *bt_kp[] = { BPFTRACE, "-e", prog_kp, NULL };
	char *bt_kf[] = { BPFTRACE, "-e", prog_kf, NULL };
	struct dmabuf_lab_export ex;
	unsigned int done;
	int lab;
	double again;

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

	printf("# %u iterations of attach -> map -> unmap -> detach in the kernel\n", ITERATIONS);
	loop(lab, ex.fd, &done);	/* warm up: caches, allocator */
	base_ns = loop(lab, ex.fd, &done);
	report("untraced", base_ns, done, "", 0, 0);
	traced(lab, ex.fd, "dmabuf-trace", plain, false);
	traced(lab, ex.fd, "dmabuf-trace -j", json, false);
	traced(lab, ex.fd, "dmabuf-trace --summary", summary, false);
	traced(lab, ex.fd, "dmabuf-trace -e map,unmap", mapunmap, false);
	/* every probe attached, every call dropped by the in-kernel -p filter */
	traced(lab, ex.fd, "dmabuf-trace -p 1 (probes only)", filtered, false);
	if (!access(BPFTRACE, X_OK)) {
		traced(lab, ex.fd, "bpftrace count() kprobe", bt_kp, true);
		traced(lab, ex.fd, "bpftrace count() kfunc", bt_kf, true);
	} else {
		printf("bpftrace: not in the guest (bench/run.sh adds it when it can)\n");
	}
	again = loop(lab, ex.fd, &done);
	report("untraced, again", again, done, "(the baseline's noise)", 0, 0);
	close(ex.fd);
	close(lab);
	return 0;
}
