/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_outstanding: dmabuf-trace --outstanding lists, at the end, exactly
 * the buffers exported while it traced and not released, with who holds
 * each then. Under a JSON tracer (with --stack) and a text one, both with
 * --exporter dmabuf_lab (the text one quiet: -q prints no event lines, only
 * the end), this process exports four lab buffers: one whose
 * fd it keeps, one it closes (released), one the module keeps (no fd: held
 * by the kernel), one it hands to a child and closes (held by the child);
 * a vgem buffer it keeps (another exporter: filtered out) and a lab buffer
 * exported before the tracers started and closed while they run (a release
 * that is not counted). The tracers stop while all that still holds.
 * The names are given after the export (the module names its buffers once
 * exported): they must come from the snapshot at the end. And the option's
 * misuses are refused with exit status 2.
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab_util.h"
#include "trace_util.h"
#include "vgem.h"

struct kept {
	const char *name;
	unsigned long long ino;
	__u32 pages;
	long holder;		/* pid with an fd, 0: no process */
};

/* The "outstanding" object of T's end line, or NULL. */
static const struct jv *outstanding_of(const struct tracer *t)
{
	return jv_get(tracer_object(t, "end"), "outstanding");
}

static bool has_lab_frame(const struct jv *b)
{
	const struct jv *st = jv_get(b, "stack");
	size_t i;

	for (i = 0; st && st->type == JV_ARR && i < st->n; i++)
		if (st->items[i].type == JV_STR && strstr(st->items[i].str, "[dmabuf_lab]"))
			return true;
	return false;
}

/* B (a buffers[] entry) is K, exported by EXPORTER_PID, held as K says. */
static bool buffer_ok(const struct jv *b, const struct kept *k, long exporter_pid, char *why,
		      size_t len)
{
	const struct jv *h = jv_get(b, "holders");
	const char *name = jv_str(b, "name");

	if (jv_uint(b, "ino", 0) != k->ino || jv_uint(b, "pid", 0) != (unsigned long long)exporter_pid ||
	    jv_uint(b, "size", 0) != k->pages * 4096ull || !jv_str(b, "exporter") ||
	    strcmp(jv_str(b, "exporter"), "dmabuf_lab")) {
		snprintf(why, len, "ino/pid/size/exporter");
		return false;
	}
	if (!name || strcmp(name, k->name)) {
		snprintf(why, len, "name %s", name ? name : "null");
		return false;
	}
	if (jv_tri(b, "present") != 1 || !h || h->type != JV_ARR) {
		snprintf(why, len, "present/holders");
		return false;
	}
	if (!k->holder) {
		if (h->n || jv_uint(b, "file_count", 0) < 1) {
			snprintf(why, len, "%zu holders, file_count %llu for a kernel-held buffer",
				 h->n, jv_uint(b, "file_count", 0));
			return false;
		}
		return true;
	}
	if (h->n != 1 || jv_uint(&h->items[0], "pid", 0) != (unsigned long long)k->holder ||
	    jv_uint(&h->items[0], "fds", 0) != 1) {
		snprintf(why, len, "%zu holders, the first pid %llu", h->n,
			 h->n ? jv_uint(&h->items[0], "pid", 0) : 0);
		return false;
	}
	return true;
}

/* dmabuf-trace ARGS refuses to start: exit status 2, the reason naming --outstanding. */
static void refused(const char *tag, const char *const *args, const char *what)
{
	struct tracer t;
	int ret = tracer_start(&t, tag, args, NULL);

	tap_ok(ret && t.status == 2 && strstr(t.err, "--outstanding"),
	       "--outstanding with %s is refused (exit %d)", what, t.status);
	tracer_free(&t);
}

int main(void)
{
	const char *jargs[] = { "--outstanding", "-j", "--stack", "--exporter", "dmabuf_lab", NULL };
	const char *targs[] = { "--outstanding", "-q", "--exporter", "dmabuf_lab", NULL };
	struct kept k[3] = {
		{ "out-kept", 0, 1, 0 }, { "out-kernel", 0, 2, 0 }, { "out-child", 0, 3, 0 },
	};
	struct dmabuf_lab_export ex;
	int lab = lab_open(), before, fd_kept, fd, card, vfd, go[2], ready[2], i;
	const struct jv *o, *bufs;
	struct tracer tj, tt;
	struct stat st;
	char why[160], line[160];
	pid_t child;

	printf("TAP version 13\n");
	before = lab_export(lab, DMABUF_LAB_EXP_STATIC, 1, "out-before", 0, NULL);
	if (!tap_ok(lab >= 0 && before > 0 && !tracer_start(&tj, "outj", jargs, NULL) &&
		    !tracer_start(&tt, "outt", targs, NULL), "two --outstanding tracers start"))
		return tap_exit_status();

	fd_kept = lab_export(lab, DMABUF_LAB_EXP_STATIC, k[0].pages, k[0].name, 0, NULL);
	k[0].holder = getpid();
	k[0].ino = fd_kept > 0 && !fstat(fd_kept, &st) ? st.st_ino : 0;
	fd = lab_export(lab, DMABUF_LAB_EXP_DYNAMIC, 1, "out-freed", 0, NULL);
	if (fd > 0)
		close(fd);
	lab_export(lab, DMABUF_LAB_EXP_DYNAMIC, k[1].pages, k[1].name,
		   DMABUF_LAB_EXPORT_KERNEL_HELD, &ex);
	k[1].ino = ex.ino;
	fd = lab_export(lab, DMABUF_LAB_EXP_STATIC, k[2].pages, k[2].name, 0, NULL);
	k[2].ino = fd > 0 && !fstat(fd, &st) ? st.st_ino : 0;
	if (pipe(go) || pipe(ready))
		return tap_exit_status();
	child = fork();
	if (child == 0) {
		char c = 0;

		/* only the fd it is given: the others stay this process's alone */
		close(fd_kept);
		close(before);
		close(go[1]);
		close(ready[0]);
		(void)!write(ready[1], &c, 1);
		(void)!read(go[0], &c, 1);	/* holds the fd until told */
		_exit(0);
	}
	k[2].holder = child;
	close(go[0]);
	close(ready[1]);
	{
		char c;

		(void)!read(ready[0], &c, 1);
		close(ready[0]);
	}
	if (fd > 0)
		close(fd);
	close(before);
	card = vgem_open();
	vfd = card >= 0 ? vgem_dmabuf(card, 16) : -1;
	tap_ok(fd_kept > 0 && k[0].ino && ex.ino && k[2].ino && child > 0 && vfd >= 0,
	       "four lab buffers exported (one released, one kernel-held, one in a child), a vgem one");

	tracer_stop(&tj, SIGINT);
	tracer_stop(&tt, SIGINT);
	o = outstanding_of(&tj);
	if (!tap_ok(o != NULL, "the JSON end line has an outstanding object (%s)",
		    tj.json_err ? tj.json_err : "valid")) {
		tracer_diag_err(&tj);
		return tap_exit_status();
	}
	tap_ok(jv_uint(o, "exported", 99) == 4 && jv_uint(o, "released", 99) == 1 &&
	       jv_uint(o, "untracked", 99) == 0,
	       "4 exported while tracing, 1 of them released, all followed (%llu, %llu, %llu)",
	       jv_uint(o, "exported", 99), jv_uint(o, "released", 99), jv_uint(o, "untracked", 99));
	bufs = jv_get(o, "buffers");
	if (!tap_ok(bufs && bufs->type == JV_ARR && bufs->n == 3,
		    "3 buffers left, not the released one, the vgem one, nor the one from before "
		    "(%zu)", bufs ? bufs->n : 0))
		return tap_exit_status();
	for (i = 0; i < 3; i++) {
		why[0] = '\0';
		tap_ok(buffer_ok(&bufs->items[i], &k[i], getpid(), why, sizeof(why)),
		       "left %d, oldest first: %s (ino %llu) exported by this process, %s %s", i,
		       k[i].name, k[i].ino, k[i].holder ? "held by pid" : "held by the kernel",
		       why);
	}
	if (!tap_ok(has_lab_frame(&bufs->items[0]) && has_lab_frame(&bufs->items[2]),
		    "--stack: each export's stack goes through the module")) {
		const struct jv *st = jv_get(&bufs->items[0], "stack");

		for (i = 0; st && st->type == JV_ARR && i < (int)st->n; i++)
			tap_diag("  frame: %s", st->items[i].type == JV_STR ? st->items[i].str : "?");
	}

	snprintf(line, sizeof(line), "\nOutstanding: 3 of the 4 buffers exported while tracing were "
		 "not released\n");
	tap_ok(tt.out && !strncmp(tt.out, line, strlen(line)),
	       "the text end says so, and -q printed nothing before it");
	for (i = 0, fd = 0; i < tj.nvals; i++)
		fd += jv_str(&tj.vals[i], "event") && !strcmp(jv_str(&tj.vals[i], "event"), "export");
	tap_ok(fd == 4, "without -q the JSON tracer printed the 4 exports too (%d)", fd);
	snprintf(line, sizeof(line), " %7llu dmabuf_lab       %6s %s\n    held by %d ", k[0].ino,
		 "4.0K", k[0].name, (int)getpid());
	tap_ok(tt.out && strstr(tt.out, line), "the text lists the kept one and its holder");
	snprintf(line, sizeof(line), " %7llu dmabuf_lab       %6s %s\n    held by no process: ",
		 k[1].ino, "8.0K", k[1].name);
	tap_ok(tt.out && strstr(tt.out, line), "...the kernel-held one");
	snprintf(line, sizeof(line), " %7llu dmabuf_lab       %6s %s\n    held by %d ", k[2].ino,
		 "12K", k[2].name, (int)child);
	tap_ok(tt.out && strstr(tt.out, line), "...and the child's");
	if (!tt.out || !strstr(tt.out, "Outstanding"))
		tracer_diag_err(&tt);

	if (go[1] >= 0)
		close(go[1]);
	waitpid(child, NULL, 0);
	close(fd_kept);
	lab_release(lab, ex.buf_id);
	if (vfd >= 0)
		close(vfd);
	if (card >= 0)
		close(card);
	tracer_free(&tj);
	tracer_free(&tt);

	{
		const char *a1[] = { "--outstanding", "-p", "1", NULL };
		const char *a2[] = { "--outstanding", "--summary", NULL };
		const char *a3[] = { "--outstanding", "-e", "map,export", NULL };
		const char *a4[] = { "--outstanding", "--device", "x", NULL };

		refused("out1", a1, "-p");
		refused("out2", a2, "--summary");
		refused("out3", a3, "-e without release");
		refused("out4", a4, "--device");
	}
	close(lab);
	return tap_exit_status();
}
