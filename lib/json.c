// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"

#define JW_MAX_DEPTH 32
#define JW_BUF 65536

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

bool jp_plain(const char *s, size_t *len)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!jw_plain[(unsigned char)s[i]])
			return false;
	*len = i;
	return true;
}

/* The string [S, S+LEN) quoted at P: dmabuf_escape(), then '"' and '\' escaped. */
char *jp_strn(char *p, const char *s, size_t len)
{
	char esc[4 * 160 + 1], *big = NULL;
	const char *e;
	size_t i, need;

	*p++ = '"';
	for (i = 0; i < len && jw_plain[(unsigned char)s[i]]; i++)
		p[i] = s[i];
	if (i == len) {
		/* the common case: nothing for dmabuf_escape() or JSON to change */
		p[len] = '"';
		return p + len + 1;
	}
	need = dmabuf_escape_max(len) + 1;
	e = need <= sizeof(esc) ? esc : (big = malloc(need));
	if (!e)	/* out of memory: the value is lost, the text stays JSON */
		return JP_LIT(p - 1, "null");
	dmabuf_escape(s, len, (char *)e, need);
	for (; *e; e++) {
		if (*e == '"' || *e == '\\')
			*p++ = '\\';
		*p++ = *e;
	}
	*p++ = '"';
	free(big);
	return p;
}

char *jp_str(char *p, const char *s)
{
	return s ? jp_strn(p, s, strlen(s)) : JP_LIT(p, "null");
}

static const char jp_pairs[] = "00010203040506070809101112131415161718192021222324"
			       "25262728293031323334353637383940414243444546474849"
			       "50515253545556575859606162636465666768697071727374"
			       "75767778798081828384858687888990919293949596979899";

/* V's digits written backwards from E (exclusive); returns where they start */
static char *jp_digits_to(char *e, uint64_t v)
{
	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		e -= 2;
		memcpy(e, jp_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		e -= 2;
		memcpy(e, jp_pairs + 2 * v, 2);
	} else {
		*--e = (char)('0' + v);
	}
	return e;
}

char *jp_digits(char *d, uint64_t v)
{
	return jp_digits_to(d + 20, v);
}

char *jp_uint(char *p, uint64_t v)
{
	static const uint64_t pow10[] = {
		10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
		1000000000000ull, 10000000000000ull, 100000000000000ull,
		1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
		1000000000000000000ull, 10000000000000000000ull,
	};
	unsigned int n = 1;

	/* the length first, so the digits go straight to their place */
	while (n < 20 && v >= pow10[n - 1])
		n++;
	jp_digits_to(p + n, v);
	return p + n;
}

char *jp_int(char *p, int64_t v)
{
	if (v < 0)
		*p++ = '-';
	return jp_uint(p, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

char *jp_tri(char *p, int v)
{
	if (v < 0)
		return JP_LIT(p, "null");
	return v ? JP_LIT(p, "true") : JP_LIT(p, "false");
}

static void jw_quoted(struct json_writer *jw, const char *s, size_t len)
{
	size_t need = JP_STR_MAX(len);
	char *big, *end;

	if (need <= JW_BUF) {
		if (JW_BUF - jw->len < need)
			jw_flush(jw);
		jw->len = (size_t)(jp_strn(jw->buf + jw->len, s, len) - jw->buf);
		return;
	}
	big = malloc(need);
	if (!big) {
		jw->error = 1;
		jw_put(jw, "null", 4);
		return;
	}
	end = jp_strn(big, s, len);
	jw_put(jw, big, (size_t)(end - big));
	free(big);
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
	char d[21], *p = jp_digits_to(d + 21, v);

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

char *jw_reserve(struct json_writer *jw, size_t n)
{
	if (jw->pretty || n > JW_BUF)
		return NULL;
	jw_begin_value(jw);
	if (JW_BUF - jw->len < n)
		jw_flush(jw);
	return jw->buf + jw->len;
}

void jw_commit(struct json_writer *jw, char *end)
{
	jw->len = (size_t)(end - jw->buf);
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
