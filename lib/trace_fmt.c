// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * trace_fmt.c - the pure half of the tracer: records of bpf/trace.bpf.c
 * decoded into struct dmabuf_trace_event, event names, filters, and the two
 * printed forms of an event: a text line under 100 columns and one JSON
 * object whose schema dmabuf-trace(8) documents (every field always present,
 * null when it does not apply).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "trace.h"
#include "views.h"

static const char *const event_names[TRACE_EV__COUNT] = {
	[TRACE_EV_EXPORT] = "export",
	[TRACE_EV_FD] = "fd",
	[TRACE_EV_GET] = "get",
	[TRACE_EV_ATTACH] = "attach",
	[TRACE_EV_DETACH] = "detach",
	[TRACE_EV_MAP] = "map",
	[TRACE_EV_UNMAP] = "unmap",
	[TRACE_EV_MOVE] = "move",
	[TRACE_EV_PIN] = "pin",
	[TRACE_EV_UNPIN] = "unpin",
	[TRACE_EV_BEGIN_CPU] = "begin_cpu_access",
	[TRACE_EV_END_CPU] = "end_cpu_access",
	[TRACE_EV_MMAP] = "mmap",
	[TRACE_EV_VMAP] = "vmap",
	[TRACE_EV_VUNMAP] = "vunmap",
	[TRACE_EV_RELEASE] = "release",
};

/* The text column is 9 wide: the two long names are shortened there only. */
static const char *short_name(unsigned int kind)
{
	if (kind == TRACE_EV_BEGIN_CPU)
		return "begin_cpu";
	if (kind == TRACE_EV_END_CPU)
		return "end_cpu";
	return dmabuf_trace_event_name(kind);
}

const char *dmabuf_trace_event_name(unsigned int kind)
{
	return kind < TRACE_EV__COUNT ? event_names[kind] : NULL;
}

const char *dmabuf_trace_dir_name(int dir)
{
	static const char *const names[] = { "bidirectional", "to_device", "from_device", "none" };

	return dir >= 0 && dir < 4 ? names[dir] : NULL;
}

const char *dmabuf_trace_method_name(unsigned int method)
{
	switch (method) {
	case TRACE_M_TRACEPOINT:
		return "tracepoint";
	case TRACE_M_FENTRY:
		return "fentry";
	case TRACE_M_KPROBE:
		return "kprobe";
	}
	return "none";
}

bool dmabuf_trace_contract_text(unsigned int contract, char *buf, size_t size)
{
	static const char *const what[] = {
		[TRACE_CONTRACT_NOT_HELD] = "reservation lock not held",
		[TRACE_CONTRACT_OTHER_TASK] = "reservation lock held by another task, not the caller",
		[TRACE_CONTRACT_HELD] = "reservation lock held by the caller",
	};
	static const char *const why[] = {
		[TRACE_RULE_NONE] = "",
		[TRACE_RULE_ALL_CALLERS] = "every caller must hold it (6.2+ convention)",
		[TRACE_RULE_IMP_DYNAMIC] = "a dynamic importer must hold it",
		[TRACE_RULE_EXP_DYNAMIC] = "a dynamic exporter's mapping needs it held",
		[TRACE_RULE_PIN_MOVE] = "pin, unpin and move need it held",
		[TRACE_RULE_MIGHT_LOCK] = "must not be held: the exporter may take it",
	};
	unsigned int code = TRACE_CONTRACT_CODE(contract), rule = TRACE_CONTRACT_RULE(contract);

	if (size)
		buf[0] = '\0';
	if (!code || code > TRACE_CONTRACT_HELD)
		return code != 0;
	snprintf(buf, size, "%s%s%s", what[code], rule && rule <= TRACE_RULE_MIGHT_LOCK ? ": " : "",
		 rule <= TRACE_RULE_MIGHT_LOCK ? why[rule] : "");
	return true;
}

int dmabuf_trace_parse_events(const char *list, uint32_t *mask, char *bad, size_t badlen)
{
	const char *p = list;

	*mask = 0;
	if (badlen)
		bad[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, ","), k;

		for (k = 0; k < TRACE_EV__COUNT; k++)
			if (strlen(event_names[k]) == len && !strncmp(p, event_names[k], len))
				break;
		if (k == TRACE_EV__COUNT) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -EINVAL;
		}
		*mask |= 1u << k;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!*mask) {
		snprintf(bad, badlen, "%s", list);
		return -EINVAL;
	}
	return 0;
}

/* --- decoding ------------------------------------------------------------ */

static void copy_str(char *dst, const char *src, size_t size)
{
	const char *nul = memchr(src, '\0', size);
	size_t n = nul ? (size_t)(nul - src) : size;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int tri(uint32_t flags, uint32_t known, uint32_t value)
{
	return flags & known ? !!(flags & value) : -1;
}

int dmabuf_trace_decode(const void *data, size_t len, struct dmabuf_trace_event *ev)
{
	struct trace_rec r;
	uint32_t f;
	unsigned int i;

	if (len < sizeof(r))
		return -EINVAL;
	memcpy(&r, data, sizeof(r));
	if (r.kind >= TRACE_EV__COUNT || r.size_rec < sizeof(r) || r.size_rec > len)
		return -EINVAL;
	if (r.kind == TRACE_EV_MOVE && r.size_rec < sizeof(struct trace_move_rec))
		return -EINVAL;
	f = r.flags;
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = r.ts_ns;
	ev->kind = r.kind;
	ev->method = r.method;
	ev->pid = r.pid;
	ev->tid = r.tid;
	copy_str(ev->comm, r.comm, sizeof(r.comm));
	ev->has_buf = f & TRACE_F_HAS_BUF;
	if (ev->has_buf) {
		ev->ino = r.ino;
		ev->size = r.size;
		copy_str(ev->exporter, r.exporter, sizeof(r.exporter));
		ev->has_name = f & TRACE_F_HAS_NAME;
		if (ev->has_name)
			copy_str(ev->name, r.name, sizeof(r.name));
	}
	ev->has_device = f & TRACE_F_HAS_DEV;
	if (ev->has_device)
		copy_str(ev->device, r.device, sizeof(r.device));
	ev->dir = f & TRACE_F_HAS_DIR && r.dir <= 3 ? (int)r.dir : -1;
	ev->importer_dynamic = tri(f, TRACE_F_IMP_DYN_KNOWN, TRACE_F_IMP_DYN);
	ev->exporter_dynamic = tri(f, TRACE_F_EXP_DYN_KNOWN, TRACE_F_EXP_DYN);
	ev->p2p = tri(f, TRACE_F_P2P_KNOWN, TRACE_F_P2P);
	ev->cached = tri(f, TRACE_F_CACHED_KNOWN, TRACE_F_CACHED);
	ev->pinned = tri(f, TRACE_F_PINNED_KNOWN, TRACE_F_PINNED);
	ev->has_latency = f & TRACE_F_HAS_LATENCY;
	ev->latency_ns = ev->has_latency ? r.latency_ns : 0;
	ev->has_ret = f & TRACE_F_HAS_RET;
	ev->ret = ev->has_ret ? (int64_t)r.ret : 0;
	ev->has_fd = f & TRACE_F_HAS_FD;
	ev->fd = ev->has_fd ? (int)r.fd : -1;
	ev->resv = f & TRACE_F_HAS_RESV && r.resv <= TRACE_RESV_OTHER ? (int)r.resv : -1;
	ev->contract = r.contract;
	ev->has_stack = f & TRACE_F_HAS_STACK;
	ev->stack_id = r.stack_id;
	ev->attach = r.attach;
	if (r.kind == TRACE_EV_MOVE) {
		struct trace_move_rec m;

		memcpy(&m, data, sizeof(m));
		ev->is_move = true;
		ev->notified = m.notified;
		ev->attachments = m.attachments;
		for (i = 0; i < TRACE_MOVE_DEVS; i++)
			copy_str(ev->notified_dev[i], m.notified_dev[i], TRACE_DEV_LEN);
	}
	return 0;
}

/* --- filters ------------------------------------------------------------- */

bool dmabuf_trace_filter_match(const struct dmabuf_trace_filter *f,
			       const struct dmabuf_trace_event *ev)
{
	if (f->events && !(f->events & (1u << ev->kind)))
		return false;
	if (f->pid && (pid_t)ev->pid != f->pid)
		return false;
	if (f->comm && strncmp(ev->comm, f->comm, TRACE_COMM_LEN))
		return false;
	if (f->ino && (!ev->has_buf || ev->ino != f->ino))
		return false;
	if (f->exporter && (!ev->has_buf || strcmp(ev->exporter, f->exporter)))
		return false;
	if (f->device && (!ev->has_device || strcmp(ev->device, f->device)))
		return false;
	return true;
}

/* --- text ---------------------------------------------------------------- */

#define W_COMM 15
#define W_EVENT 9
#define W_EXP 10
#define W_DEV 16

const char *dmabuf_trace_header(void)
{
	return "TIME(s)        PID COMM            EVENT        INO EXPORTER   DEVICE           DETAIL";
}

/* Does S need dmabuf_escape()? Printable ASCII without a backslash does not. */
static bool plain(const char *s, size_t *len)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '\\')
			return false;
	*len = i;
	return true;
}

/* Escapes S and cuts it to WIDTH bytes (OUT has WIDTH + 1); a cut ends in '+'. */
static void cell(char *out, const char *s, size_t width)
{
	size_t len;

	if (plain(s, &len)) {
		/* what dmabuf_escape() does to such a string: nothing */
		if (len > width) {
			memcpy(out, s, width - 1);
			out[width - 1] = '+';
			out[width] = '\0';
		} else {
			memcpy(out, s, len + 1);
		}
		return;
	}
	len = strlen(s);
	/* dmabuf_escape() never cuts inside an escape sequence */
	if (dmabuf_escape(s, len, out, width + 1) > width) {
		dmabuf_escape(s, len, out, width);
		strcat(out, "+");
	}
}

/* The decimal digits of V at the end of D[20]; returns where they start. */
static char *digits(char *d, uint64_t v)
{
	char *p = d + 20;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* V as text into BUF (at least 21 bytes), NEG with a minus sign; returns its length. */
static size_t dec(char *buf, uint64_t v, bool neg)
{
	char d[20], *p = digits(d, v);
	size_t n = (size_t)(d + 20 - p);

	if (neg)
		*buf++ = '-';
	memcpy(buf, p, n);
	buf[n] = '\0';
	return n + neg;
}

/*
 * Integers give what printf gives for a double N / 1e9 rounded to a few
 * decimals as long as N is at least 1 away from a tie and the double is
 * closer than that to N / 1e9: below 2^23 seconds (97 days) it is.
 */
#define EXACT_NS (1000000000ull << 23)

/*
 * V / SCALE with one decimal and UNIT, as "%.1f" rounds it. A tie (a
 * remainder of exactly half a tenth) depends on the double's binary value:
 * that case, and the huge, go through printf.
 */
static void tenths(uint64_t v, uint64_t scale, const char *unit, char *buf, size_t len)
{
	uint64_t tenth = scale / 10, q = v / tenth, r = v % tenth;
	char d[20], *p;
	size_t n;

	if (r * 2 == tenth || v >= EXACT_NS) {
		snprintf(buf, len, "%.1f%s", (double)v / (double)scale, unit);
		return;
	}
	q += r * 2 > tenth;
	p = digits(d, q / 10);
	n = (size_t)(d + 20 - p);
	if (n + 2 + strlen(unit) >= len) {
		snprintf(buf, len, "%.1f%s", (double)v / (double)scale, unit);
		return;
	}
	memcpy(buf, p, n);
	buf[n] = '.';
	buf[n + 1] = (char)('0' + q % 10);
	strcpy(buf + n + 2, unit);
}

static void fmt_latency(uint64_t ns, char *buf, size_t len)
{
	char d[20], *p;
	size_t n;

	if (ns < 1000 || (ns >= 10000 && ns < 1000000)) {
		p = digits(d, ns < 1000 ? ns : ns / 1000);
		n = (size_t)(d + 20 - p);
		if (n + 3 > len)
			return;
		memcpy(buf, p, n);
		memcpy(buf + n, ns < 1000 ? "ns" : "us", 3);
	} else if (ns < 10000) {
		tenths(ns, 1000, "us", buf, len);
	} else if (ns < 1000000000) {
		tenths(ns, 1000000, "ms", buf, len);
	} else {
		tenths(ns, 1000000000, "s", buf, len);
	}
}

static const char *short_dir(int dir)
{
	static const char *const names[] = { "bidi", "to", "from", "none" };

	return dir >= 0 && dir < 4 ? names[dir] : "";
}

/* Appends WORD to BUF (LEN bytes), a blank before it unless first; cuts at LEN - 1. */
static void add(char *buf, size_t len, const char *word)
{
	size_t used = strlen(buf), n;

	if (!word[0] || used + 1 >= len)
		return;
	if (used)
		buf[used++] = ' ';
	n = strlen(word);
	if (n > len - 1 - used)
		n = len - 1 - used;
	memcpy(buf + used, word, n);
	buf[used + n] = '\0';
}

/* The DETAIL column: what matters for this kind of event, shortest first. */
static void detail(const struct dmabuf_trace_event *ev, char *buf, size_t len)
{
	char w[32];

	buf[0] = '\0';
	if (TRACE_CONTRACT_CODE(ev->contract)) {
		static const char *const code[] = { "", "!resv-not-held", "!resv-other-task",
						    "!resv-held" };
		unsigned int c = TRACE_CONTRACT_CODE(ev->contract);

		add(buf, len, c <= 3 ? code[c] : "!contract");
	}
	if (ev->has_ret && ev->ret) {
		memcpy(w, "err=", 4);
		dec(w + 4, ev->ret < 0 ? -(uint64_t)ev->ret : (uint64_t)ev->ret, ev->ret < 0);
		add(buf, len, w);
	}
	switch (ev->kind) {
	case TRACE_EV_EXPORT:
		if (ev->has_buf) {
			dmabuf_format_size(ev->size, 0, w, sizeof(w));
			add(buf, len, w);
			add(buf, len, ev->exporter_dynamic == 1 ? "dyn" :
				      ev->exporter_dynamic == 0 ? "static" : "");
		}
		break;
	case TRACE_EV_FD:
	case TRACE_EV_GET:
		if (ev->has_fd) {
			memcpy(w, "fd=", 3);
			dec(w + 3, ev->fd < 0 ? -(uint64_t)ev->fd : (uint64_t)ev->fd, ev->fd < 0);
			add(buf, len, w);
		}
		break;
	case TRACE_EV_ATTACH:
	case TRACE_EV_DETACH:
		add(buf, len, ev->importer_dynamic == 1 ? "dyn" :
			      ev->importer_dynamic == 0 ? "static" : "");
		add(buf, len, ev->p2p == 1 ? "p2p" : "");
		add(buf, len, ev->cached == 1 ? "hit" : "");
		add(buf, len, ev->pinned == 1 ? "pin" : "");
		break;
	case TRACE_EV_MOVE:
		snprintf(w, sizeof(w), "notified %u/%u", ev->notified, ev->attachments);
		add(buf, len, w);
		break;
	case TRACE_EV_MMAP:
	case TRACE_EV_VMAP:
	case TRACE_EV_VUNMAP:
	case TRACE_EV_RELEASE:
		if (ev->has_buf && !(ev->has_ret && ev->ret)) {
			dmabuf_format_size(ev->size, 0, w, sizeof(w));
			add(buf, len, w);
		}
		break;
	default:
		break;
	}
	add(buf, len, short_dir(ev->dir));
	if (ev->has_latency) {
		fmt_latency(ev->latency_ns, w, sizeof(w));
		add(buf, len, w);
	}
	if (ev->kind == TRACE_EV_MAP || ev->kind == TRACE_EV_UNMAP) {
		add(buf, len, ev->cached == 1 ? "hit" : "");
		add(buf, len, ev->pinned == 1 ? "pin" : "");
	}
}

/* S left-aligned in WIDTH columns (longer: all of it) at P; returns the end. */
static char *left(char *p, const char *s, size_t width)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	for (; n < width; n++)
		p[n] = ' ';
	return p + n;
}

static char *right(char *p, const char *s, size_t n, size_t width)
{
	for (; width > n; width--)
		*p++ = ' ';
	memcpy(p, s, n);
	return p + n;
}

/* TIME(s): "%.6f" of the seconds, from integers (a tie goes through printf) */
static char *seconds(char *p, uint64_t ns)
{
	uint64_t us = ns / 1000 + (ns % 1000 > 500);
	char d[20], *q;
	size_t n;

	if (ns % 1000 == 500 || ns >= EXACT_NS)
		return p + sprintf(p, "%.6f", ns / 1e9);
	q = digits(d, us / 1000000);
	n = (size_t)(d + 20 - q);
	memcpy(p, q, n);
	p += n;
	*p++ = '.';
	q = digits(d, us % 1000000 + 1000000);	/* six digits, leading zeros kept */
	memcpy(p, q + 1, 6);
	return p + 6;
}

/*
 * The columns as "%-10.6f %7u %-15s %-9s %6s %-10s %-16s " would print them,
 * then DETAIL in what is left of 99 columns; built by hand (this runs for
 * every event the reader prints).
 */
void dmabuf_trace_line(char *buf, size_t size, const struct dmabuf_trace_event *ev,
		       uint64_t t0_ns)
{
	char comm[W_COMM + 1], exp[W_EXP + 1], dev[W_DEV + 1], ino[24], det[64], num[20];
	char line[256], *p = line, *q;
	size_t room, n, ino_len;

	if (!size)
		return;
	cell(comm, ev->comm, W_COMM);
	cell(exp, ev->has_buf ? ev->exporter : "-", W_EXP);
	cell(dev, ev->has_device ? ev->device : "-", W_DEV);
	ino_len = ev->has_buf ? dec(ino, ev->ino, false) : 1;
	if (!ev->has_buf)
		memcpy(ino, "-", 2);
	q = p;
	p = seconds(p, ev->ts_ns >= t0_ns ? ev->ts_ns - t0_ns : 0);
	for (; p - q < 10; p++)
		*p = ' ';
	*p++ = ' ';
	q = digits(num, ev->pid);
	p = right(p, q, (size_t)(num + 20 - q), 7);
	*p++ = ' ';
	p = left(p, comm, W_COMM);
	*p++ = ' ';
	p = left(p, short_name(ev->kind), W_EVENT);
	*p++ = ' ';
	p = right(p, ino, ino_len, 6);
	*p++ = ' ';
	p = left(p, exp, W_EXP);
	*p++ = ' ';
	p = left(p, dev, W_DEV);
	*p++ = ' ';
	*p = '\0';
	n = (size_t)(p - line);
	if (n >= 98) {
		/* numbers wider than any real one: keep the promise anyway */
		snprintf(buf, size, "%s", line);
		if (size > 99) {
			buf[98] = '+';
			buf[99] = '\0';
		}
		return;
	}
	/* DETAIL gets what is left of 99 columns (a wide number pushed it right) */
	room = 99 - n;
	detail(ev, det, sizeof(det));
	if (strlen(det) > room) {
		det[room - 1] = '+';
		det[room] = '\0';
	}
	strcpy(p, det);
	/* no trailing blanks when DETAIL is empty */
	for (n = strlen(line); n && line[n - 1] == ' '; n--)
		line[n - 1] = '\0';
	if (n >= size)
		n = size - 1;
	memcpy(buf, line, n);
	buf[n] = '\0';
}

/* --- JSON ---------------------------------------------------------------- */

static void tri_field(struct json_writer *jw, const char *name, int v)
{
	if (v < 0)
		jw_null_field(jw, name);
	else
		jw_bool_field(jw, name, v);
}

void dmabuf_trace_json(struct json_writer *jw, const struct dmabuf_trace_event *ev,
		       const char *const *stack, int nstack)
{
	static const char *const resv_names[] = { "free", "caller", "other" };
	char contract[160];
	int i;

	jw_start_object(jw);
	jw_uint_field(jw, "ts_ns", ev->ts_ns);
	jw_string_field(jw, "event", dmabuf_trace_event_name(ev->kind));
	jw_uint_field(jw, "pid", ev->pid);
	jw_uint_field(jw, "tid", ev->tid);
	jw_string_field(jw, "comm", ev->comm);
	if (ev->has_buf) {
		jw_uint_field(jw, "ino", ev->ino);
		jw_string_field(jw, "exporter", ev->exporter);
		jw_uint_field(jw, "size", ev->size);
		jw_string_field(jw, "name", ev->has_name ? ev->name : NULL);
	} else {
		jw_null_field(jw, "ino");
		jw_null_field(jw, "exporter");
		jw_null_field(jw, "size");
		jw_null_field(jw, "name");
	}
	jw_string_field(jw, "device", ev->has_device ? ev->device : NULL);
	jw_string_field(jw, "direction", dmabuf_trace_dir_name(ev->dir));
	tri_field(jw, "importer_dynamic", ev->importer_dynamic);
	tri_field(jw, "exporter_dynamic", ev->exporter_dynamic);
	tri_field(jw, "p2p", ev->p2p);
	tri_field(jw, "cached", ev->cached);
	tri_field(jw, "pinned", ev->pinned);
	if (ev->has_latency)
		jw_uint_field(jw, "latency_ns", ev->latency_ns);
	else
		jw_null_field(jw, "latency_ns");
	if (ev->has_ret)
		jw_int_field(jw, "ret", ev->ret);
	else
		jw_null_field(jw, "ret");
	if (ev->has_fd)
		jw_int_field(jw, "fd", ev->fd);
	else
		jw_null_field(jw, "fd");
	jw_string_field(jw, "resv", ev->resv >= 0 && ev->resv <= 2 ? resv_names[ev->resv] : NULL);
	jw_string_field(jw, "contract",
			dmabuf_trace_contract_text(ev->contract, contract, sizeof(contract)) ?
			contract : NULL);
	jw_name(jw, "notified");
	if (ev->is_move) {
		jw_start_array(jw);
		for (i = 0; i < TRACE_MOVE_DEVS && (unsigned int)i < ev->notified; i++)
			jw_string(jw, ev->notified_dev[i]);
		jw_end_array(jw);
		jw_uint_field(jw, "notified_count", ev->notified);
		jw_uint_field(jw, "attachments", ev->attachments);
	} else {
		jw_null(jw);
		jw_null_field(jw, "notified_count");
		jw_null_field(jw, "attachments");
	}
	jw_string_field(jw, "probe", dmabuf_trace_method_name(ev->method));
	if (stack) {
		jw_name(jw, "stack");
		jw_start_array(jw);
		for (i = 0; i < nstack; i++)
			jw_string(jw, stack[i]);
		jw_end_array(jw);
	}
	jw_end_object(jw);
}

/*
 * --- JSON, the reader's way ----------------------------------------------
 * The bytes dmabuf_trace_json() has the json_writer print (compact), put
 * together directly: the member names are constants, numbers and strings
 * are written in place. The reader prints one of these per event; the
 * writer's per-member work was most of its cost.
 */
struct jbuf {
	char *buf;
	size_t size, len;	/* LEN counts what did not fit too */
};

static void jput(struct jbuf *b, const char *s, size_t n)
{
	if (b->len < b->size) {
		size_t room = b->size - b->len;

		memcpy(b->buf + b->len, s, n < room ? n : room);
	}
	b->len += n;
}

#define JLIT(b, lit) jput(b, lit, sizeof(lit) - 1)

static void jchar(struct jbuf *b, char c)
{
	jput(b, &c, 1);
}

static void juint(struct jbuf *b, uint64_t v)
{
	char d[20], *p = digits(d, v);

	jput(b, p, (size_t)(d + 20 - p));
}

static void jint(struct jbuf *b, int64_t v)
{
	if (v < 0)
		jchar(b, '-');
	juint(b, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

/* As the writer quotes a string: dmabuf_escape(), then '"' and '\' escaped for JSON. */
static void jstr(struct jbuf *b, const char *s)
{
	char esc[4 * 160 + 1], *big = NULL;
	const char *p;
	size_t len, need;

	if (!s) {
		JLIT(b, "null");
		return;
	}
	jchar(b, '"');
	if (plain(s, &len)) {
		for (p = s; (p = strchr(s, '"')); s = p + 1) {
			jput(b, s, (size_t)(p - s));
			JLIT(b, "\\\"");
		}
		jput(b, s, strlen(s));
		jchar(b, '"');
		return;
	}
	len = strlen(s);
	need = dmabuf_escape_max(len) + 1;
	p = need <= sizeof(esc) ? esc : (big = malloc(need));
	if (!p) {
		/* as the writer, out of memory: the value is lost, the line stays JSON */
		b->len--;
		JLIT(b, "null");
		return;
	}
	dmabuf_escape(s, len, (char *)p, need);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			jchar(b, '\\');
		jchar(b, *p);
	}
	jchar(b, '"');
	free(big);
}

static void jtri(struct jbuf *b, int v)
{
	if (v < 0)
		JLIT(b, "null");
	else if (v)
		JLIT(b, "true");
	else
		JLIT(b, "false");
}

size_t dmabuf_trace_json_line(char *buf, size_t size, const struct dmabuf_trace_event *ev,
			      const char *const *stack, int nstack)
{
	static const char *const resv_names[] = { "free", "caller", "other" };
	struct jbuf b = { buf, size, 0 };
	char contract[160];
	int i;

	JLIT(&b, "{\"ts_ns\":");
	juint(&b, ev->ts_ns);
	JLIT(&b, ",\"event\":");
	jstr(&b, dmabuf_trace_event_name(ev->kind));
	JLIT(&b, ",\"pid\":");
	juint(&b, ev->pid);
	JLIT(&b, ",\"tid\":");
	juint(&b, ev->tid);
	JLIT(&b, ",\"comm\":");
	jstr(&b, ev->comm);
	if (ev->has_buf) {
		JLIT(&b, ",\"ino\":");
		juint(&b, ev->ino);
		JLIT(&b, ",\"exporter\":");
		jstr(&b, ev->exporter);
		JLIT(&b, ",\"size\":");
		juint(&b, ev->size);
		JLIT(&b, ",\"name\":");
		jstr(&b, ev->has_name ? ev->name : NULL);
	} else {
		JLIT(&b, ",\"ino\":null,\"exporter\":null,\"size\":null,\"name\":null");
	}
	JLIT(&b, ",\"device\":");
	jstr(&b, ev->has_device ? ev->device : NULL);
	JLIT(&b, ",\"direction\":");
	jstr(&b, dmabuf_trace_dir_name(ev->dir));
	JLIT(&b, ",\"importer_dynamic\":");
	jtri(&b, ev->importer_dynamic);
	JLIT(&b, ",\"exporter_dynamic\":");
	jtri(&b, ev->exporter_dynamic);
	JLIT(&b, ",\"p2p\":");
	jtri(&b, ev->p2p);
	JLIT(&b, ",\"cached\":");
	jtri(&b, ev->cached);
	JLIT(&b, ",\"pinned\":");
	jtri(&b, ev->pinned);
	JLIT(&b, ",\"latency_ns\":");
	if (ev->has_latency)
		juint(&b, ev->latency_ns);
	else
		JLIT(&b, "null");
	JLIT(&b, ",\"ret\":");
	if (ev->has_ret)
		jint(&b, ev->ret);
	else
		JLIT(&b, "null");
	JLIT(&b, ",\"fd\":");
	if (ev->has_fd)
		jint(&b, ev->fd);
	else
		JLIT(&b, "null");
	JLIT(&b, ",\"resv\":");
	jstr(&b, ev->resv >= 0 && ev->resv <= 2 ? resv_names[ev->resv] : NULL);
	JLIT(&b, ",\"contract\":");
	jstr(&b, dmabuf_trace_contract_text(ev->contract, contract, sizeof(contract)) ?
		 contract : NULL);
	if (ev->is_move) {
		JLIT(&b, ",\"notified\":[");
		for (i = 0; i < TRACE_MOVE_DEVS && (unsigned int)i < ev->notified; i++) {
			if (i)
				jchar(&b, ',');
			jstr(&b, ev->notified_dev[i]);
		}
		JLIT(&b, "],\"notified_count\":");
		juint(&b, ev->notified);
		JLIT(&b, ",\"attachments\":");
		juint(&b, ev->attachments);
	} else {
		JLIT(&b, ",\"notified\":null,\"notified_count\":null,\"attachments\":null");
	}
	JLIT(&b, ",\"probe\":");
	jstr(&b, dmabuf_trace_method_name(ev->method));
	if (stack) {
		JLIT(&b, ",\"stack\":[");
		for (i = 0; i < nstack; i++) {
			if (i)
				jchar(&b, ',');
			jstr(&b, stack[i]);
		}
		jchar(&b, ']');
	}
	jchar(&b, '}');
	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return b.len;
}
