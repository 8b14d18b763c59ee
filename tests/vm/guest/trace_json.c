/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trace_json: dmabuf-trace -j output against its documented schema.
 * Buffers with hostile names (escape sequences, quotes, backslashes, tabs,
 * newlines, malformed and well-formed UTF-8, the longest name allowed) go
 * through export, attach, map, unmap, detach and release in a child with a
 * hostile comm. Checked: every line is strict JSON; every event object has
 * exactly the documented members with the documented types; members that do
 * not apply to an event are null and those that do are not; names and the
 * comm come back byte for byte after unescaping; the text output of the
 * same run carries no control byte and is valid UTF-8; --list-events and
 * --list-probes under -j are valid JSON too.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"
#include "lab_util.h"
#include "trace_util.h"

#define HOSTILE_COMM "j\x1b]0;x\x07\"q\\"

static const char *const names[] = {
	"j\x1b[31mred\x07",
	"quote\"back\\slash\ttab",
	"bad\xff\xfeutf8\x80",
	"utf8-\xc3\xa9\xe2\x82\xac-\xf0\x9f\x98\x80",
	"nl\nline\r",
	"abcdefghijklmnopqrstuvwxyz01234",	/* 31 bytes: the longest */
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static const char *const events[] = {
	"export", "fd", "get", "attach", "detach", "map", "unmap", "move", "pin", "unpin",
	"begin_cpu_access", "end_cpu_access", "mmap", "vmap", "vunmap", "release",
};

enum kind { K_UINT, K_NUM, K_STR, K_BOOL, K_ARR };

static const struct { const char *key; enum kind kind; bool nullable; } schema[] = {
	{ "ts_ns", K_UINT, false }, { "event", K_STR, false }, { "pid", K_UINT, false },
	{ "tid", K_UINT, false }, { "comm", K_STR, false }, { "ino", K_UINT, true },
	{ "exporter", K_STR, true }, { "size", K_UINT, true }, { "name", K_STR, true },
	{ "device", K_STR, true }, { "direction", K_STR, true },
	{ "importer_dynamic", K_BOOL, true }, { "exporter_dynamic", K_BOOL, true },
	{ "p2p", K_BOOL, true }, { "cached", K_BOOL, true }, { "pinned", K_BOOL, true },
	{ "latency_ns", K_UINT, true }, { "ret", K_NUM, true }, { "fd", K_NUM, true },
	{ "resv", K_STR, true }, { "contract", K_STR, true }, { "notified", K_ARR, true },
	{ "notified_count", K_UINT, true }, { "attachments", K_UINT, true },
	{ "probe", K_STR, false },
};
#define NKEYS (sizeof(schema) / sizeof(schema[0]))

static int kid_work(void)
{
	int lab = lab_open(), bad = 0;
	unsigned int i;

	prctl(PR_SET_NAME, HOSTILE_COMM);
	for (i = 0; i < NNAMES; i++) {
		int fd = lab_export(lab, i % 2 ? DMABUF_LAB_EXP_DYNAMIC : DMABUF_LAB_EXP_STATIC, 1,
				    names[i], 0, NULL), att;

		att = fd >= 0 ? lab_attach(lab, 0, fd, 0, i % 2, (i / 2) % 2, NULL) : -1;
		if (att < 0 || lab_map(lab, (__u32)att, DMABUF_LAB_DIR_TO_DEVICE, 0, NULL) ||
		    lab_unmap(lab, (__u32)att, 0) || lab_detach(lab, (__u32)att))
			bad++;
		if (fd >= 0)
			close(fd);
	}
	return bad;
}

/* Type errors of one event object, as text; "" when it follows the schema. */
static void check_schema(const struct jv *o, char *why, size_t len)
{
	unsigned int i, k;
	const char *ev = jv_str(o, "event");

	why[0] = '\0';
	if (o->n != NKEYS) {
		snprintf(why, len, "%zu members, want %zu", o->n, NKEYS);
		return;
	}
	for (i = 0; i < NKEYS; i++) {
		const struct jv *v = jv_get(o, schema[i].key);
		bool ok;

		if (!v) {
			snprintf(why, len, "no %s", schema[i].key);
			return;
		}
		if (v->type == JV_NULL) {
			if (!schema[i].nullable)
				snprintf(why, len, "%s is null", schema[i].key);
			if (!schema[i].nullable)
				return;
			continue;
		}
		switch (schema[i].kind) {
		case K_UINT: ok = v->type == JV_NUM && v->is_uint; break;
		case K_NUM: ok = v->type == JV_NUM; break;
		case K_STR: ok = v->type == JV_STR; break;
		case K_BOOL: ok = v->type == JV_BOOL; break;
		default: ok = v->type == JV_ARR; break;
		}
		if (!ok) {
			snprintf(why, len, "%s has the wrong type", schema[i].key);
			return;
		}
	}
	for (k = 0; k < sizeof(events) / sizeof(events[0]); k++)
		if (ev && !strcmp(ev, events[k]))
			break;
	if (k == sizeof(events) / sizeof(events[0]))
		snprintf(why, len, "unknown event %s", ev ? ev : "(null)");
}

/* Members that apply to EV must be set, the others null. */
static void check_nulls(const struct jv *o, char *why, size_t len)
{
	const char *ev = jv_str(o, "event");
	bool mapping = !strcmp(ev, "map") || !strcmp(ev, "unmap");
	bool att = mapping || !strcmp(ev, "attach") || !strcmp(ev, "detach");
	bool fdev = !strcmp(ev, "fd") || !strcmp(ev, "get");
	const struct { const char *key; bool set; } rules[] = {
		{ "device", att }, { "importer_dynamic", att }, { "direction", mapping },
		{ "latency_ns", mapping }, { "resv", mapping }, { "fd", fdev },
		{ "notified", false }, { "notified_count", false }, { "attachments", false },
		{ "contract", false }, { "ino", true }, { "exporter", true }, { "size", true },
		{ "exporter_dynamic", true },
	};
	unsigned int i;

	why[0] = '\0';
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct jv *v = jv_get(o, rules[i].key);

		if ((v->type != JV_NULL) != rules[i].set) {
			snprintf(why, len, "%s of %s is %s", rules[i].key, ev,
				 rules[i].set ? "null" : "set");
			return;
		}
	}
	if (!strcmp(ev, "export") && jv_get(o, "name")->type != JV_NULL)
		snprintf(why, len, "the name of an export is set (the lab names after export)");
}

static bool text_clean(const char *t, size_t len, size_t *at)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)t[i];

		if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = jl_utf8((const unsigned char *)t + i, len - i);

			if (n) {
				i += n;
				continue;
			}
		}
		*at = i;
		return false;
	}
	return true;
}

int main(void)
{
	static const struct jv *evs[512];
	const char *jargs[] = { "-j", "-p", NULL, NULL }, *targs[] = { "-p", NULL, NULL };
	const char *le[] = { "-j", "--list-events", NULL }, *lp[] = { "-j", "--list-probes", NULL };
	struct tracer tj, tt, tl;
	char pid[16], why[160];
	unsigned int i, found[NNAMES] = { 0 }, comm_ok = 0;
	int go[2], n, bad_schema = 0, bad_nulls = 0, st;
	size_t at = 0;
	pid_t kid;
	char c;

	if (pipe(go))
		return 1;
	fflush(stdout);
	kid = fork();
	if (kid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(kid_work() ? 1 : 0);
	}
	snprintf(pid, sizeof(pid), "%d", (int)kid);
	jargs[2] = pid;
	targs[1] = pid;
	if (!tap_ok(!tracer_start(&tj, "json", jargs, NULL) && !tracer_start(&tt, "jtext", targs, NULL),
		    "dmabuf-trace -j and text start")) {
		kill(kid, SIGKILL);
		return tap_exit_status();
	}
	if (write(go[1], "g", 1) != 1)
		return 1;
	waitpid(kid, &st, 0);
	tap_ok(WIFEXITED(st) && !WEXITSTATUS(st), "the child drove %zu hostile buffers", NNAMES);
	tracer_stop(&tj, SIGINT);
	tracer_stop(&tt, SIGINT);

	if (!tap_ok(tj.nvals > 0, "every line is strict JSON (%s at line %d)",
		    tj.json_err ? tj.json_err : "-", tj.bad_line))
		return tap_exit_status();
	n = tracer_events(&tj, evs, 512);
	tap_ok(n == (int)NNAMES * 7, "7 events per buffer (%d, want %zu)", n, NNAMES * 7);
	for (i = 0; i < (unsigned int)n; i++) {
		const char *name = jv_str(evs[i], "name"), *comm = jv_str(evs[i], "comm");
		unsigned int k;

		check_schema(evs[i], why, sizeof(why));
		if (why[0] && !bad_schema++)
			tap_diag("event %u: %s", i, why);
		if (!why[0]) {
			check_nulls(evs[i], why, sizeof(why));
			if (why[0] && !bad_nulls++)
				tap_diag("event %u: %s", i, why);
		}
		if (comm) {
			char copy[64];

			snprintf(copy, sizeof(copy), "%s", comm);
			comm_ok += dmabuf_unescape(copy) == (long)strlen(HOSTILE_COMM) &&
				   !strcmp(copy, HOSTILE_COMM);
		}
		if (!name || strcmp(jv_str(evs[i], "event"), "release"))
			continue;
		for (k = 0; k < NNAMES; k++) {
			char copy[256];
			long len;

			snprintf(copy, sizeof(copy), "%s", name);
			len = dmabuf_unescape(copy);
			if (len == (long)strlen(names[k]) && !memcmp(copy, names[k], (size_t)len))
				found[k]++;
		}
	}
	tap_ok(!bad_schema, "every event has exactly the %zu documented members, typed (%d bad)",
	       NKEYS, bad_schema);
	tap_ok(!bad_nulls, "members that do not apply are null, the others set (%d bad)", bad_nulls);
	for (i = 0; i < NNAMES; i++)
		tap_ok(found[i] == 1, "hostile name %u comes back byte for byte after unescaping", i);
	tap_ok(comm_ok == (unsigned int)n, "the hostile comm comes back byte for byte (%u of %d)",
	       comm_ok, n);
	tap_ok(tt.outlen > 0 && text_clean(tt.out, tt.outlen, &at),
	       "the text output has no control byte and is valid UTF-8 (bad byte at %zu)", at);

	tap_ok(!tracer_start(&tl, "events", le, NULL) || tl.status == 0, "--list-events runs");
	tracer_stop(&tl, 0);
	tap_ok(tl.nvals == sizeof(events) / sizeof(events[0]),
	       "--list-events -j: %d valid JSON objects, one per event", tl.nvals);
	tracer_free(&tl);
	if (tracer_start(&tl, "probes", lp, NULL))
		tracer_stop(&tl, 0);
	else
		tracer_stop(&tl, 0);
	tap_ok(tl.nvals == 1 && jv_get(&tl.vals[0], "probes") &&
	       jv_get(&tl.vals[0], "probes")->type == JV_ARR,
	       "--list-probes -j: one valid JSON object with its probes");
	tracer_free(&tl);
	tracer_free(&tj);
	tracer_free(&tt);
	return tap_exit_status();
}
