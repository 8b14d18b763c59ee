// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * trace_line.c - the forms the reader prints once per event: the text line
 * (under 100 columns) and the JSON line. Both are put together by hand,
 * without printf or the json_writer's per-member calls, and a column whose
 * input string repeats (the same process, exporter, device) is copied from
 * the last time: on a busy trace the reader's formatting was most of its
 * cost. tests/unit/test_trace_fmt.c holds them to the bytes of their
 * snprintf and json_writer references.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "trace.h"
#include "views.h"

/* The text column is 9 wide: the two long names are shortened there only. */
static const char *short_name(unsigned int kind)
{
	if (kind == TRACE_EV_BEGIN_CPU)
		return "begin_cpu";
	if (kind == TRACE_EV_END_CPU)
		return "end_cpu";
	return dmabuf_trace_event_name(kind);
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
		if ((unsigned char)s[i] - 0x20u >= 0x5fu || s[i] == '\\')
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

/* V as text into BUF (at least 21 bytes), NEG with a minus sign; returns its length. */
static size_t dec(char *buf, uint64_t v, bool neg)
{
	char d[20], *p = jp_digits(d, v);
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
	p = jp_digits(d, q / 10);
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
		p = jp_digits(d, ns < 1000 ? ns : ns / 1000);
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

/*
 * The cell of S (escaped, cut to WIDTH with '+') left-aligned in WIDTH
 * columns at P; returns the end. Printable ASCII is copied as it is checked.
 */
static char *put_cell(char *p, const char *s, size_t width)
{
	char tmp[4 * W_DEV + 2];
	size_t i, n;

	for (i = 0; i <= width; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!c) {
			for (; i < width; i++)
				p[i] = ' ';
			return p + width;
		}
		if (c - 0x20u >= 0x5fu || c == '\\')
			break;
		p[i] = (char)c;
	}
	if (i > width) {
		p[width - 1] = '+';
		return p + width;
	}
	cell(tmp, s, width);
	n = strlen(tmp);
	memcpy(p, tmp, n);
	for (; n < width; n++)
		p[n] = ' ';
	return p + n;
}

/*
 * The last input and cell of one column. Inputs are whole arrays of a
 * decoded event (zeroed past the string), so equal bytes are equal strings.
 */
struct cell_memo {
	bool valid;
	char in[TRACE_DEV_LEN + 1];
	char out[W_DEV];
};

static __thread struct cell_memo memo_comm, memo_exp, memo_dev;

/* put_cell() of the array S (LEN bytes), from the memo when S repeats */
static char *put_cell_memo(char *p, const char *s, size_t len, size_t width, struct cell_memo *m)
{
	if (m->valid && !memcmp(m->in, s, len)) {
		memcpy(p, m->out, width);
		return p + width;
	}
	p = put_cell(p, s, width);
	memcpy(m->in, s, len);
	memcpy(m->out, p - width, width);
	m->valid = true;
	return p;
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
	q = jp_digits(d, us / 1000000);
	n = (size_t)(d + 20 - q);
	memcpy(p, q, n);
	p += n;
	*p++ = '.';
	q = jp_digits(d, us % 1000000 + 1000000);	/* six digits, leading zeros kept */
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
	char ino[24], det[64], num[20];
	char line[256], *p = line, *q;
	size_t room, n, ino_len;

	if (!size)
		return;
	ino_len = ev->has_buf ? dec(ino, ev->ino, false) : 1;
	if (!ev->has_buf)
		memcpy(ino, "-", 2);
	q = p;
	p = seconds(p, ev->ts_ns >= t0_ns ? ev->ts_ns - t0_ns : 0);
	for (; p - q < 10; p++)
		*p = ' ';
	*p++ = ' ';
	q = jp_digits(num, ev->pid);
	p = right(p, q, (size_t)(num + 20 - q), 7);
	*p++ = ' ';
	p = put_cell_memo(p, ev->comm, sizeof(ev->comm), W_COMM, &memo_comm);
	*p++ = ' ';
	p = left(p, short_name(ev->kind), W_EVENT);
	*p++ = ' ';
	p = right(p, ino, ino_len, 6);
	*p++ = ' ';
	p = ev->has_buf ? put_cell_memo(p, ev->exporter, sizeof(ev->exporter), W_EXP, &memo_exp) :
			  put_cell(p, "-", W_EXP);
	*p++ = ' ';
	p = ev->has_device ? put_cell_memo(p, ev->device, sizeof(ev->device), W_DEV, &memo_dev) :
			     put_cell(p, "-", W_DEV);
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

/*
 * --- JSON, the reader's way ----------------------------------------------
 * The bytes dmabuf_trace_json() has the json_writer print (compact), put
 * together directly: the member names are constants, numbers and strings
 * are written in place, into a buffer known to be large enough (json_max()),
 * so no write checks its room. The reader prints one of these per event; the
 * writer's per-member work was most of its cost.
 */
/* The members, numbers and names of ours, the contract text: less than 1 KiB */
#define JSON_FIXED_MAX 1024

static size_t json_max(const char *const *stack, int nstack)
{
	size_t n = JSON_FIXED_MAX + JP_STR_MAX(TRACE_COMM_LEN) + JP_STR_MAX(TRACE_EXP_NAME_LEN) +
		   JP_STR_MAX(TRACE_NAME_LEN) + (TRACE_MOVE_DEVS + 1) * (JP_STR_MAX(TRACE_DEV_LEN) + 1);
	int i;

	for (i = 0; stack && i < nstack; i++)
		n += JP_STR_MAX(strlen(stack[i])) + 1;
	return n;
}

/* The last input of a string member and its quoted form (as cell_memo). */
struct json_memo {
	bool valid;
	size_t len;
	char in[TRACE_DEV_LEN + 1];
	char out[5 * TRACE_DEV_LEN + 2];
};

static __thread struct json_memo jmemo_comm, jmemo_exp, jmemo_name, jmemo_dev;

/* jp_str() of the array S (LEN bytes), from the memo when S repeats */
static char *jstr_memo(char *p, const char *s, size_t len, struct json_memo *m)
{
	char *start = p;

	if (m->valid && !memcmp(m->in, s, len)) {
		memcpy(p, m->out, m->len);
		return p + m->len;
	}
	p = jp_str(p, s);
	m->valid = (size_t)(p - start) <= sizeof(m->out);
	if (m->valid) {
		memcpy(m->in, s, len);
		m->len = (size_t)(p - start);
		memcpy(m->out, start, m->len);
	}
	return p;
}

/* A name of ours (event, direction, probe...): plain ASCII, nothing to escape */
static char *jname(char *p, const char *s)
{
	size_t n;

	if (!s)
		return JP_LIT(p, "null");
	n = strlen(s);
	*p = '"';
	memcpy(p + 1, s, n);
	p[n + 1] = '"';
	return p + n + 2;
}

static char *json_event(char *p, const struct dmabuf_trace_event *ev, const char *const *stack,
			int nstack)
{
	static const char *const resv_names[] = { "free", "caller", "other" };
	char contract[160];
	int i;

	p = JP_LIT(p, "{\"ts_ns\":");
	p = jp_uint(p, ev->ts_ns);
	p = JP_LIT(p, ",\"event\":");
	p = jname(p, dmabuf_trace_event_name(ev->kind));
	p = JP_LIT(p, ",\"pid\":");
	p = jp_uint(p, ev->pid);
	p = JP_LIT(p, ",\"tid\":");
	p = jp_uint(p, ev->tid);
	p = JP_LIT(p, ",\"comm\":");
	p = jstr_memo(p, ev->comm, sizeof(ev->comm), &jmemo_comm);
	if (ev->has_buf) {
		p = JP_LIT(p, ",\"ino\":");
		p = jp_uint(p, ev->ino);
		p = JP_LIT(p, ",\"exporter\":");
		p = jstr_memo(p, ev->exporter, sizeof(ev->exporter), &jmemo_exp);
		p = JP_LIT(p, ",\"size\":");
		p = jp_uint(p, ev->size);
		p = JP_LIT(p, ",\"name\":");
		p = ev->has_name ? jstr_memo(p, ev->name, sizeof(ev->name), &jmemo_name) :
				   JP_LIT(p, "null");
	} else {
		p = JP_LIT(p, ",\"ino\":null,\"exporter\":null,\"size\":null,\"name\":null");
	}
	p = JP_LIT(p, ",\"device\":");
	p = ev->has_device ? jstr_memo(p, ev->device, sizeof(ev->device), &jmemo_dev) :
			     JP_LIT(p, "null");
	p = JP_LIT(p, ",\"direction\":");
	p = jname(p, dmabuf_trace_dir_name(ev->dir));
	p = JP_LIT(p, ",\"importer_dynamic\":");
	p = jp_tri(p, ev->importer_dynamic);
	p = JP_LIT(p, ",\"exporter_dynamic\":");
	p = jp_tri(p, ev->exporter_dynamic);
	p = JP_LIT(p, ",\"p2p\":");
	p = jp_tri(p, ev->p2p);
	p = JP_LIT(p, ",\"cached\":");
	p = jp_tri(p, ev->cached);
	p = JP_LIT(p, ",\"pinned\":");
	p = jp_tri(p, ev->pinned);
	p = JP_LIT(p, ",\"latency_ns\":");
	p = ev->has_latency ? jp_uint(p, ev->latency_ns) : JP_LIT(p, "null");
	p = JP_LIT(p, ",\"ret\":");
	p = ev->has_ret ? jp_int(p, ev->ret) : JP_LIT(p, "null");
	p = JP_LIT(p, ",\"fd\":");
	p = ev->has_fd ? jp_int(p, ev->fd) : JP_LIT(p, "null");
	p = JP_LIT(p, ",\"resv\":");
	p = jname(p, ev->resv >= 0 && ev->resv <= 2 ? resv_names[ev->resv] : NULL);
	p = JP_LIT(p, ",\"contract\":");
	p = jp_str(p, dmabuf_trace_contract_text(ev->contract, contract, sizeof(contract)) ?
		 contract : NULL);
	if (ev->is_move) {
		p = JP_LIT(p, ",\"notified\":[");
		for (i = 0; i < TRACE_MOVE_DEVS && (unsigned int)i < ev->notified; i++) {
			if (i)
				*p++ = ',';
			p = jp_str(p, ev->notified_dev[i]);
		}
		p = JP_LIT(p, "],\"notified_count\":");
		p = jp_uint(p, ev->notified);
		p = JP_LIT(p, ",\"attachments\":");
		p = jp_uint(p, ev->attachments);
	} else {
		p = JP_LIT(p, ",\"notified\":null,\"notified_count\":null,\"attachments\":null");
	}
	p = JP_LIT(p, ",\"probe\":");
	p = jname(p, dmabuf_trace_method_name(ev->method));
	if (stack) {
		p = JP_LIT(p, ",\"stack\":[");
		for (i = 0; i < nstack; i++) {
			if (i)
				*p++ = ',';
			p = jp_str(p, stack[i]);
		}
		*p++ = ']';
	}
	*p++ = '}';
	return p;
}

size_t dmabuf_trace_json_line(char *buf, size_t size, const struct dmabuf_trace_event *ev,
			      const char *const *stack, int nstack)
{
	size_t max = json_max(stack, nstack), len;
	char *out = size >= max ? buf : malloc(max);

	if (!out) {
		if (size)
			buf[0] = '\0';
		return max;	/* the caller tries again with more room */
	}
	len = (size_t)(json_event(out, ev, stack, nstack) - out);
	if (out != buf) {
		if (size) {
			memcpy(buf, out, len < size ? len : size - 1);
			buf[len < size ? len : size - 1] = '\0';
		}
		free(out);
	} else if (len < size) {
		buf[len] = '\0';
	}
	return len;
}
