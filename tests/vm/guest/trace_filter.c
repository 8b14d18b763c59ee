/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_filter: dmabuf-trace's filters. One unfiltered tracer and one per
 * filter (-p, -c, --exporter, --device, --ino, -e) run side by side while
 * this process and a child (named "trace_kid") drive the same operations
 * on lab and vgem buffers (and the parent on one more, the --ino target). Each filtered output must be exactly the events
 * of the unfiltered one that match the filter - same events, same order,
 * none missing, none extra - and must not be empty; the unfiltered one must
 * hold events the filter drops, so every comparison can fail.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_util.h"
#include "trace_util.h"
#include "vgem.h"

#define KID_COMM "trace_kid"
#define NFILTERS 6

static int failures;

static void cycle(int lab, int fd, __u32 imp, __u32 mode, __u32 dir)
{
	int att = lab_attach(lab, 0, fd, 0, imp, mode, NULL);

	if (att < 0 || lab_map(lab, (__u32)att, dir, 0, NULL) || lab_unmap(lab, (__u32)att, 0) ||
	    lab_detach(lab, (__u32)att))
		failures++;
}

/*
 * Lab buffers of both modes attached through both importers, mapped,
 * unmapped, detached, released; vgem likewise; then the buffer EXTRA (if
 * >= 0) the same way.
 */
static void drive(int lab, int extra)
{
	static const __u32 modes[] = { DMABUF_LAB_EXP_STATIC, DMABUF_LAB_EXP_DYNAMIC };
	struct dmabuf_lab_export ex;
	unsigned int m, imp;
	int fd, card;

	for (m = 0; m < 2; m++) {
		fd = lab_export(lab, modes[m], 1, m ? "flt-dyn" : "flt-static", 0, &ex);
		if (fd < 0) {
			failures++;
			continue;
		}
		for (imp = 0; imp < 2; imp++)
			cycle(lab, fd, imp, imp, DMABUF_LAB_DIR_TO_DEVICE);
		close(fd);
	}
	card = vgem_open();
	fd = card >= 0 ? vgem_dmabuf(card, 16) : -1;
	if (fd >= 0) {
		cycle(lab, fd, 1, DMABUF_LAB_IMP_STATIC, DMABUF_LAB_DIR_BIDIRECTIONAL);
		close(fd);
	}
	if (card >= 0)
		close(card);
	if (extra >= 0) {
		cycle(lab, extra, 0, DMABUF_LAB_IMP_DYNAMIC, DMABUF_LAB_DIR_FROM_DEVICE);
		close(extra);
	}
}

struct filter {
	const char *what;
	const char *args[8];
	char arg[32];
};

/* Does event E pass filter F (the tool's documented semantics)? */
static bool passes(const struct filter *f, const struct jv *e, pid_t kid, unsigned long long ino)

{
	const char *s;

	if (!strcmp(f->what, "-p"))
		return jv_uint(e, "pid", 0) == (unsigned long long)kid;
	if (!strcmp(f->what, "-c"))
		return (s = jv_str(e, "comm")) && !strcmp(s, KID_COMM);
	if (!strcmp(f->what, "--exporter"))
		return (s = jv_str(e, "exporter")) && !strcmp(s, "drm");
	if (!strcmp(f->what, "--device"))
		return (s = jv_str(e, "device")) && !strcmp(s, "dmabuf_lab_imp.1");
	if (!strcmp(f->what, "--ino"))
		return jv_uint(e, "ino", 0) == ino;
	s = jv_str(e, "event");
	return s && (!strcmp(s, "map") || !strcmp(s, "unmap") || !strcmp(s, "release"));
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Each tracer stamps its own time: an event is its task, kind, buffer and device. */
static bool same_event(const struct jv *a, const struct jv *b)
{
	return jv_uint(a, "tid", 0) == jv_uint(b, "tid", 1) &&
	       jv_uint(a, "ino", 0) == jv_uint(b, "ino", 0) &&
	       same_str(jv_str(a, "event"), jv_str(b, "event")) &&
	       same_str(jv_str(a, "device"), jv_str(b, "device")) &&
	       same_str(jv_str(a, "direction"), jv_str(b, "direction"));
}

int main(void)
{
	static const struct jv *all[4096], *got[4096];
	struct filter f[NFILTERS] = {
		{ "-p", { "-j", "-p", NULL }, "" },
		{ "-c", { "-j", "-c", KID_COMM, NULL }, "" },
		{ "--exporter", { "-j", "--exporter", "drm", NULL }, "" },
		{ "--device", { "-j", "--device", "dmabuf_lab_imp.1", NULL }, "" },
		{ "--ino", { "-j", "--ino", NULL }, "" },
		{ "-e", { "-j", "-e", "map,unmap,release", NULL }, "" },
	};
	const char *all_args[] = { "-j", NULL };
	struct tracer base, t[NFILTERS];
	struct dmabuf_lab_export ex;
	int lab, i, j, nall, ready = 1, go[2], extra;
	pid_t kid;
	char c;

	lab = lab_open();
	if (!tap_ok(lab >= 0, "/dev/dmabuf_lab opens"))
		return tap_exit_status();
	/* the --ino target exists before the tracers start */
	extra = lab_export(lab, DMABUF_LAB_EXP_DYNAMIC, 1, "flt-ino", 0, &ex);
	if (!tap_ok(extra >= 0, "the --ino target buffer exists"))
		return tap_exit_status();
	if (pipe(go))
		return 1;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		int klab = lab_open();

		close(extra);
		prctl(PR_SET_NAME, KID_COMM);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		drive(klab, -1);
		_exit(failures ? 1 : 0);
	}
	snprintf(f[0].arg, sizeof(f[0].arg), "%d", (int)kid);
	f[0].args[2] = f[0].arg;
	snprintf(f[4].arg, sizeof(f[4].arg), "%llu", (unsigned long long)ex.ino);
	f[4].args[2] = f[4].arg;
	ready &= !tracer_start(&base, "all", all_args, NULL);
	for (i = 0; i < NFILTERS; i++)
		ready &= !tracer_start(&t[i], f[i].what + (f[i].what[1] == '-' ? 2 : 1), f[i].args,
				       NULL);
	if (!tap_ok(ready, "the unfiltered and %d filtered tracers start", NFILTERS)) {
		tracer_diag_err(&base);
		for (i = 0; i < NFILTERS; i++)
			if (!t[i].pid) {
				tap_diag("%s: ended with status %d", f[i].what, t[i].status);
				tracer_diag_err(&t[i]);
			}
	}
	drive(lab, extra);
	if (write(go[1], "g", 1) != 1)
		failures++;
	waitpid(kid, &i, 0);
	tap_ok(!failures && WIFEXITED(i) && !WEXITSTATUS(i), "both processes drove every operation");

	tracer_stop(&base, SIGINT);
	nall = tracer_events(&base, all, 4096);
	tap_ok(nall > 40, "the unfiltered tracer saw %d events", nall);
	for (i = 0; i < NFILTERS; i++) {
		int n, want = 0, k = 0, bad = 0;

		tracer_stop(&t[i], SIGINT);
		n = tracer_events(&t[i], got, 4096);
		for (j = 0; j < nall; j++) {
			if (!passes(&f[i], all[j], kid, ex.ino))
				continue;
			want++;
			if (k < n && same_event(got[k], all[j]))
				k++;
			else if (!bad++)
				event_diag("missing", j, all[j]);
		}
		for (j = 0; j < n; j++)
			if (!passes(&f[i], got[j], kid, ex.ino) && !bad++)
				event_diag("extra", j, got[j]);
		tap_ok(t[i].nvals >= 0 && want > 0 && want < nall && n == want && k == n && !bad,
		       "%s %s: exactly the %d matching events of %d (got %d)", f[i].what,
		       f[i].args[2] ? f[i].args[2] : "", want, nall, n);
		tracer_free(&t[i]);
	}
	tracer_free(&base);
	close(lab);
	return tap_exit_status();
}
