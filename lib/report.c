// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report.c - `dmabuf report`: the snapshot taken with its capture (every
 * byte the collectors parsed, capture.h), the optional trace, the kernel
 * context, then one archive (report_bundle.c):
 *
 *   dmabuf-report-DATE/
 *     README.txt       what is where, how to open it
 *     sys/, proc/      the raw sources as read, a root tree the collectors replay
 *     bpf/records.txt  the BPF collector's records (report_records.c)
 *     sources.txt      the state of every source at capture time
 *     kernel/config    dma-buf/DRM/heap/IOMMU options; kernel/dmesg: the log lines about them
 *     proc/modules, proc/cmdline, proc/version, proc/PID/cmdline, DRM fds of the holders
 *     snapshot.json    `dmabuf ls -j` of the snapshot; findings.txt: `dmabuf check`
 *     trace.jsonl      with --trace N: N seconds of `dmabuf-trace -j`
 *     manifest.json    tool, time, kernel, capabilities, sources used and
 *                      failed, context, files cut by a cap or withheld
 *
 * Nothing here fails the report but memory or the archive itself: what
 * could not be read is in the manifest.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "json.h"
#include "report.h"
#include "report_priv.h"
#include "snapshot_json.h"
#include "trace.h"
#include "views.h"

#define TRACE_POLL_MS 100

static const char readme[] =
	"A dma-buf bug report made by `dmabuf report` (dmabuf-tools); dmabuf(8), REPORT,\n"
	"documents every file.\n\n"
	"Open it with the same tools:  dmabuf --root THIS_ARCHIVE_OR_DIRECTORY ls|show|check ...\n"
	"                              dmabuf-top --replay THIS_ARCHIVE_OR_DIRECTORY\n\n"
	"manifest.json     tool, time, kernel, capabilities, sources used and failed\n"
	"snapshot.json     the snapshot (dmabuf ls -j); findings.txt: dmabuf check\n"
	"sys/ proc/        the sources exactly as the snapshot read them (a root tree)\n"
	"bpf/records.txt   what the BPF collector read; sources.txt: each source's state\n"
	"kernel/           config options and log lines about dma-buf, DRM, heaps, IOMMU\n"
	"trace.jsonl       with --trace: dmabuf-trace -j of the seconds after the snapshot\n";

static void progress(const struct dmabuf_report_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(const struct dmabuf_report_opts *o, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->progress(o->progress_ctx, msg);
}

/* --- the trace -------------------------------------------------------------- */

struct trace_run {
	struct json_writer *jw;
	FILE *f;
	bool redact;
	size_t cap;
	uint64_t written, dropped;
	int state, err;
	char detail[256];
	struct dmabuf_trace_counts counts;
};

static int on_event(void *ctx, const struct dmabuf_trace_event *ev)
{
	struct trace_run *t = ctx;
	struct dmabuf_trace_event copy;

	if ((size_t)ftell(t->f) > t->cap) {
		t->dropped++;
		return 0;
	}
	if (t->redact) {
		char tok[REDACT_TOKEN_MAX];

		copy = *ev;
		dmabuf_redact_token(REDACT_COMM, ev->comm, strlen(ev->comm), tok);
		memcpy(copy.comm, tok, sizeof(copy.comm));	/* "comm-" + 10 digits fits */
		copy.comm[sizeof(copy.comm) - 1] = '\0';
		if (ev->has_name) {
			dmabuf_redact_token(REDACT_NAME, ev->name, strlen(ev->name), tok);
			memcpy(copy.name, tok, sizeof(tok));
		}
		ev = &copy;
	}
	dmabuf_trace_json(t->jw, ev, NULL, 0);
	t->written++;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* N seconds of the tracer's JSON lines into OUT (dmabuf-trace -j's form). */
static int trace(const struct dmabuf_report_opts *o, struct trace_run *t, char **out, size_t *len)
{
	struct dmabuf_trace_opts topts = { 0 };
	struct dmabuf_trace *tr;
	uint64_t start, end;
	int ret;

	t->redact = o->redact;
	t->cap = o->file_cap ? o->file_cap : DMABUF_CAPTURE_FILE_CAP;
	ret = dmabuf_trace_open(&topts, &tr, t->detail, sizeof(t->detail));
	if (ret) {
		t->state = ret == -EPERM || ret == -ENOENT || ret == -EOPNOTSUPP ?
			   DMABUF_SOURCE_UNAVAILABLE : DMABUF_SOURCE_FAILED;
		t->err = -ret;
		progress(o, "no trace: %s", t->detail);
		return ret == -ENOMEM ? ret : 0;
	}
	t->f = open_memstream(out, len);
	t->jw = t->f ? jw_new(t->f, false) : NULL;
	if (!t->jw) {
		if (t->f)
			fclose(t->f);
		dmabuf_trace_close(tr);
		return -ENOMEM;
	}
	progress(o, "tracing for %u s", o->trace_seconds);
	start = mono_ns();
	end = start + o->trace_seconds * 1000000000ull;
	while (!(o->stop && *o->stop) && mono_ns() < end) {
		ret = dmabuf_trace_poll(tr, TRACE_POLL_MS, on_event, t);
		if (ret < 0 && ret != -EINTR)
			break;
	}
	/* what the programs wrote before the end */
	while (dmabuf_trace_poll(tr, 0, on_event, t) > 0)
		;
	dmabuf_trace_counts(tr, &t->counts);
	jw_start_object(t->jw);
	jw_name(t->jw, "end");
	jw_start_object(t->jw);
	jw_uint_field(t->jw, "events", t->counts.events);
	jw_uint_field(t->jw, "lost", t->counts.lost);
	jw_uint_field(t->jw, "filtered", t->counts.filtered);
	jw_uint_field(t->jw, "duration_ns", mono_ns() - start);
	jw_end_object(t->jw);
	jw_end_object(t->jw);
	jw_destroy(t->jw);
	dmabuf_trace_close(tr);
	if (fclose(t->f))
		return -ENOMEM;
	if (ret < 0 && ret != -EINTR) {
		t->state = DMABUF_SOURCE_PARTIAL;
		t->err = -ret;
		snprintf(t->detail, sizeof(t->detail), "reading events failed: %s", strerror(-ret));
	} else {
		t->state = t->dropped || t->counts.lost ? DMABUF_SOURCE_PARTIAL : DMABUF_SOURCE_OK;
		snprintf(t->detail, sizeof(t->detail), "%" PRIu64 " events, %" PRIu64 " lost, %"
			 PRIu64 " left out at the size cap", t->written, t->counts.lost,
			 t->dropped);
	}
	return 0;
}

/* --- the generated files ----------------------------------------------------- */

static int findings_text(const struct dmabuf_snapshot *s, struct rbuf *out)
{
	struct dmabuf_finding *f = NULL;
	size_t n = 0, i;

	if (dmabuf_findings(s, NULL, &f, &n))
		return -ENOMEM;
	/* exactly what `dmabuf check` prints */
	for (i = 0; i < n; i++)
		rbuf_printf(out, "%-9s ino %-8" PRIu64 " %s\n          -> %s\n",
			    dmabuf_finding_kind_name(f[i].kind), f[i].ino, f[i].what,
			    f[i].consequence);
	rbuf_printf(out, "%zu finding%s in %zu buffers\n", n, n == 1 ? "" : "s", s->n_buf);
	free(f);
	return out->err;
}

static int snapshot_json(const struct dmabuf_snapshot *s, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	struct json_writer *jw = f ? jw_new(f, false) : NULL;

	if (!jw) {
		if (f)
			fclose(f);
		return -ENOMEM;
	}
	dmabuf_json_snapshot(jw, s, NULL);
	jw_destroy(jw);
	return fclose(f) ? -ENOMEM : 0;
}

struct withheld {
	char **path;
	size_t n;
};

struct manifest_in {
	const struct dmabuf_report_opts *o;
	const struct dmabuf_snapshot *s;
	const struct dmabuf_capture *c;
	const struct report_context *ctx;
	const struct trace_run *trace;
	const struct withheld *wh;
	const struct dmabuf_redact *r;
	size_t files;
	uint64_t bytes;
	unsigned int missing;
};

static void status_obj(struct json_writer *jw, const char *name, int state, int err,
		       const char *detail)
{
	jw_string_field(jw, "name", name);
	jw_string_field(jw, "state", dmabuf_source_state_name(state));
	jw_string_field(jw, "error", err ? strerror(err) : NULL);
	jw_string_field(jw, "detail", detail && *detail ? detail : NULL);
}

/* "what: state (error): detail" of everything not read completely; the count. */
static unsigned int missing(struct json_writer *jw, const struct manifest_in *m)
{
	unsigned int n = 0, bit, i;
	char line[512];

	jw_name(jw, "missing");
	jw_start_array(jw);
	for (bit = 0; bit < DMABUF_SRC_COUNT; bit++) {
		const struct dmabuf_source_status *st = &m->s->status[bit];

		if (st->state == DMABUF_SOURCE_OK || st->state == DMABUF_SOURCE_UNUSED)
			continue;
		snprintf(line, sizeof(line), "source %s: %s%s%s%s: %s", dmabuf_source_name(bit),
			 dmabuf_source_state_name(st->state), st->err ? " (" : "",
			 st->err ? strerror(st->err) : "", st->err ? ")" : "", st->detail);
		jw_string(jw, line);
		n++;
	}
	for (i = 0; i < m->ctx->n; i++) {
		const struct report_note *nt = &m->ctx->note[i];

		if (nt->state == DMABUF_SOURCE_OK)
			continue;
		snprintf(line, sizeof(line), "%s: %s: %s", nt->what,
			 dmabuf_source_state_name(nt->state), nt->detail);
		jw_string(jw, line);
		n++;
	}
	if (m->trace && m->trace->state != DMABUF_SOURCE_OK) {
		snprintf(line, sizeof(line), "trace: %s: %s",
			 dmabuf_source_state_name(m->trace->state), m->trace->detail);
		jw_string(jw, line);
		n++;
	}
	jw_end_array(jw);
	return n;
}

static int manifest(struct manifest_in *m, char **out, size_t *len)
{
	const struct dmabuf_capture *c = m->c;
	FILE *f = open_memstream(out, len);
	struct json_writer *jw = f ? jw_new(f, true) : NULL;
	time_t now = (time_t)(m->s->taken_ns / 1000000000ull);
	char utc[32], cmdline[sizeof(m->ctx->cmdline)];
	unsigned int bit, i;
	struct tm tm;

	if (!jw) {
		if (f)
			fclose(f);
		return -ENOMEM;
	}
	gmtime_r(&now, &tm);
	strftime(utc, sizeof(utc), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(cmdline, sizeof(cmdline), "%s", m->ctx->cmdline);
	if (m->r) {
		struct rbuf rb = { 0 };

		if (dmabuf_redact_entry(m->r, "proc/cmdline", DMABUF_CAP_FILE, cmdline,
					strlen(cmdline), &rb) == REDACT_REWRITTEN && rb.p)
			snprintf(cmdline, sizeof(cmdline), "%s", rb.p);
		free(rb.p);
	}
	jw_start_object(jw);
	jw_uint_field(jw, "format", 1);
	jw_name(jw, "tool");
	jw_start_object(jw);
	jw_string_field(jw, "name", "dmabuf report");
	jw_string_field(jw, "version", m->o->tool_version ? m->o->tool_version : "?");
	jw_end_object(jw);
	jw_name(jw, "time");
	jw_start_object(jw);
	jw_string_field(jw, "utc", utc);
	jw_uint_field(jw, "unix_ns", m->s->taken_ns);
	jw_end_object(jw);
	jw_string_field(jw, "root", m->s->root);
	jw_name(jw, "kernel");
	jw_start_object(jw);
	jw_string_field(jw, "release", m->s->kernel.release[0] ? m->s->kernel.release : NULL);
	jw_string_field(jw, "cmdline", cmdline[0] ? cmdline : NULL);
	jw_end_object(jw);
	jw_name(jw, "options");
	jw_start_object(jw);
	jw_uint_field(jw, "trace_seconds", m->o->trace_seconds);
	jw_bool_field(jw, "redact", m->o->redact);
	jw_uint_field(jw, "file_cap", c->file_cap);
	jw_uint_field(jw, "total_cap", c->total_cap);
	jw_end_object(jw);
	dmabuf_report_capabilities(jw, m->s);
	jw_name(jw, "sources");
	jw_start_array(jw);
	for (bit = 0; bit < DMABUF_SRC_COUNT; bit++) {
		const struct dmabuf_source_status *st = &m->s->status[bit];

		if (1u << bit == DMABUF_SRC_DERIVED)
			continue;
		jw_start_object(jw);
		status_obj(jw, dmabuf_source_name(bit), st->state, st->err, st->detail);
		jw_bool_field(jw, "used", m->s->used & (1u << bit));
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "context");
	jw_start_array(jw);
	for (i = 0; i < m->ctx->n; i++) {
		const struct report_note *nt = &m->ctx->note[i];

		jw_start_object(jw);
		status_obj(jw, nt->what, nt->state, nt->err, nt->detail);
		jw_string_field(jw, "path", nt->path[0] ? nt->path : NULL);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "trace");
	if (m->trace) {
		jw_start_object(jw);
		status_obj(jw, REPORT_TRACE, m->trace->state, m->trace->err, m->trace->detail);
		jw_uint_field(jw, "events", m->trace->written);
		jw_uint_field(jw, "lost", m->trace->counts.lost);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	m->missing = missing(jw, m);
	jw_name(jw, "truncated");
	jw_start_array(jw);
	for (i = 0; i < c->n; i++) {
		if (c->e[i].type == DMABUF_CAP_NONE || c->e[i].seen <= c->e[i].len)
			continue;
		jw_start_object(jw);
		jw_string_field(jw, "path", c->e[i].path);
		jw_uint_field(jw, "read", c->e[i].seen);
		jw_uint_field(jw, "kept", c->e[i].len);
		jw_end_object(jw);
	}
	if (c->bpf_cut) {
		jw_start_object(jw);
		jw_string_field(jw, "path", REPORT_RECORDS);
		jw_uint_field(jw, "read", c->bpf_seen);
		jw_uint_field(jw, "kept", c->bpf_len);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "withheld");
	jw_start_array(jw);
	for (i = 0; i < m->wh->n; i++)
		jw_string(jw, m->wh->path[i]);
	jw_end_array(jw);
	jw_bool_field(jw, "capture_complete", !c->err);
	jw_uint_field(jw, "files", m->files);
	jw_uint_field(jw, "bytes", m->bytes);
	jw_end_object(jw);
	jw_destroy(jw);
	return fclose(f) ? -ENOMEM : 0;
}

/* --- putting it together ------------------------------------------------------ */

struct out {
	struct bundle_writer *w;
	size_t files;
	uint64_t bytes;
	int err;
};

static void add(struct out *o, const char *path, enum dmabuf_capture_type type, const void *data,
		size_t len)
{
	if (o->err)
		return;
	o->err = bundle_writer_add(o->w, path, type, data, len);
	o->files++;
	o->bytes += len;
}

/* The captured entries, redacted when asked; what could not be redacted is withheld. */
static int add_tree(struct out *o, const struct dmabuf_capture *c, const struct dmabuf_redact *r,
		    struct withheld *wh)
{
	size_t i;

	for (i = 0; i < c->n && !o->err; i++) {
		const struct dmabuf_capture_entry *e = &c->e[i];
		struct rbuf rb = { 0 };
		int rr = REDACT_KEEP;

		/* a link the total cap left empty cannot be made: the manifest lists it */
		if (e->type == DMABUF_CAP_NONE || (e->type == DMABUF_CAP_LINK && !e->len))
			continue;
		if (r)
			rr = dmabuf_redact_entry(r, e->path, e->type, e->data ? e->data : "",
						 e->len, &rb);
		if (rr < 0) {
			free(rb.p);
			return rr;
		}
		if (rr == REDACT_WITHHOLD) {
			char **np = realloc(wh->path, (wh->n + 1) * sizeof(*np));

			if (!np || !(np[wh->n] = strdup(e->path))) {
				free(np ? np : wh->path);
				wh->path = NULL;
				wh->n = 0;
				free(rb.p);
				return -ENOMEM;
			}
			wh->path = np;
			wh->n++;
		} else if (rr == REDACT_REWRITTEN) {
			add(o, e->path, e->type, rb.p ? rb.p : "", rb.len);
		} else {
			add(o, e->path, e->type, e->data ? e->data : "", e->len);
		}
		free(rb.p);
	}
	return o->err;
}

/* argv[0] of each captured command line: learnt, so the log loses it too. */
static int learn_cmdlines(struct dmabuf_redact *r, const struct dmabuf_capture *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct dmabuf_capture_entry *e = &c->e[i];
		const char *slash, *a0;
		size_t n;

		if (e->type != DMABUF_CAP_FILE || !e->len || strncmp(e->path, "proc/", 5) ||
		    strlen(e->path) < 8 || strcmp(e->path + strlen(e->path) - 8, "/cmdline"))
			continue;
		a0 = e->data;
		n = strnlen(a0, e->len);
		slash = memrchr(a0, '/', n);
		if (dmabuf_redact_learn(r, REDACT_CMDLINE, a0, n) ||
		    (slash && dmabuf_redact_learn(r, REDACT_CMDLINE, slash + 1,
						  n - (size_t)(slash + 1 - a0))))
			return -ENOMEM;
	}
	return 0;
}

struct job {
	const struct dmabuf_report_opts *o;
	struct dmabuf_snapshot *s;
	struct dmabuf_capture *c;
	struct dmabuf_redact *r;
	struct report_context ctx;
	struct trace_run trace;
	char *trace_text, *json, *man;
	size_t trace_len, json_len, man_len;
	struct rbuf findings, records, sources;
	struct withheld wh;
};

static int write_bundle(struct job *j, struct dmabuf_report_result *res, char *err, size_t errlen)
{
	struct manifest_in m = { .o = j->o, .s = j->s, .c = j->c, .ctx = &j->ctx, .wh = &j->wh,
				 .r = j->r, .trace = j->o->trace_seconds ? &j->trace : NULL };
	time_t now = (time_t)(j->s->taken_ns / 1000000000ull);
	char top[64], stamp[32];
	struct out o = { 0 };
	struct tm tm;
	int ret;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(top, sizeof(top), "dmabuf-report-%s", stamp);
	if (j->o->output)
		snprintf(res->path, sizeof(res->path), "%s", j->o->output);
	else
		snprintf(res->path, sizeof(res->path), "%s.tar.gz", top);
	ret = bundle_writer_open(&o.w, res->path, top, (int64_t)now, err, errlen);
	if (ret)
		return ret;
	add(&o, REPORT_README, DMABUF_CAP_FILE, readme, sizeof(readme) - 1);
	ret = add_tree(&o, j->c, j->r, &j->wh);
	if (!ret && j->c->bpf_ran)
		add(&o, REPORT_RECORDS, DMABUF_CAP_FILE, j->records.p ? j->records.p : "",
		    j->records.len);
	add(&o, REPORT_SOURCES, DMABUF_CAP_FILE, j->sources.p, j->sources.len);
	add(&o, REPORT_SNAPSHOT, DMABUF_CAP_FILE, j->json, j->json_len);
	add(&o, REPORT_FINDINGS, DMABUF_CAP_FILE, j->findings.p, j->findings.len);
	if (j->trace_text)
		add(&o, REPORT_TRACE, DMABUF_CAP_FILE, j->trace_text, j->trace_len);
	ret = ret ? ret : o.err;
	if (!ret) {
		m.files = o.files + 1;
		m.bytes = o.bytes;
		ret = manifest(&m, &j->man, &j->man_len);
		if (!ret)
			add(&o, REPORT_MANIFEST, DMABUF_CAP_FILE, j->man, j->man_len);
		ret = o.err;
	}
	if (ret) {
		snprintf(err, errlen, "writing %s: %s", res->path, strerror(-ret));
		bundle_writer_abort(o.w);
		return ret;
	}
	res->files = o.files;
	res->bytes = o.bytes;
	res->missing = m.missing;
	res->cut = j->c->cut;
	return bundle_writer_close(o.w, err, errlen);
}

static int run(struct job *j, struct dmabuf_report_result *res, char *err, size_t errlen)
{
	const struct dmabuf_report_opts *o = j->o;
	int ret;

	progress(o, "taking the snapshot of %s", j->s->root);
	j->s->capture = j->c;
	ret = dmabuf_collect(j->s, NULL);
	j->s->capture = NULL;
	if (ret)
		return ret;
	progress(o, "%zu buffers; %zu bytes of sources captured", j->s->n_buf, j->c->total);
	if (o->trace_seconds && (ret = trace(o, &j->trace, &j->trace_text, &j->trace_len)))
		return ret;
	ret = dmabuf_report_context(j->s, j->c, &j->ctx);
	if (ret)
		return ret;
	if (o->redact) {
		j->r = dmabuf_redact_new();
		if (!j->r || dmabuf_redact_snapshot(j->r, j->s) || learn_cmdlines(j->r, j->c))
			return -ENOMEM;
	}
	if (j->c->bpf_ran)
		dmabuf_records_text(j->c, j->r, &j->records);
	dmabuf_sources_text(j->s, &j->sources);
	if (j->records.err || j->sources.err || findings_text(j->s, &j->findings) ||
	    snapshot_json(j->s, &j->json, &j->json_len))
		return -ENOMEM;
	return write_bundle(j, res, err, errlen);
}

int dmabuf_report(const struct dmabuf_report_opts *o, struct dmabuf_report_result *res,
		  char *err, size_t errlen)
{
	struct job j = { .o = o };
	size_t i;
	int ret;

	memset(res, 0, sizeof(*res));
	res->privileged = geteuid() == 0;
	err[0] = '\0';
	j.c = dmabuf_capture_new(o->file_cap, o->total_cap);
	j.s = dmabuf_snapshot_new(o->root);
	ret = j.c && j.s ? run(&j, res, err, errlen) : -ENOMEM;
	if (ret && !err[0])
		snprintf(err, errlen, "%s", strerror(-ret));
	dmabuf_snapshot_free(j.s);
	dmabuf_capture_free(j.c);
	dmabuf_redact_free(j.r);
	free(j.trace_text);
	free(j.json);
	free(j.man);
	free(j.findings.p);
	free(j.records.p);
	free(j.sources.p);
	for (i = 0; i < j.wh.n; i++)
		free(j.wh.path[i]);
	free(j.wh.path);
	return ret;
}
