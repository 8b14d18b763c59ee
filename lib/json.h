/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef DMABUF_JSON_H
#define DMABUF_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * A streaming JSON writer shared by every printer of the suite: each value is
 * written as it comes, commas and (with pretty) indentation are the writer's
 * business. Strings go through dmabuf_escape() first, so a hostile name is
 * written in its escaped, lossless form and the output is always valid UTF-8.
 */
struct json_writer;

struct json_writer *jw_new(FILE *f, bool pretty);
/* Finishes the current line and frees the writer; NULL is fine. */
void jw_destroy(struct json_writer *jw);

void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);
/*
 * The member name of the next value, inside an object. NAME is one of the
 * program's own identifiers (printable ASCII, no quote or backslash): it is
 * written as it is, unchecked. The macros below take its length at compile
 * time when NAME is a literal, as it nearly always is.
 */
void jw_name_len(struct json_writer *jw, const char *name, size_t len);
#define jw_name(jw, name) jw_name_len((jw), (name), __builtin_strlen(name))

void jw_string(struct json_writer *jw, const char *s);
void jw_string_len(struct json_writer *jw, const char *s, size_t len);
void jw_uint(struct json_writer *jw, uint64_t v);
void jw_int(struct json_writer *jw, int64_t v);
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);
/*
 * One complete value given as its JSON text, as a compact writer wrote it
 * (a cache of a value that repeats): copied as it is. Only for a writer
 * that is not pretty (jw_is_pretty()).
 */
void jw_raw(struct json_writer *jw, const char *json, size_t len);
bool jw_is_pretty(const struct json_writer *jw);

/* name + value in one call; a NULL string is written as null. */
void jw_string_field_len(struct json_writer *jw, const char *name, size_t len, const char *s);
void jw_uint_field_len(struct json_writer *jw, const char *name, size_t len, uint64_t v);
void jw_int_field_len(struct json_writer *jw, const char *name, size_t len, int64_t v);
void jw_bool_field_len(struct json_writer *jw, const char *name, size_t len, bool v);
void jw_null_field_len(struct json_writer *jw, const char *name, size_t len);
#define jw_string_field(jw, name, s) \
	jw_string_field_len((jw), (name), __builtin_strlen(name), (s))
#define jw_uint_field(jw, name, v) jw_uint_field_len((jw), (name), __builtin_strlen(name), (v))
#define jw_int_field(jw, name, v) jw_int_field_len((jw), (name), __builtin_strlen(name), (v))
#define jw_bool_field(jw, name, v) jw_bool_field_len((jw), (name), __builtin_strlen(name), (v))
#define jw_null_field(jw, name) jw_null_field_len((jw), (name), __builtin_strlen(name))

/*
 * Writing a value by hand, for the printers whose output dominates (a
 * snapshot's buffers, a trace's events): jw_reserve() starts a value and
 * returns room for N bytes in the writer's buffer, or NULL when the writer
 * is pretty or N is more than it holds (write it member by member then);
 * jw_commit() takes the value's end. Between the two go the jp_*() writers.
 */
char *jw_reserve(struct json_writer *jw, size_t n);
void jw_commit(struct json_writer *jw, char *end);

/*
 * jp_*(): a value's text at P, which has room for it; each returns the end
 * of what it wrote. jp_str() writes what the writer writes for the string
 * (escaped as jw_string() escapes it), NULL as null; jp_tri() null, false or
 * true. A string of LEN bytes takes at most JP_STR_MAX(LEN) quoted ("\\xNN"
 * per byte at worst, and the quotes), a number JP_NUM_MAX.
 */
#define JP_STR_MAX(len) (5 * (len) + 2)
#define JP_NUM_MAX 21
#define JP_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)
/* The decimal digits of V at the end of D[20]; returns where they start. */
char *jp_digits(char *d, uint64_t v);
char *jp_uint(char *p, uint64_t v);
char *jp_int(char *p, int64_t v);
char *jp_str(char *p, const char *s);
/* jp_str() of the LEN bytes at S (not NULL) */
char *jp_strn(char *p, const char *s, size_t len);
char *jp_tri(char *p, int v);
/* S needs no escaping (printable ASCII without '"' and '\'); LEN is its length */
bool jp_plain(const char *s, size_t *len);

/* Nonzero once a nesting error happened (unbalanced end, too deep). */
int jw_error(const struct json_writer *jw);

/*
 * A tool's error message: an {"error": MSG} object when the output is JSON
 * (JW not NULL), else "PROG: MSG" on standard error.
 */
void jw_report_error(struct json_writer *jw, const char *prog, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
