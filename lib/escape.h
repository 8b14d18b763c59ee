/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef DMABUF_ESCAPE_H
#define DMABUF_ESCAPE_H

#include <stddef.h>

/*
 * Buffer names, exporter names and comms come from user space and reach
 * terminals, JSON and reports. dmabuf_escape() makes them safe and keeps them
 * lossless: printable ASCII and well-formed UTF-8 of printable code points
 * pass through; a backslash becomes "\\"; every other byte (controls, ESC,
 * DEL, C1 controls, malformed or overlong UTF-8) becomes "\xNN".
 * dmabuf_unescape() reverses it.
 */

/*
 * Escapes LEN bytes of IN into OUT (OUTSZ bytes, always NUL-terminated when
 * OUTSZ > 0). Returns the length the whole escaped text needs, excluding the
 * NUL, like snprintf: a result >= OUTSZ means OUT was truncated (never in the
 * middle of an escape sequence).
 */
size_t dmabuf_escape(const char *in, size_t len, char *out, size_t outsz);

/* The most bytes escaping LEN input bytes can produce (without the NUL). */
static inline size_t dmabuf_escape_max(size_t len)
{
	return len * 4;
}

/*
 * Reverses dmabuf_escape() in place. Returns the decoded length, or -1 when
 * S holds a backslash that starts no valid escape.
 */
long dmabuf_unescape(char *s);

/* The value of hex digit C (either case), or -1. */
int dmabuf_hexval(char c);

#endif
