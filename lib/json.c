// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"

#define JW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
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

void jw_destroy(struct json_writer *jw)
{
	if (!jw)
		return;
	if (jw->depth == 0 && jw->has_value[0])
		fputc('\n', jw->f);
	free(jw);
}

int jw_error(const struct json_writer *jw)
{
	return jw->error || jw->depth != 0;
}

static void jw_indent(struct json_writer *jw)
{
	int i;

	fputc('\n', jw->f);
	for (i = 0; i < jw->depth; i++)
		fputs("  ", jw->f);
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
			fputc('\n', jw->f);
	} else {
		if (jw->has_value[jw->depth])
			fputc(',', jw->f);
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
	fputc(open, jw->f);
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
	fputc(close, jw->f);
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

static void jw_quoted(struct json_writer *jw, const char *s, size_t len)
{
	char stackbuf[256];
	size_t need = dmabuf_escape_max(len) + 1;
	char *esc = need <= sizeof(stackbuf) ? stackbuf : malloc(need);
	const char *p;

	if (!esc) {
		jw->error = 1;
		fputs("null", jw->f);
		return;
	}
	dmabuf_escape(s, len, esc, need);
	fputc('"', jw->f);
	for (p = esc; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', jw->f);
		fputc(*p, jw->f);
	}
	fputc('"', jw->f);
	if (esc != stackbuf)
		free(esc);
}

void jw_name(struct json_writer *jw, const char *name)
{
	if (jw->depth == 0 || jw->closer[jw->depth] != '}') {
		jw->error = 1;
		return;
	}
	jw_begin_value(jw);
	jw_quoted(jw, name, strlen(name));
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_name = true;
}

void jw_string_len(struct json_writer *jw, const char *s, size_t len)
{
	jw_begin_value(jw);
	jw_quoted(jw, s, len);
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!s) {
		jw_null(jw);
		return;
	}
	jw_string_len(jw, s, strlen(s));
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	jw_begin_value(jw);
	fprintf(jw->f, "%" PRIu64, v);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	jw_begin_value(jw);
	fprintf(jw->f, "%" PRId64, v);
}

void jw_bool(struct json_writer *jw, bool v)
{
	jw_begin_value(jw);
	fputs(v ? "true" : "false", jw->f);
}

void jw_null(struct json_writer *jw)
{
	jw_begin_value(jw);
	fputs("null", jw->f);
}

void jw_string_field(struct json_writer *jw, const char *name, const char *s)
{
	jw_name(jw, name);
	jw_string(jw, s);
}

void jw_uint_field(struct json_writer *jw, const char *name, uint64_t v)
{
	jw_name(jw, name);
	jw_uint(jw, v);
}

void jw_int_field(struct json_writer *jw, const char *name, int64_t v)
{
	jw_name(jw, name);
	jw_int(jw, v);
}

void jw_bool_field(struct json_writer *jw, const char *name, bool v)
{
	jw_name(jw, name);
	jw_bool(jw, v);
}

void jw_null_field(struct json_writer *jw, const char *name)
{
	jw_name(jw, name);
	jw_null(jw);
}
