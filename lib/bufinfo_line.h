/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bufinfo_line.h - the shapes of one line of bufinfo (lib/bufinfo_line.c),
 * for the parser of the whole file in lib/debugfs.c.
 */
#ifndef DMABUF_BUFINFO_LINE_H
#define DMABUF_BUFINFO_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A buffer line, its strings pointing into the line. */
struct bline {
	uint64_t size, ino;
	unsigned int flags, mode;
	long count;
	bool has_ino;
	bool tabbed;
	const char *exp, *name;
	size_t exp_len, name_len;
};

static inline bool bl_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Line L (N bytes, no newline) as a buffer line of a file with (HAS_INO 1),
 * without (0) or not yet known (-1) ino and name columns, into B.
 */
bool bl_parse(const char *l, size_t n, int has_ino, struct bline *b);

/* The line after leading blanks, and whether there were any. */
const char *bl_skip_blanks(const char *l, size_t n, size_t *rest);
bool bl_line_is(const char *l, size_t n, const char *what);
bool bl_is_fence(const char *l, size_t n);
/* "Total N devices attached" */
bool bl_is_devices_total(const char *l, size_t n, unsigned long long *v);
/* "Total N objects, M bytes" */
bool bl_is_footer(const char *l, size_t n, unsigned long long *v, unsigned long long *bytes);
/* The column header "size flags mode ...": whether it names ino or name columns. */
bool bl_is_column_header(const char *l, size_t n, int *has_ino);

#endif
