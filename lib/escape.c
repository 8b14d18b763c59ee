// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdint.h>
#include <string.h>

#include "escape.h"

/*
 * Length of the well-formed UTF-8 sequence of a printable code point at S
 * (at most LEN bytes), or 0. Rejects overlongs, surrogates, code points past
 * U+10FFFF and the C1 controls U+0080..U+009F, which terminals obey.
 */
static size_t utf8_printable_len(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff)
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0xa0)
		return 0;
	return n;
}

size_t dmabuf_escape(const char *in, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t need = 0, i = 0, full = 0;

	while (i < len) {
		char esc[4];
		const char *piece;
		size_t n, adv;

		if (s[i] == '\\') {
			piece = "\\\\";
			n = 2;
			adv = 1;
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			piece = (const char *)&s[i];
			n = 1;
			adv = 1;
		} else if ((n = utf8_printable_len(&s[i], len - i))) {
			piece = (const char *)&s[i];
			adv = n;
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[s[i] >> 4];
			esc[3] = hex[s[i] & 0xf];
			piece = esc;
			n = 4;
			adv = 1;
		}
		if (outsz && need + n < outsz) {
			memcpy(out + need, piece, n);
			full = need + n;
		}
		need += n;
		i += adv;
	}
	if (outsz)
		out[full] = '\0';
	return need;
}

int dmabuf_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long dmabuf_unescape(char *s)
{
	char *w = s;
	const char *r = s;

	while (*r) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		if (r[1] == '\\') {
			*w++ = '\\';
			r += 2;
		} else if (r[1] == 'x' && dmabuf_hexval(r[2]) >= 0 && dmabuf_hexval(r[3]) >= 0) {
			*w++ = (char)(dmabuf_hexval(r[2]) << 4 | dmabuf_hexval(r[3]));
			r += 4;
		} else {
			return -1;
		}
	}
	*w = '\0';
	return w - s;
}
