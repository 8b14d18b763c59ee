// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpflog.c - libbpf's warnings kept while a load runs. libbpf says which
 * program failed and the kernel's word on it only through its printer, and
 * the suite's collectors and tracer both need that for their errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpflog.h"

static char warnings[4096];

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (getenv("DMABUF_DEBUG")) {
		va_list copy;

		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_WARN) {
		size_t used = strlen(warnings);

		if (used < sizeof(warnings) - 1)
			vsnprintf(warnings + used, sizeof(warnings) - used, fmt, ap);
	}
	return 0;
}

libbpf_print_fn_t bpflog_begin(void)
{
	warnings[0] = '\0';
	return libbpf_set_print(print_libbpf);
}

void bpflog_end(libbpf_print_fn_t old)
{
	libbpf_set_print(old);
}

void bpflog_clear(void)
{
	warnings[0] = '\0';
}

const char *bpflog_first(void)
{
	static char line[160];

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(warnings, "\n"), warnings);
	return line;
}

const char *bpflog_last(void)
{
	static char line[160];
	const char *p = warnings, *last = NULL;

	while (*p) {
		const char *nl = strchr(p, '\n');

		if (!nl || nl - p > 1)
			last = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!last)
		return "";
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(last, "\n"), last);
	return line;
}

const char *bpflog_failed_prog(char *name, size_t len)
{
	const char *p = warnings;

	while ((p = strstr(p, "prog '"))) {
		const char *end = strchr(p + 6, '\'');

		if (end && strstr(end, "fail") && (size_t)(end - p - 6) < len) {
			memcpy(name, p + 6, (size_t)(end - p - 6));
			name[end - p - 6] = '\0';
			return name;
		}
		p += 6;
	}
	return NULL;
}
