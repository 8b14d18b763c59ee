// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bufinfo_line.c - one line of /sys/kernel/debug/dma_buf/bufinfo: the
 * buffer line in every variant (tabs or spaces, with or without the ino and
 * name columns), fence lines, the totals and the column header. The file
 * as a whole, and what each variant looks like: lib/debugfs.c.
 */
#include <ctype.h>
#include <string.h>

#include "bufinfo_line.h"

/* All of [s, s+n) is decimal digits and there are at least MIN of them. */
static bool all_digits(const char *s, size_t n, size_t min)
{
	size_t i;

	if (n < min || n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool all_xdigits(const char *s, size_t n, size_t min)
{
	size_t i;

	if (n < min || n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Decimal or hex field [s, s+n) that was already validated; false on overflow. */
static bool field_u64(const char *s, size_t n, int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

		if (__builtin_mul_overflow(v, (unsigned int)base, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return false;
	}
	*out = v;
	return true;
}

static bool field_count(const char *s, size_t n, size_t min, long *out)
{
	uint64_t v;
	bool neg = n && s[0] == '-';

	if (!all_digits(s + neg, n - neg, min > (size_t)neg ? min - neg : 1) ||
	    !field_u64(s + neg, n - neg, 10, &v) || v > (uint64_t)__LONG_MAX__)
		return false;
	*out = neg ? -(long)v : (long)v;
	return true;
}

/*
 * Splits the four numeric columns off a buffer line; the rest (exp_name and
 * on, after the separator) is returned through REST. TABS: tab-separated
 * with the kernel's zero padding, else blank-separated.
 */
static bool split_numbers(const char *l, size_t n, bool tabs, struct bline *b,
			  const char **rest)
{
	const char *f[4], *e = l + n, *q = l;
	size_t flen[4];
	size_t min = tabs ? 8 : 1;
	uint64_t v;
	int i;

	for (i = 0; i < 4; i++) {
		const char *t = q;

		while (t < e && (tabs ? *t != '\t' : !bl_is_blank(*t)))
			t++;
		if (t == e)
			return false;
		f[i] = q;
		flen[i] = (size_t)(t - q);
		q = t + 1;
		if (!tabs)
			while (q < e && bl_is_blank(*q))
				q++;
	}
	if (!all_digits(f[0], flen[0], min) || !field_u64(f[0], flen[0], 10, &b->size))
		return false;
	if (!all_xdigits(f[1], flen[1], min) || !field_u64(f[1], flen[1], 16, &v) ||
	    v > 0xffffffffu)
		return false;
	b->flags = (unsigned int)v;
	if (!all_xdigits(f[2], flen[2], min) || !field_u64(f[2], flen[2], 16, &v) ||
	    v > 0xffffffffu)
		return false;
	b->mode = (unsigned int)v;
	if (!field_count(f[3], flen[3], min, &b->count))
		return false;
	*rest = q;
	return true;
}

/*
 * A column of the kernel's own format: MIN..MAX digits (hex when HEX) and
 * the tab after them; returns what follows the tab, NULL when the column is
 * anything else (bl_parse() then reads the line the general way).
 */
static const char *fast_column(const char *q, const char *e, bool hex, size_t min, size_t max,
			       uint64_t *v)
{
	const char *s = q;
	uint64_t x = 0;

	for (; q < e && *q != '\t'; q++) {
		unsigned int d = (unsigned int)(unsigned char)*q - '0';

		if (d > 9) {
			d = ((unsigned int)(unsigned char)*q | 0x20) - 'a';
			if (!hex || d > 5)
				return NULL;
			d += 10;
		}
		x = x * (hex ? 16 : 10) + d;
	}
	if (q == e || (size_t)(q - s) < min || (size_t)(q - s) > max)
		return NULL;	/* no overflow within MAX digits: 16^8, 10^18 */
	*v = x;
	return q + 1;
}

/*
 * The line as the kernel prints it ("%08zu\t%08x\t%08x\t%08ld\t%s\t%08lu\t%s"),
 * read in one pass: what bl_parse() makes of such a line, for the 10,000
 * lines of a big bufinfo. False for anything else.
 */
static bool fast_bline(const char *l, size_t n, struct bline *b)
{
	const char *e = l + n, *q = l, *t;
	uint64_t v;

	if (!(q = fast_column(q, e, false, 8, 18, &b->size)) ||
	    !(q = fast_column(q, e, true, 8, 8, &v)))
		return false;
	b->flags = (unsigned int)v;
	if (!(q = fast_column(q, e, true, 8, 8, &v)))
		return false;
	b->mode = (unsigned int)v;
	if (!(q = fast_column(q, e, false, 8, 18, &v)))
		return false;
	b->count = (long)v;
	/* the first "\tDIGITS\t" after exp_name is the ino column */
	for (t = q; (t = memchr(t, '\t', (size_t)(e - t))); t++) {
		const char *name = fast_column(t + 1, e, false, 8, 18, &b->ino);

		if (name) {
			b->has_ino = true;
			b->tabbed = true;
			b->exp = q;
			b->exp_len = (size_t)(t - q);
			b->name = name;
			b->name_len = (size_t)(e - name);
			return true;
		}
	}
	return false;
}

/*
 * Parses one buffer line. HAS_INO is what the column header said (-1: no
 * header, decide from the line). The ino column is the anchor: exp_name is
 * everything before it (a driver string, tabs or not), the name everything
 * after it (user-controlled, tabs included).
 */
bool bl_parse(const char *l, size_t n, int has_ino, struct bline *b)
{
	const char *e = l + n, *r, *t;
	size_t tabs = 0, i;
	bool tabbed;

	memset(b, 0, sizeof(*b));
	if (!n || !isdigit((unsigned char)l[0]))
		return false;
	if (has_ino != 0 && fast_bline(l, n, b))
		return true;
	memset(b, 0, sizeof(*b));
	for (i = 0; i < n; i++)
		tabs += l[i] == '\t';
	tabbed = tabs >= 4;
	b->tabbed = tabbed;
	if (!split_numbers(l, n, tabbed, b, &r))
		return false;
	if (tabbed) {
		/* the first "\tDIGITS\t" after exp_name is the ino column */
		for (t = r; has_ino != 0 && t < e; t++) {
			const char *d = t + 1, *de = d;

			if (*t != '\t')
				continue;
			while (de < e && isdigit((unsigned char)*de))
				de++;
			if (de < e && *de == '\t' && all_digits(d, (size_t)(de - d), 8) &&
			    field_u64(d, (size_t)(de - d), 10, &b->ino)) {
				b->has_ino = true;
				b->exp = r;
				b->exp_len = (size_t)(t - r);
				b->name = de + 1;
				b->name_len = (size_t)(e - de - 1);
				return true;
			}
		}
		if (has_ino == 1)
			return false;
		b->exp = r;
		b->exp_len = (size_t)(e - r);
		return true;
	}
	/* blank-separated: exp_name runs up to a later all-digit token */
	for (t = r; has_ino != 0 && t < e; t++) {
		const char *d, *de;

		if (!bl_is_blank(*t))
			continue;
		d = t;
		while (d < e && bl_is_blank(*d))
			d++;
		de = d;
		while (de < e && !bl_is_blank(*de))
			de++;
		if (all_digits(d, (size_t)(de - d), 1) &&
		    field_u64(d, (size_t)(de - d), 10, &b->ino)) {
			b->has_ino = true;
			b->exp = r;
			b->exp_len = (size_t)(t - r);
			while (de < e && bl_is_blank(*de))
				de++;
			b->name = de;
			b->name_len = (size_t)(e - de);
			return true;
		}
		t = de - 1;
	}
	if (has_ino == 1)
		return false;
	b->exp = r;
	b->exp_len = (size_t)(e - r);
	while (b->exp_len && bl_is_blank(b->exp[b->exp_len - 1]))
		b->exp_len--;
	return b->exp_len > 0;
}

/* The line after leading blanks, and whether there were any. */
const char *bl_skip_blanks(const char *l, size_t n, size_t *rest)
{
	size_t i = 0;

	while (i < n && bl_is_blank(l[i]))
		i++;
	*rest = n - i;
	return l + i;
}

bool bl_line_is(const char *l, size_t n, const char *what)
{
	return n == strlen(what) && !memcmp(l, what, n);
}

/* "\tExclusive fence: …", "\tShared fence: …", "\t<usage> fence:…". */
bool bl_is_fence(const char *l, size_t n)
{
	size_t m;
	const char *c = bl_skip_blanks(l, n, &m), *sp;

	if (c == l)
		return false;
	sp = memchr(c, ' ', m);
	if (sp && (size_t)(c + m - sp) >= 7 && !memcmp(sp, " fence:", 7))
		return true;
	return m >= 9 && !memcmp(c + m - 9, "signalled", 9);
}

/* [*l, e) starts with WORD followed by a blank or the end: *l moves past both. */
static bool take_word(const char **l, const char *e, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(e - *l) < n || memcmp(*l, word, n) || (*l + n < e && !bl_is_blank((*l)[n])))
		return false;
	*l += n;
	while (*l < e && bl_is_blank(**l))
		(*l)++;
	return true;
}

/* A decimal number followed by a blank: *l moves past both. */
static bool take_number(const char **l, const char *e, unsigned long long *v)
{
	const char *d = *l;
	uint64_t u;

	while (d < e && isdigit((unsigned char)*d))
		d++;
	if (d == *l || d == e || !bl_is_blank(*d) || !field_u64(*l, (size_t)(d - *l), 10, &u))
		return false;
	*v = u;
	*l = d;
	while (*l < e && bl_is_blank(**l))
		(*l)++;
	return true;
}

/* "Total N devices attached" */
bool bl_is_devices_total(const char *l, size_t n, unsigned long long *v)
{
	const char *e = l + n;

	return take_word(&l, e, "Total") && take_number(&l, e, v) &&
	       take_word(&l, e, "devices") && take_word(&l, e, "attached") && l == e;
}

/* "Total N objects, M bytes" */
bool bl_is_footer(const char *l, size_t n, unsigned long long *v, unsigned long long *bytes)
{
	const char *e = l + n;

	return take_word(&l, e, "Total") && take_number(&l, e, v) &&
	       take_word(&l, e, "objects,") && take_number(&l, e, bytes) &&
	       take_word(&l, e, "bytes") && l == e;
}

bool bl_is_column_header(const char *l, size_t n, int *has_ino)
{
	bool ino = false, name = false;
	size_t i = 0;

	if (n < 4 || memcmp(l, "size", 4) || (n > 4 && !bl_is_blank(l[4])))
		return false;
	while (i < n) {
		size_t j;

		while (i < n && bl_is_blank(l[i]))
			i++;
		j = i;
		while (j < n && !bl_is_blank(l[j]))
			j++;
		ino |= j - i == 3 && !memcmp(l + i, "ino", 3);
		name |= j - i == 4 && !memcmp(l + i, "name", 4);
		i = j;
	}
	*has_ino = ino || name;
	return true;
}
