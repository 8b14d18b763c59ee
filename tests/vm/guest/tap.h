/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tap.h - the result protocol of guest tests.
 *
 * Every guest test prints one line per check on stdout:
 *   ok - DESCRIPTION
 *   not ok - DESCRIPTION
 *   ok - DESCRIPTION # SKIP REASON
 * and diagnostics as "# ..." lines. The host harness counts these lines; the
 * exit status only has to be non-zero when a check failed (a crash without a
 * "not ok" line is caught by the missing end marker the harness waits for).
 */
#ifndef DMABUF_TAP_H
#define DMABUF_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_failed;

static inline void tap_vline(const char *status, const char *suffix,
			     const char *fmt, va_list ap)
{
	printf("%s - ", status);
	vprintf(fmt, ap);
	printf("%s\n", suffix);
	fflush(stdout);
}

/* Records one check; returns cond so callers can stop a dependent sequence. */
static inline int __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(cond ? "ok" : "not ok", "", fmt, ap);
	va_end(ap);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline void __attribute__((format(printf, 2, 3)))
tap_skip(const char *why, const char *fmt, ...)
{
	char suffix[256];
	va_list ap;

	snprintf(suffix, sizeof(suffix), " # SKIP %s", why);
	va_start(ap, fmt);
	tap_vline("ok", suffix, fmt, ap);
	va_end(ap);
}

static inline void __attribute__((format(printf, 1, 2)))
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int tap_exit_status(void)
{
	return tap_failed ? 1 : 0;
}

#endif
