/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * jsonlines.h - a small strict JSON (RFC 8259) reader for the guest tests:
 * one value per line, parsed into a tree. Anything RFC 8259 refuses is an
 * error here too: trailing commas, leading zeros, bare control characters
 * or malformed UTF-8 in strings, lone surrogates, duplicate keys (which the
 * RFC only discourages), garbage after the value.
 */
#ifndef DMABUF_TEST_JSONLINES_H
#define DMABUF_TEST_JSONLINES_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	bool b;
	bool is_uint;			/* a number with no sign, fraction or exponent */
	unsigned long long u;		/* its exact value when is_uint */
	double num;
	char *str;			/* JV_STR: decoded, NUL-terminated (may hold NULs) */
	size_t len;
	struct jv *items;		/* JV_ARR, JV_OBJ */
	char **keys;			/* JV_OBJ */
	size_t n;
};

struct jl_parser {
	const char *p, *end;
	const char *err;
	int depth;
};

static inline void jv_free(struct jv *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

static inline void jl_ws(struct jl_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
				   *ps->p == '\r'))
		ps->p++;
}

static inline int jl_fail(struct jl_parser *ps, const char *why)
{
	if (!ps->err)
		ps->err = why;
	return -EINVAL;
}

static inline int jl_hex4(struct jl_parser *ps, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	if (ps->end - ps->p < 4)
		return jl_fail(ps, "short \\u escape");
	for (i = 0; i < 4; i++) {
		char c = *ps->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else
			return jl_fail(ps, "bad \\u escape");
	}
	*out = v;
	return 0;
}

/* Length of the well-formed UTF-8 sequence at P, or 0. */
static inline size_t jl_utf8(const unsigned char *p, size_t avail)
{
	unsigned int cp;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static inline void jl_put_utf8(char *out, size_t *len, unsigned int cp)
{
	if (cp < 0x80) {
		out[(*len)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*len)++] = (char)(0xc0 | cp >> 6);
		out[(*len)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*len)++] = (char)(0xe0 | cp >> 12);
		out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*len)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*len)++] = (char)(0xf0 | cp >> 18);
		out[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*len)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static inline int jl_string(struct jl_parser *ps, char **out, size_t *outlen)
{
	char *s = malloc((size_t)(ps->end - ps->p) + 1);
	size_t len = 0;

	if (!s)
		return jl_fail(ps, "out of memory");
	ps->p++;	/* the opening quote */
	while (ps->p < ps->end && *ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;

		if (c < 0x20) {
			free(s);
			return jl_fail(ps, "control character in a string");
		}
		if (c == '\\') {
			unsigned int cp, lo;

			if (++ps->p >= ps->end)
				break;
			switch (*ps->p++) {
			case '"': s[len++] = '"'; break;
			case '\\': s[len++] = '\\'; break;
			case '/': s[len++] = '/'; break;
			case 'b': s[len++] = '\b'; break;
			case 'f': s[len++] = '\f'; break;
			case 'n': s[len++] = '\n'; break;
			case 'r': s[len++] = '\r'; break;
			case 't': s[len++] = '\t'; break;
			case 'u':
				if (jl_hex4(ps, &cp))
					goto bad;
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					jl_fail(ps, "lone low surrogate");
					goto bad;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
						jl_fail(ps, "lone high surrogate");
						goto bad;
					}
					ps->p += 2;
					if (jl_hex4(ps, &lo))
						goto bad;
					if (lo < 0xdc00 || lo > 0xdfff) {
						jl_fail(ps, "bad surrogate pair");
						goto bad;
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				jl_put_utf8(s, &len, cp);
				break;
			default:
				jl_fail(ps, "bad escape");
				goto bad;
			}
			continue;
		}
		if (c < 0x80) {
			s[len++] = (char)c;
			ps->p++;
		} else {
			size_t n = jl_utf8((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));

			if (!n) {
				jl_fail(ps, "malformed UTF-8 in a string");
				goto bad;
			}
			memcpy(s + len, ps->p, n);
			len += n;
			ps->p += n;
		}
	}
	if (ps->p >= ps->end) {
		jl_fail(ps, "unterminated string");
		goto bad;
	}
	ps->p++;
	s[len] = '\0';
	*out = s;
	*outlen = len;
	return 0;
bad:
	free(s);
	return -EINVAL;
}

static inline int jl_number(struct jl_parser *ps, struct jv *v)
{
	const char *start = ps->p;
	bool plain = true;
	char buf[64];

	if (ps->p < ps->end && *ps->p == '-') {
		ps->p++;
		plain = false;
	}
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return jl_fail(ps, "bad number");
	if (*ps->p == '0') {
		ps->p++;
		if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			return jl_fail(ps, "leading zero");
	} else {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		plain = false;
		if (++ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return jl_fail(ps, "bad fraction");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		plain = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return jl_fail(ps, "bad exponent");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if ((size_t)(ps->p - start) >= sizeof(buf))
		return jl_fail(ps, "number too long");
	memcpy(buf, start, (size_t)(ps->p - start));
	buf[ps->p - start] = '\0';
	v->type = JV_NUM;
	v->num = strtod(buf, NULL);
	if (plain) {
		errno = 0;
		v->u = strtoull(buf, NULL, 10);
		v->is_uint = errno == 0;
	}
	return 0;
}

static inline int jl_value(struct jl_parser *ps, struct jv *v);

static inline int jl_push(struct jl_parser *ps, struct jv *v, char *key)
{
	struct jv *items = realloc(v->items, (v->n + 1) * sizeof(*items));

	if (!items)
		return jl_fail(ps, "out of memory");
	v->items = items;
	memset(&v->items[v->n], 0, sizeof(*items));
	if (v->type == JV_OBJ) {
		char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));

		if (!keys)
			return jl_fail(ps, "out of memory");
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->n++;
	return 0;
}

static inline int jl_container(struct jl_parser *ps, struct jv *v, char close)
{
	v->type = close == '}' ? JV_OBJ : JV_ARR;
	if (++ps->depth > 64)
		return jl_fail(ps, "nested too deep");
	ps->p++;
	jl_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		size_t klen, i;

		jl_ws(ps);
		if (v->type == JV_OBJ) {
			if (ps->p >= ps->end || *ps->p != '"')
				return jl_fail(ps, "object key expected");
			if (jl_string(ps, &key, &klen))
				return -EINVAL;
			for (i = 0; i < v->n; i++)
				if (!strcmp(v->keys[i], key)) {
					free(key);
					return jl_fail(ps, "duplicate key");
				}
			jl_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return jl_fail(ps, "':' expected");
			}
			ps->p++;
		}
		if (jl_push(ps, v, key)) {
			free(key);
			return -EINVAL;
		}
		if (jl_value(ps, &v->items[v->n - 1]))
			return -EINVAL;
		jl_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return jl_fail(ps, "',' or end of container expected");
	}
}

static inline int jl_word(struct jl_parser *ps, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n))
		return jl_fail(ps, "unknown literal");
	ps->p += n;
	return 0;
}

static inline int jl_value(struct jl_parser *ps, struct jv *v)
{
	jl_ws(ps);
	if (ps->p >= ps->end)
		return jl_fail(ps, "value expected");
	switch (*ps->p) {
	case '{':
		return jl_container(ps, v, '}');
	case '[':
		return jl_container(ps, v, ']');
	case '"':
		v->type = JV_STR;
		return jl_string(ps, &v->str, &v->len);
	case 't':
		v->type = JV_BOOL;
		v->b = true;
		return jl_word(ps, "true");
	case 'f':
		v->type = JV_BOOL;
		return jl_word(ps, "false");
	case 'n':
		v->type = JV_NULL;
		return jl_word(ps, "null");
	}
	return jl_number(ps, v);
}

/* Parses exactly one JSON value from TEXT[0..LEN); 0, or -EINVAL with *ERR set. */
static inline int jl_parse(const char *text, size_t len, struct jv *out, const char **err)
{
	struct jl_parser ps = { .p = text, .end = text + len };

	memset(out, 0, sizeof(*out));
	if (!jl_value(&ps, out)) {
		jl_ws(&ps);
		if (ps.p == ps.end)
			return 0;
		jl_fail(&ps, "garbage after the value");
	}
	jv_free(out);
	if (err)
		*err = ps.err;
	return -EINVAL;
}

static inline const struct jv *jv_get(const struct jv *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != JV_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

/* The string member KEY, or NULL (absent, null or not a string). */
static inline const char *jv_str(const struct jv *obj, const char *key)
{
	const struct jv *v = jv_get(obj, key);

	return v && v->type == JV_STR ? v->str : NULL;
}

/* The unsigned integer member KEY, or DEF. */
static inline unsigned long long jv_uint(const struct jv *obj, const char *key,
					 unsigned long long def)
{
	const struct jv *v = jv_get(obj, key);

	return v && v->type == JV_NUM && v->is_uint ? v->u : def;
}

/* A boolean member as 1/0, -1 for null, -2 absent or of another type. */
static inline int jv_tri(const struct jv *obj, const char *key)
{
	const struct jv *v = jv_get(obj, key);

	if (!v)
		return -2;
	if (v->type == JV_NULL)
		return -1;
	return v->type == JV_BOOL ? v->b : -2;
}

/*
 * Parses JSON lines: every line (the text ends in '\n') one value. Returns
 * the number of values in *OUT (free each with jv_free, then the array), or
 * -EINVAL with the 1-based bad line in *BADLINE and the reason in *ERR.
 */
static inline int jl_lines(const char *text, size_t len, struct jv **out, int *badline,
			   const char **err)
{
	const char *p = text, *end = text + len;
	struct jv *vals = NULL;
	int n = 0;

	*out = NULL;
	if (len && text[len - 1] != '\n') {
		*badline = 1;
		*err = "the last line has no newline";
		return -EINVAL;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct jv *more = realloc(vals, (size_t)(n + 1) * sizeof(*vals));

		if (!more)
			break;
		vals = more;
		if (jl_parse(p, (size_t)(nl - p), &vals[n], err)) {
			int i;

			for (i = 0; i < n; i++)
				jv_free(&vals[i]);
			free(vals);
			*badline = n + 1;
			return -EINVAL;
		}
		n++;
		p = nl + 1;
	}
	*out = vals;
	return n;
}

#endif
