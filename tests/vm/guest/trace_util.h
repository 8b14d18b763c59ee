/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_util.h - helpers of the dmabuf-trace guest tests: run the installed
 * tool in the background (stdout to a file, stderr read until it says it is
 * tracing), stop it with a signal, read its JSON lines back with the strict
 * reader of jsonlines.h, and compare an observed event list with the
 * expected one, field by field.
 */
#ifndef DMABUF_TEST_TRACE_UTIL_H
#define DMABUF_TEST_TRACE_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jsonlines.h"
#include "tap.h"

#define TRACE_BIN "/usr/local/bin/dmabuf-trace"
#define TRACER_READY "dmabuf-trace: tracing"
#define TRACER_START_S 300	/* BTF, the probe tests and the verifier are slow under TCG (KASAN) */

struct tracer {
	pid_t pid;
	int err_fd;
	char out_path[96];
	char err[16384];
	size_t errlen;
	int status;		/* exit status once stopped, -1 if killed by a signal */
	char *out;
	size_t outlen;
	struct jv *vals;	/* the parsed lines */
	int nvals;
	const char *json_err;
	int bad_line;
};

static inline double tracer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads what stderr has, waiting up to MS; returns false at EOF. */
static inline bool tracer_read_err(struct tracer *t, int ms)
{
	struct pollfd p = { .fd = t->err_fd, .events = POLLIN };
	ssize_t n;

	if (t->err_fd < 0 || poll(&p, 1, ms) <= 0)
		return t->err_fd >= 0;
	n = read(t->err_fd, t->err + t->errlen, sizeof(t->err) - 1 - t->errlen);
	if (n <= 0) {
		close(t->err_fd);
		t->err_fd = -1;
		return false;
	}
	t->errlen += (size_t)n;
	t->err[t->errlen] = '\0';
	return true;
}

/*
 * Starts dmabuf-trace ARGS (NULL-terminated, without argv[0]) with ENV
 * ("NAME=value" entries added to the environment, or NULL); stdout goes to
 * /tmp/trace-TAG.out. Waits until it says it is tracing: 0, or -1 when it
 * ended first (t->status, t->err say why).
 */
static inline int tracer_start(struct tracer *t, const char *tag, const char *const *args,
			       const char *const *env)
{
	const char *argv[64];
	double deadline;
	int pfd[2], i, n = 0;

	memset(t, 0, sizeof(*t));
	t->err_fd = -1;
	snprintf(t->out_path, sizeof(t->out_path), "/tmp/trace-%s.out", tag);
	argv[n++] = TRACE_BIN;
	for (i = 0; args[i] && n < 62; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(pfd))
		return -1;
	fflush(stdout);
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		int out = open(t->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (out < 0)
			_exit(126);
		dup2(out, 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execv(TRACE_BIN, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	t->err_fd = pfd[0];
	deadline = tracer_now() + TRACER_START_S;
	while (!strstr(t->err, TRACER_READY)) {
		if (!tracer_read_err(t, 200) || tracer_now() > deadline) {
			int st;

			if (tracer_now() > deadline)
				kill(t->pid, SIGKILL);
			waitpid(t->pid, &st, 0);
			t->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			t->pid = 0;
			return -1;
		}
	}
	return 0;
}

static inline void tracer_load_output(struct tracer *t)
{
	FILE *f = fopen(t->out_path, "r");
	char buf[65536];
	size_t n;

	free(t->out);
	t->out = NULL;
	t->outlen = 0;
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *more = realloc(t->out, t->outlen + n + 1);

		if (!more)
			break;
		t->out = more;
		memcpy(t->out + t->outlen, buf, n);
		t->outlen += n;
		t->out[t->outlen] = '\0';
	}
	fclose(f);
}

/* Waits for the tracer's exit (sending SIG first unless 0): its exit status. */
static inline int tracer_stop(struct tracer *t, int sig)
{
	double deadline = tracer_now() + 120;
	int st = 0;

	if (t->pid > 0) {
		if (sig)
			kill(t->pid, sig);
		for (;;) {
			pid_t r = waitpid(t->pid, &st, WNOHANG);

			if (r == t->pid)
				break;
			tracer_read_err(t, 100);
			if (tracer_now() > deadline) {
				kill(t->pid, SIGKILL);
				waitpid(t->pid, &st, 0);
				break;
			}
		}
		t->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		t->pid = 0;
	}
	while (tracer_read_err(t, 0))
		;
	tracer_load_output(t);
	t->nvals = 0;
	if (t->outlen) {
		t->nvals = jl_lines(t->out, t->outlen, &t->vals, &t->bad_line, &t->json_err);
		if (t->nvals < 0)
			t->vals = NULL;
	}
	return t->status;
}

static inline void tracer_free(struct tracer *t)
{
	int i;

	if (t->pid > 0)
		tracer_stop(t, SIGKILL);
	for (i = 0; i < t->nvals; i++)
		jv_free(&t->vals[i]);
	free(t->vals);
	free(t->out);
	if (t->err_fd >= 0)
		close(t->err_fd);
	t->vals = NULL;
	t->out = NULL;
	t->nvals = 0;
}

/* Shows the tracer's stderr as TAP diagnostics. */
static inline void tracer_diag_err(const struct tracer *t)
{
	const char *p = t->err;

	while (*p) {
		size_t n = strcspn(p, "\n");

		tap_diag("  stderr: %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* The event objects of the output (those with "event"), in order, into EVS. */
static inline int tracer_events(const struct tracer *t, const struct jv **evs, int max)
{
	int i, n = 0;

	for (i = 0; i < t->nvals && n < max; i++)
		if (jv_get(&t->vals[i], "event"))
			evs[n++] = &t->vals[i];
	return n;
}

/* The line of the output whose only member is KEY ("end", "summary"), or NULL. */
static inline const struct jv *tracer_object(const struct tracer *t, const char *key)
{
	int i;

	for (i = 0; i < t->nvals; i++)
		if (t->vals[i].type == JV_OBJ && t->vals[i].n == 1 && jv_get(&t->vals[i], key))
			return jv_get(&t->vals[i], key);
	return NULL;
}

/* --- expected events ----------------------------------------------------- */

#define W_ANY	(-3)		/* a tri-state not checked */
#define W_SKIP	((const char *)1)	/* a string not checked */

struct want {
	const char *event;
	unsigned long long ino;
	const char *device;	/* NULL: null */
	const char *exporter;	/* NULL: null */
	const char *name;	/* NULL: null */
	const char *dir;	/* NULL: null */
	int imp_dyn, exp_dyn, cached, pinned;	/* 1, 0, -1 null, W_ANY */
	const char *contract;	/* NULL: null; else a prefix of it */
	int ret_set;		/* 1: "ret" must be 0, 0: not checked */
	int notified;		/* move: notified_count, -1 not checked */
	bool optional;		/* may be missing (a call the kernel may inline) */
	bool seen;		/* out: an optional event was there */
};

struct want_list {
	struct want w[256];
	int n;
};

static inline struct want *want_add(struct want_list *l, const char *event, unsigned long long ino)
{
	struct want *w = &l->w[l->n < 255 ? l->n++ : 255];

	memset(w, 0, sizeof(*w));
	w->event = event;
	w->ino = ino;
	w->device = w->exporter = w->name = w->dir = W_SKIP;
	w->imp_dyn = w->exp_dyn = w->cached = w->pinned = W_ANY;
	w->notified = -1;
	return w;
}

static inline bool str_ok(const struct jv *o, const char *key, const char *want, char *why,
			  size_t len)
{
	const struct jv *v = jv_get(o, key);

	if (want == W_SKIP)
		return true;
	if (!v) {
		snprintf(why, len, "%s missing", key);
		return false;
	}
	if (!want) {
		if (v->type == JV_NULL)
			return true;
		snprintf(why, len, "%s is %s, want null", key, v->type == JV_STR ? v->str : "?");
		return false;
	}
	if (v->type != JV_STR || strcmp(v->str, want)) {
		snprintf(why, len, "%s is %s, want %s", key, v->type == JV_STR ? v->str : "null/other",
			 want);
		return false;
	}
	return true;
}

static inline bool tri_ok(const struct jv *o, const char *key, int want, char *why, size_t len)
{
	int v = jv_tri(o, key);

	if (want == W_ANY || v == want)
		return true;
	snprintf(why, len, "%s is %d, want %d (1 true, 0 false, -1 null)", key, v, want);
	return false;
}

/* Does event O match W? WHY says what differs. */
static inline bool want_match(const struct jv *o, const struct want *w, char *why, size_t len)
{
	const char *contract = jv_str(o, "contract");
	const struct jv *ret = jv_get(o, "ret");

	why[0] = '\0';
	if (!str_ok(o, "event", w->event, why, len))
		return false;
	if (jv_uint(o, "ino", 0) != w->ino) {
		snprintf(why, len, "ino is %llu, want %llu", jv_uint(o, "ino", 0), w->ino);
		return false;
	}
	if (!str_ok(o, "device", w->device, why, len) ||
	    !str_ok(o, "exporter", w->exporter, why, len) || !str_ok(o, "name", w->name, why, len) ||
	    !str_ok(o, "direction", w->dir, why, len) ||
	    !tri_ok(o, "importer_dynamic", w->imp_dyn, why, len) ||
	    !tri_ok(o, "exporter_dynamic", w->exp_dyn, why, len) ||
	    !tri_ok(o, "cached", w->cached, why, len) || !tri_ok(o, "pinned", w->pinned, why, len))
		return false;
	if (!w->contract != !contract ||
	    (contract && strncmp(contract, w->contract, strlen(w->contract)))) {
		snprintf(why, len, "contract is %s, want %s", contract ? contract : "null",
			 w->contract ? w->contract : "null");
		return false;
	}
	if (w->ret_set && (!ret || ret->type != JV_NUM || ret->num != 0)) {
		snprintf(why, len, "ret is not 0");
		return false;
	}
	if (w->notified >= 0 && jv_uint(o, "notified_count", 999) != (unsigned long long)w->notified) {
		snprintf(why, len, "notified_count is %llu, want %d", jv_uint(o, "notified_count", 999),
			 w->notified);
		return false;
	}
	return true;
}

static inline void event_diag(const char *tag, int i, const struct jv *o)
{
	tap_diag("  %s[%d] %s ino=%llu dev=%s dir=%s imp=%d exp=%d cached=%d pinned=%d contract=%s",
		 tag, i, jv_str(o, "event") ? jv_str(o, "event") : "?", jv_uint(o, "ino", 0),
		 jv_str(o, "device") ? jv_str(o, "device") : "-",
		 jv_str(o, "direction") ? jv_str(o, "direction") : "-", jv_tri(o, "importer_dynamic"),
		 jv_tri(o, "exporter_dynamic"), jv_tri(o, "cached"), jv_tri(o, "pinned"),
		 jv_str(o, "contract") ? jv_str(o, "contract") : "-");
}

/*
 * Compares the observed events with the expected list, in order and in
 * number (an optional expected event may be missing); one TAP line,
 * diagnostics around the first difference.
 */
static inline bool want_check(const char *what, const struct jv *const *evs, int n,
			      struct want_list *l)
{
	char why[256] = "";
	int i = 0, j = 0, bad = -1, k;

	while (i < n && j < l->n) {
		if (want_match(evs[i], &l->w[j], why, sizeof(why))) {
			l->w[j].seen = true;
			i++;
			j++;
		} else if (l->w[j].optional) {
			j++;
		} else {
			bad = i;
			break;
		}
	}
	while (bad < 0 && j < l->n && l->w[j].optional)
		j++;
	if (bad < 0 && (i != n || j != l->n)) {
		bad = i;
		snprintf(why, sizeof(why), "%d events, want %d", n, l->n);
	}
	if (!tap_ok(bad < 0, "%s: %d events in the expected order and fields", what, n)) {
		int from = bad > 3 ? bad - 3 : 0;

		tap_diag("first difference at event %d (expected %d): %s", bad, j, why);
		for (k = from; k < n && k < bad + 4; k++)
			event_diag("got", k, evs[k]);
		for (k = j > 3 ? j - 3 : 0; k < l->n && k < j + 4; k++)
			tap_diag("  want[%d] %s ino=%llu%s", k, l->w[k].event, l->w[k].ino,
				 l->w[k].optional ? " (optional)" : "");
		return false;
	}
	return true;
}

#endif
