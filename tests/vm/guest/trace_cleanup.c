/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_cleanup: dmabuf-trace leaves nothing behind and says why when it
 * cannot run.
 *
 * Without bpftool in the guest, the kernel's BPF objects are enumerated with
 * bpf_prog_get_next_id() / bpf_map_get_next_id() / bpf_link_get_next_id()
 * and their info: ours are the programs named dt_*, the maps named dt_* or
 * trace_bp.* (libbpf's .rodata/.bss), and the links of those programs.
 * While a tracer runs they must be found (so the check can fail); after it
 * ends - SIGINT, SIGTERM, --duration, --list-probes, SIGKILL - none may
 * remain, and the kernel's link count must be back where it was. -e loads
 * only the selected events' programs.
 *
 * Errors: a run without capabilities, a kernel without BTF (a mount namespace with
 * /sys/kernel/btf hidden), bad options: each exits with its status and a
 * specific message. Lost events: a 4 KiB buffer under an in-kernel burst
 * (DMABUF_LAB_IOC_BENCH) loses events, counts them and says so. --stack
 * gives each event a symbolized kernel stack.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <bpf/bpf.h>

#include "lab_util.h"
#include "trace_util.h"
#include "tracer_gone.h"

/* After the tracer is gone: nothing of ours, the kernel's links as before. */
static void none_left(const char *how, const struct tracer_census *before)
{
	struct tracer_census c;
	int tries;

	/* freeing is synchronous on close; allow the reaper a moment anyway */
	for (tries = 0; tries < 10; tries++) {
		tracer_census(&c);
		if (!c.progs && !c.maps && c.links == before->links)
			break;
		usleep(100 * 1000);
	}
	tap_ok(!c.progs && !c.maps && !c.our_links && c.links == before->links,
	       "after %s: no program, map or link of ours left (%d, %d, %d; links %d, before %d)",
	       how, c.progs, c.maps, c.our_links, c.links, before->links);
}

static void lifecycle(const struct tracer_census *before)
{
	static const struct { const char *how; int sig; const char *args[6]; } runs[] = {
		{ "SIGINT", SIGINT, { NULL } },
		{ "SIGTERM", SIGTERM, { "-j", NULL } },
		{ "SIGKILL", SIGKILL, { "--stack", NULL } },
		{ "--duration", 0, { "--duration", "2", NULL } },
	};
	unsigned int i;

	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct tracer t;
		struct tracer_census c;

		if (!tap_ok(!tracer_start(&t, "life", runs[i].args, NULL), "%s run starts",
			    runs[i].how)) {
			tracer_diag_err(&t);
			continue;
		}
		tracer_census(&c);
		tap_ok(c.progs >= 20 && c.maps >= 5 && c.our_links >= 20,
		       "%s run: its %d programs, %d maps, %d links are seen", runs[i].how, c.progs,
		       c.maps, c.our_links);
		tracer_stop(&t, runs[i].sig);
		if (runs[i].sig != SIGKILL)
			tap_ok(t.status == 0, "%s run exits 0 (%d)", runs[i].how, t.status);
		tracer_free(&t);
		none_left(runs[i].how, before);
	}
}

static void selected_only(const struct tracer_census *before)
{
	const char *args[] = { "-e", "map", NULL };
	struct tracer t;
	struct tracer_census c;

	if (!tap_ok(!tracer_start(&t, "sel", args, NULL), "-e map starts"))
		return;
	tracer_census(&c);
	/* an fsession program is both */
	tap_ok(c.progs == 2 - c.sessions && c.our_links == c.progs,
	       "-e map loads 2 programs (entry, exit) or 1 fsession: %d (%d fsession), %d links",
	       c.progs, c.sessions, c.our_links);
	tracer_stop(&t, SIGINT);
	tracer_free(&t);
	none_left("-e map", before);
}

/* Runs the tool expecting it to refuse: its exit status, its stderr in ERR. */
static int run_refused(const char *const *args, char *err, size_t len)
{
	struct tracer t;

	if (!tracer_start(&t, "err", args, NULL)) {
		tracer_stop(&t, SIGKILL);
		snprintf(err, len, "it started tracing");
		tracer_free(&t);
		return -1;
	}
	snprintf(err, len, "%.*s", (int)(len - 1), t.err);
	tracer_free(&t);
	return t.status;
}

static void errors(void)
{
	const char *bad_opt[] = { "--bogus", NULL }, *bad_ev[] = { "-e", "map,nope", NULL };
	const char *bad_pid[] = { "-p", "x", NULL };
	char err[4096];
	int st;
	pid_t p;

	st = run_refused(bad_opt, err, sizeof(err));
	tap_ok(st == 2, "an unknown option exits 2 (%d)", st);
	st = run_refused(bad_ev, err, sizeof(err));
	tap_ok(st == 2 && strstr(err, "unknown event 'nope'"), "-e with an unknown event exits 2 "
	       "naming it (%d)", st);
	st = run_refused(bad_pid, err, sizeof(err));
	tap_ok(st == 2 && strstr(err, "--pid"), "-p x exits 2 (%d)", st);

	/* unprivileged and without BTF: in a child that changes itself first */
	for (int k = 0; k < 2; k++) {
		int pfd[2];

		if (pipe(pfd))
			return;
		fflush(stdout);
		p = fork();
		if (p == 0) {
			dup2(pfd[1], 2);
			dup2(pfd[1], 1);
			if (k == 0) {
				/* root without a capability: keeps "/" (0700) reachable */
				struct __user_cap_header_struct h = {
					.version = _LINUX_CAPABILITY_VERSION_3 };
				struct __user_cap_data_struct d[2] = { { 0 } };

				if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
					  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED) ||
				    syscall(SYS_capset, &h, d))
					_exit(99);
			} else {
				if (unshare(CLONE_NEWNS) ||
				    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
				    mount("tmpfs", "/sys/kernel/btf", "tmpfs", 0, NULL))
					_exit(98);
			}
			execv(TRACE_BIN, (char *const *)(const char *[]){ TRACE_BIN, NULL });
			_exit(97);
		}
		close(pfd[1]);
		memset(err, 0, sizeof(err));
		if (read(pfd[0], err, sizeof(err) - 1) < 0)
			err[0] = '\0';
		close(pfd[0]);
		waitpid(p, &st, 0);
		st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (k == 0)
			tap_ok(st == 3 && strstr(err, "not allowed to use BPF"),
			       "without capabilities: exits 3, \"not allowed to use BPF\" (%d: %.80s)",
			       st, err);
		else
			tap_ok(st == 3 && strstr(err, "no BTF"),
			       "without /sys/kernel/btf/vmlinux: exits 3, \"no BTF\" (%d: %.80s)", st,
			       err);
	}
}

static void lost_and_stack(int lab)
{
	char pid[16];
	const char *largs[] = { "-j", "--buffer-size", "4K", "-p", pid, NULL };
	const char *sargs[] = { "-j", "--stack", "-e", "map", "-p", pid, NULL };
	struct dmabuf_lab_bench b;
	struct tracer t;
	const struct jv *end, *evs[8], *stack;
	int fd, n;
	size_t i;
	bool named = false;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = lab_export(lab, DMABUF_LAB_EXP_STATIC, 1, "burst", 0, NULL);
	if (!tap_ok(fd >= 0 && !tracer_start(&t, "lost", largs, NULL), "a 4 KiB buffer tracer starts"))
		return;
	LAB_ARG(b);
	b.fd = fd;
	b.iterations = 5000;
	b.dir = DMABUF_LAB_DIR_TO_DEVICE;
	lab_ioc(lab, DMABUF_LAB_IOC_BENCH, &b);
	tracer_stop(&t, SIGINT);
	end = tracer_object(&t, "end");
	tap_ok(end && jv_uint(end, "lost", 0) > 0 && strstr(t.err, "events lost"),
	       "a burst of %u x 4 events into 4 KiB: %llu lost, counted and reported on stderr",
	       b.done, end ? jv_uint(end, "lost", 0) : 0);
	tap_ok(end && jv_uint(end, "events", 0) + jv_uint(end, "lost", 0) >= 4ull * b.done,
	       "events + lost cover the %u x 4 operations", b.done);
	tracer_free(&t);

	if (!tap_ok(!tracer_start(&t, "stack", sargs, NULL), "--stack starts"))
		return;
	n = lab_attach(lab, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL);
	if (n >= 0) {
		lab_map(lab, (__u32)n, DMABUF_LAB_DIR_TO_DEVICE, 0, NULL);
		lab_detach(lab, (__u32)n);
	}
	tracer_stop(&t, SIGINT);
	n = tracer_events(&t, evs, 8);
	stack = n == 1 ? jv_get(evs[0], "stack") : NULL;
	for (i = 0; stack && stack->type == JV_ARR && i < stack->n; i++) {
		const char *f = stack->items[i].type == JV_STR ? stack->items[i].str : "";

		named |= (strstr(f, "lab_ioc_map") || strstr(f, "lab_att_map")) && strstr(f, "+0x");
	}
	tap_ok(named, "--stack: the map's stack names the module's caller (%zu frames)",
	       stack ? stack->n : 0);
	tracer_free(&t);
	close(fd);
}

int main(void)
{
	struct tracer_census before;
	const char *lp[] = { "--list-probes", NULL };
	struct tracer t;
	int lab = lab_open();

	tracer_census(&before);
	tap_ok(!before.progs && !before.maps, "no program or map of ours before (%d, %d)",
	       before.progs, before.maps);
	lifecycle(&before);
	selected_only(&before);
	tracer_start(&t, "lp", lp, NULL);
	tracer_stop(&t, 0);
	tap_ok(t.status == 0 && strstr(t.out ? t.out : "", "map"), "--list-probes exits 0");
	tracer_free(&t);
	none_left("--list-probes", &before);
	errors();
	if (tap_ok(lab >= 0, "/dev/dmabuf_lab opens"))
		lost_and_stack(lab);
	none_left("all runs", &before);
	return tap_exit_status();
}
