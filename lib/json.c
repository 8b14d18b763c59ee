// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"

#define JW_MAX_DEPTH 32
#define JW_BUF 8192

/*
 * Output is gathered in buf and handed to the FILE in large pieces: at the
 * end of every top-level value and whenever buf fills, so the FILE sees the
 * same bytes in the same order as before, only in fewer calls (a snapshot of
 * 10,000 buffers is 4 MiB of JSON; per-character stdio calls were most of
 * its cost).
 */
struct json_writer {
	FILE *f;
	size_t len;
	char buf[JW_BUF];
	bool pretty;
	bool after_name;
	int depth;
	int error;
	/* per level: whether a value was written yet (for commas) */
	bool has_value[JW_MAX_DEPTH + 1];
	char closer[JW_MAX_DEPTH + 1];
};

struct json_writer *jw_new(FILE *f, bool pretty)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->f = f;
	jw->pretty = pretty;
	return jw;
}

static void jw_flush(struct json_writer *jw)
{
	/* a write error stays in the FILE: callers check ferror() */
	if (jw->len)
		fwrite(jw->buf, 1, jw->len, jw->f);
	jw->len = 0;
}

static void jw_put(struct json_writer *jw, const char *s, size_t n)
{
	if (JW_BUF - jw->len < n) {
		jw_flush(jw);
		if (n > JW_BUF) {
			fwrite(s, 1, n, jw->f);
			return;
		}
	}
	memcpy(jw->buf + jw->len, s, n);
	jw->len += n;
}

static void jw_putc(struct json_writer *jw, char c)
{
	if (jw->len == JW_BUF)
		jw_flush(jw);
	jw->buf[jw->len++] = c;
}

static void jw_puts(struct json_writer *jw, const char *s)
{
	jw_put(jw, s, strlen(s));
}

void jw_destroy(struct json_writer *jw)
{
	if (!jw)
		return;
	if (jw->depth == 0 && jw->has_value[0])
		jw_putc(jw, '\n');
	jw_flush(jw);
	free(jw);
}

int jw_error(const struct json_writer *jw)
{
	return jw->error || jw->depth != 0;
}

static void jw_indent(struct json_writer *jw)
{
	int i;

	jw_putc(jw, '\n');
	for (i = 0; i < jw->depth; i++)
		jw_put(jw, "  ", 2);
}

/* Writes what must come before a value: a comma, a newline, indentation. */
static void jw_begin_value(struct json_writer *jw)
{
	if (jw->after_name) {
		jw->after_name = false;
		return;
	}
	if (jw->depth == 0) {
		/* a stream of top-level values: one per line (JSON lines) */
		if (jw->has_value[0])
			jw_putc(jw, '\n');
	} else {
		if (jw->has_value[jw->depth])
			jw_putc(jw, ',');
		if (jw->pretty)
			jw_indent(jw);
	}
	jw->has_value[jw->depth] = true;
}

static void jw_open(struct json_writer *jw, char open, char close)
{
	jw_begin_value(jw);
	if (jw->depth >= JW_MAX_DEPTH) {
		jw->error = 1;
		return;
	}
	jw_putc(jw, open);
	jw->depth++;
	jw->has_value[jw->depth] = false;
	jw->closer[jw->depth] = close;
}

static void jw_close(struct json_writer *jw, char close)
{
	if (jw->depth == 0 || jw->closer[jw->depth] != close) {
		jw->error = 1;
		return;
	}
	jw->depth--;
	if (jw->pretty && jw->has_value[jw->depth + 1])
		jw_indent(jw);
	jw_putc(jw, close);
	if (jw->depth == 0)	/* a whole top-level value: the FILE gets it now */
		jw_flush(jw);
}

void jw_start_object(struct json_writer *jw)
{
	jw_open(jw, '{', '}');
}

void jw_end_object(struct json_writer *jw)
{
	jw_close(jw, '}');
}

void jw_start_array(struct json_writer *jw)
{
	jw_open(jw, '[', ']');
}

void jw_end_array(struct json_writer *jw)
{
	jw_close(jw, ']');
}

/*
 * The bytes that dmabuf_escape() and JSON both leave as they are: printable
 * ASCII but the quote (0x22) and the backslash (0x5c).
 */
static const bool jw_plain[256] = {
	[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
};

/* Length of the plain prefix of [s, s+len). */
static size_t jw_plain_prefix(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && jw_plain[(unsigned char)s[i]])
		i++;
	return i;
}

static void jw_quoted(struct json_writer *jw, const char *s, size_t len)
{
	char stackbuf[256];
	size_t need;
	char *esc, *out;
	const char *p;

	/* the common case: plain bytes, copied straight into the buffer */
	if (len + 2 <= JW_BUF && jw_plain_prefix(s, len) == len) {
		if (JW_BUF - jw->len < len + 2)
			jw_flush(jw);
		out = jw->buf + jw->len;
		out[0] = '"';
		memcpy(out + 1, s, len);
		out[len + 1] = '"';
		jw->len += len + 2;
		return;
	}
	need = dmabuf_escape_max(len) + 1;
	esc = need <= sizeof(stackbuf) ? stackbuf : malloc(need);
	if (!esc) {
		jw->error = 1;
		jw_puts(jw, "null");
		return;
	}
	dmabuf_escape(s, len, esc, need);
	jw_putc(jw, '"');
	for (p = esc; *p; p++) {
		if (*p == '"' || *p == '\\')
			jw_putc(jw, '\\');
		jw_putc(jw, *p);
	}
	jw_putc(jw, '"');
	if (esc != stackbuf)
		free(esc);
}

void jw_name_len(struct json_writer *jw, const char *name, size_t len)
{
	char *out;

	if (jw->depth == 0 || jw->closer[jw->depth] != '}') {
		jw->error = 1;
		return;
	}
	jw_begin_value(jw);
	if (len + 4 > JW_BUF) {
		jw->error = 1;
		return;
	}
	if (JW_BUF - jw->len < len + 4)
		jw_flush(jw);
	/* a program's own identifier: no byte of it needs escaping */
	out = jw->buf + jw->len;
	*out++ = '"';
	memcpy(out, name, len);
	out += len;
	*out++ = '"';
	*out++ = ':';
	if (jw->pretty)
		*out++ = ' ';
	jw->len = (size_t)(out - jw->buf);
	jw->after_name = true;
}

/* A scalar written at the top level goes to the FILE at once. */
static void jw_end_scalar(struct json_writer *jw)
{
	if (jw->depth == 0)
		jw_flush(jw);
}

void jw_string_len(struct json_writer *jw, const char *s, size_t len)
{
	jw_begin_value(jw);
	jw_quoted(jw, s, len);
	jw_end_scalar(jw);
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!s) {
		jw_null(jw);
		return;
	}
	jw_string_len(jw, s, strlen(s));
}

/* Decimal digits of V, NEG with a minus sign. */
static void jw_digits(struct json_writer *jw, uint64_t v, bool neg)
{
	char d[21], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	jw_put(jw, p, (size_t)(d + sizeof(d) - p));
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	jw_begin_value(jw);
	jw_digits(jw, v, false);
	jw_end_scalar(jw);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	jw_begin_value(jw);
	jw_digits(jw, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
	jw_end_scalar(jw);
}

void jw_raw(struct json_writer *jw, const char *json, size_t len)
{
	if (jw->pretty) {
		jw->error = 1;
		return;
	}
	jw_begin_value(jw);
	jw_put(jw, json, len);
	jw_end_scalar(jw);
}

bool jw_is_pretty(const struct json_writer *jw)
{
	return jw->pretty;
}

void jw_bool(struct json_writer *jw, bool v)
{
	jw_begin_value(jw);
	jw_put(jw, v ? "true" : "false", v ? 4 : 5);
	jw_end_scalar(jw);
}

void jw_null(struct json_writer *jw)
{
	jw_begin_value(jw);
	jw_put(jw, "null", 4);
	jw_end_scalar(jw);
}

void jw_string_field_len(struct json_writer *jw, const char *name, size_t len, const char *s)
{
	jw_name_len(jw, name, len);
	jw_string(jw, s);
}

void jw_uint_field_len(struct json_writer *jw, const char *name, size_t len, uint64_t v)
{
	jw_name_len(jw, name, len);
	jw_uint(jw, v);
}

void jw_int_field_len(struct json_writer *jw, const char *name, size_t len, int64_t v)
{
	jw_name_len(jw, name, len);
	jw_int(jw, v);
}

void jw_bool_field_len(struct json_writer *jw, const char *name, size_t len, bool v)
{
	jw_name_len(jw, name, len);
	jw_bool(jw, v);
}

void jw_null_field_len(struct json_writer *jw, const char *name, size_t len)
{
	jw_name_len(jw, name, len);
	jw_null(jw);
}

void jw_report_error(struct json_writer *jw, const char *prog, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (jw) {
		jw_start_object(jw);
		jw_string_field(jw, "error", msg);
		jw_end_object(jw);
	} else {
		fprintf(stderr, "%s: %s\n", prog, msg);
	}
}
