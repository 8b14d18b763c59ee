/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cliutil.h - run the suite's tools from guest tests and pick their output
 * apart: whole output capture, table rows by their first column, and
 * members of the compact JSON the tools write.
 */
#ifndef DMABUF_TEST_CLIUTIL_H
#define DMABUF_TEST_CLIUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

struct run {
	char *out;	/* stdout */
	int status;	/* exit status, or -1 if it did not exit */
};

/* Runs a shell command line (printf-style); stderr goes to the test log. */
static inline struct run run_cmd(const char *fmt, ...)
{
	struct run r = { NULL, -1 };
	char cmd[1024];
	size_t len = 0, cap = 0;
	va_list ap;
	FILE *p;
	int st, c;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	p = popen(cmd, "r");
	if (!p)
		return r;
	while ((c = fgetc(p)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 4096;
			r.out = realloc(r.out, cap);
			if (!r.out)
				abort();
		}
		r.out[len++] = (char)c;
	}
	if (!r.out)
		r.out = calloc(1, 1);
	else
		r.out[len] = '\0';
	st = pclose(p);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return r;
}

/* The line of OUT whose first whitespace-separated word is KEY, copied into LINE. */
static inline int row_of(const char *out, const char *key, char *line, size_t len)
{
	const char *p = out;
	size_t klen = strlen(key);

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		while (*p == ' ' && n) {
			p++;
			n--;
		}
		if (n >= klen && !strncmp(p, key, klen) && (n == klen || p[klen] == ' ')) {
			snprintf(line, len, "%.*s", (int)n, p);
			return 0;
		}
		p = eol ? eol + 1 : NULL;
	}
	return -1;
}

/* Word I (0-based) of LINE into WORD; -1 if there are fewer words. */
static inline int word_of(const char *line, int i, char *word, size_t len)
{
	const char *p = line;

	for (;;) {
		size_t n;

		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		n = strcspn(p, " ");
		if (i-- == 0) {
			snprintf(word, len, "%.*s", (int)n, p);
			return 0;
		}
		p += n;
	}
}

/*
 * The raw JSON value of member KEY in the first object of JSON that follows
 * ANCHOR (a literal piece of JSON, e.g. "\"device\":\"dmabuf_lab_imp.1\"");
 * NULL ANCHOR searches from the start. Works on the tools' compact output.
 */
static inline int json_member(const char *json, const char *anchor, const char *key,
			      char *val, size_t len)
{
	char pat[128];
	const char *p = anchor ? strstr(json, anchor) : json, *end;

	if (!p)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (*p == '"') {
		end = p + 1;
		while (*end && *end != '"')
			end += (*end == '\\' && end[1]) ? 2 : 1;
		end++;
	} else {
		end = p + strcspn(p, ",}]");
	}
	snprintf(val, len, "%.*s", (int)(end - p), p);
	return 0;
}

#endif
