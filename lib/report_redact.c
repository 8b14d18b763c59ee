// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_redact.c - `dmabuf report --redact`: comms, command lines and
 * buffer names become stable tokens ("comm-" + 10 hex digits, "name-" + 12,
 * "cmd-" + 12: a 64-bit FNV-1a hash of the bytes, finalized), the same
 * everywhere in the bundle and from one report to the next, so a redacted
 * bundle still replays (the token of a name is the same in bufinfo, fdinfo,
 * the BPF records and the lab state) and two reports can be compared. The
 * tokens are pseudonyms, not encryption: whoever guesses a name can hash it.
 *
 * Each file is rewritten by what it is (the parsers' own rules decide where
 * a name starts and ends); a file of a shape the redactor does not know is
 * withheld rather than kept. Free text (dmesg, status details) gets every
 * whole-word occurrence of the names and comms the snapshot saw replaced.
 * No memory contents are ever read, redacted or not.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_priv.h"

#define BUFINFO "sys/kernel/debug/dma_buf/bufinfo"
#define LAB_STATE "sys/kernel/debug/dmabuf_lab/state"
#define NAME_MAX_LEN 31		/* DMA_BUF_NAME_LEN - 1 */

static uint64_t hash64(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	/* splitmix64's finalizer: every input bit reaches every output digit */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

void dmabuf_redact_token(enum redact_kind k, const void *s, size_t len,
			 char out[REDACT_TOKEN_MAX])
{
	uint64_t h = hash64(s, len);

	if (!len)
		out[0] = '\0';
	else if (k == REDACT_COMM)
		snprintf(out, REDACT_TOKEN_MAX, "comm-%010llx",
			 (unsigned long long)(h & 0xffffffffffull));
	else
		snprintf(out, REDACT_TOKEN_MAX, "%s-%012llx", k == REDACT_NAME ? "name" : "cmd",
			 (unsigned long long)(h & 0xffffffffffffull));
}

/* --- what was seen ------------------------------------------------------- */

struct needle {
	char *text;
	size_t len;
	char tok[REDACT_TOKEN_MAX];
};

struct dmabuf_redact {
	struct needle *v;
	size_t n, cap;
};

struct dmabuf_redact *dmabuf_redact_new(void)
{
	return calloc(1, sizeof(struct dmabuf_redact));
}

void dmabuf_redact_free(struct dmabuf_redact *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
	free(r);
}

static int add_needle(struct dmabuf_redact *r, const char *text, size_t len, const char *tok)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].len == len && !memcmp(r->v[i].text, text, len))
			return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct needle *n = realloc(r->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->v = n;
		r->cap = cap;
	}
	r->v[r->n].text = malloc(len + 1);
	if (!r->v[r->n].text)
		return -ENOMEM;
	memcpy(r->v[r->n].text, text, len);
	r->v[r->n].text[len] = '\0';
	r->v[r->n].len = len;
	snprintf(r->v[r->n].tok, sizeof(r->v[r->n].tok), "%s", tok);
	r->n++;
	return 0;
}

/* The raw string and its escaped form (how details and JSON show it). */
int dmabuf_redact_learn(struct dmabuf_redact *r, enum redact_kind k, const void *s, size_t len)
{
	char tok[REDACT_TOKEN_MAX], esc[512];
	size_t elen;

	if (!len)
		return 0;
	dmabuf_redact_token(k, s, len, tok);
	if (add_needle(r, s, len, tok))
		return -ENOMEM;
	elen = dmabuf_escape(s, len, esc, sizeof(esc));
	if (elen < sizeof(esc) && (elen != len || memcmp(esc, s, len)))
		return add_needle(r, esc, elen, tok);
	return 0;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

int dmabuf_redact_text(const struct dmabuf_redact *r, const char *text, size_t len,
		       struct rbuf *out)
{
	size_t i = 0, from = 0, j;

	/* at each position, the longest learnt string that is a whole word there */
	while (i < len) {
		const struct needle *best = NULL;

		for (j = 0; j < r->n; j++) {
			const struct needle *nd = &r->v[j];

			if (nd->len > len - i || (best && nd->len <= best->len) ||
			    memcmp(text + i, nd->text, nd->len))
				continue;
			if ((i && word_char(text[i - 1]) && word_char(nd->text[0])) ||
			    (i + nd->len < len && word_char(text[i + nd->len]) &&
			     word_char(nd->text[nd->len - 1])))
				continue;
			best = nd;
		}
		if (!best) {
			i++;
			continue;
		}
		rbuf_put(out, text + from, i - from);
		rbuf_puts(out, best->tok);
		i += best->len;
		from = i;
	}
	rbuf_put(out, text + from, len - from);
	return out->err;
}

static void redact_detail(const struct dmabuf_redact *r, char *detail, size_t size)
{
	struct rbuf b = { 0 };

	if (!dmabuf_redact_text(r, detail, strlen(detail), &b) && b.p)
		snprintf(detail, size, "%.*s", (int)b.len, b.p);
	free(b.p);
}

int dmabuf_redact_snapshot(struct dmabuf_redact *r, struct dmabuf_snapshot *s)
{
	char tok[REDACT_TOKEN_MAX];
	size_t i, j;
	unsigned int k;

	for (i = 0; i < s->n_buf; i++) {
		struct dmabuf_buffer *b = &s->buf[i];

		if (b->name && b->name[0]) {
			size_t len = strlen(b->name);

			if (dmabuf_redact_learn(r, REDACT_NAME, b->name, len))
				return -ENOMEM;
			dmabuf_redact_token(REDACT_NAME, b->name, len, tok);
			if (dmabuf_set_str(s, &b->name, tok, strlen(tok)))
				return -ENOMEM;
		}
		for (j = 0; j < b->n_own; j++) {
			struct dmabuf_owner *o = &b->own[j];
			size_t len = strlen(o->comm);

			if (dmabuf_redact_learn(r, REDACT_COMM, o->comm, len))
				return -ENOMEM;
			dmabuf_redact_token(REDACT_COMM, o->comm, len, tok);
			snprintf(o->comm, sizeof(o->comm), "%s", tok);
		}
	}
	for (k = 0; k < DMABUF_SRC_COUNT; k++)
		redact_detail(r, s->status[k].detail, sizeof(s->status[k].detail));
	return 0;
}

/* --- files by kind -------------------------------------------------------- */

/* The next line of [*p, e): its start and length; false at the end. */
static bool next_line(const char **p, const char *e, const char **l, size_t *n, bool *nl)
{
	const char *q;

	if (*p >= e)
		return false;
	*l = *p;
	q = memchr(*p, '\n', (size_t)(e - *p));
	*nl = q != NULL;
	*n = (size_t)((q ? q : e) - *p);
	*p = q ? q + 1 : e;
	return true;
}

static bool starts_blank(const char *l, size_t n)
{
	return n && (l[0] == ' ' || l[0] == '\t');
}

/* debugfs.c's is_fence_line() */
static bool fence_line(const char *l, size_t n)
{
	size_t i = 0, m;
	const char *c, *sp;

	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (!i)
		return false;
	c = l + i;
	m = n - i;
	sp = memchr(c, ' ', m);
	if (sp && (size_t)(c + m - sp) >= 7 && !memcmp(sp, " fence:", 7))
		return true;
	return m >= 9 && !memcmp(c + m - 9, "signalled", 9);
}

static bool attached_line(const char *l, size_t n)
{
	size_t i = 0;

	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	return i && n - i == 17 && !memcmp(l + i, "Attached Devices:", 17);
}

/*
 * Where the name column of a tab-separated buffer line starts (after the
 * ino column, as debugfs.c anchors it), 0 when the line has none (before
 * 5.3), -1 when this is not such a line.
 */
static long name_column(const char *l, size_t n)
{
	size_t i, tabs = 0, k;

	if (!n || !isdigit((unsigned char)l[0]))
		return -1;
	for (i = 0; i < n && tabs < 4; i++)
		tabs += l[i] == '\t';
	if (tabs < 4)
		return -1;
	for (; i < n; i++) {
		if (l[i] != '\t')
			continue;
		for (k = i + 1; k < n && isdigit((unsigned char)l[k]); k++)
			;
		if (k < n && l[k] == '\t' && k - i - 1 >= 8)
			return (long)(k + 1);
	}
	return 0;
}

static void put_line(struct rbuf *o, const char *l, size_t n, bool nl)
{
	rbuf_put(o, l, n);
	if (nl)
		rbuf_put(o, "\n", 1);
}

static int redact_bufinfo(const char *text, size_t len, struct rbuf *o)
{
	const char *p = text, *e = text + len, *l;
	char tok[REDACT_TOKEN_MAX], name[256];
	bool nl, in_buffer = false, fence = false;
	size_t n;

	while (next_line(&p, e, &l, &n, &nl)) {
		long col = name_column(l, n);

		if (col > 0) {
			size_t nlen = n - (size_t)col;
			const char *q = p, *c;
			size_t cn;
			bool cnl;

			if (nlen > sizeof(name))
				nlen = sizeof(name);
			memcpy(name, l + col, nlen);
			/* the lines debugfs.c takes as the rest of a name with newlines */
			while (nlen <= NAME_MAX_LEN && next_line(&q, e, &c, &cn, &cnl) &&
			       !attached_line(c, cn) && !fence_line(c, cn) &&
			       nlen + 1 + cn <= NAME_MAX_LEN) {
				name[nlen++] = '\n';
				memcpy(name + nlen, c, cn);
				nlen += cn;
				p = q;
			}
			put_line(o, l, (size_t)col, false);
			if ((nlen == 6 && !memcmp(name, "<none>", 6)) || !nlen) {
				rbuf_put(o, name, nlen);
			} else {
				dmabuf_redact_token(REDACT_NAME, name, nlen, tok);
				rbuf_puts(o, tok);
			}
			if (nl)
				rbuf_put(o, "\n", 1);
			in_buffer = true;
			fence = false;
			continue;
		}
		if (col == 0 || !n || attached_line(l, n) || (n >= 6 && !memcmp(l, "Total ", 6)) ||
		    (n == 16 && !memcmp(l, "Dma-buf Objects:", 16)) ||
		    (n > 4 && !memcmp(l, "size", 4) && starts_blank(l + 4, n - 4))) {
			put_line(o, l, n, nl);
			fence = false;
			continue;
		}
		if (isdigit((unsigned char)l[0]))
			return REDACT_WITHHOLD;	/* blank-separated columns: no guessing */
		if (in_buffer && fence_line(l, n)) {
			/* timeline and driver names may be a task's comm (sw_sync) */
			size_t i = 0, w;

			while (i < n && (l[i] == ' ' || l[i] == '\t'))
				i++;
			for (w = i; w < n && w - i < 16 && isalpha((unsigned char)l[w]); w++)
				;
			rbuf_put(o, l, i);
			if (w > i && (w == n || l[w] == ' '))
				rbuf_put(o, l + i, w - i);
			else
				rbuf_puts(o, "fence");
			rbuf_puts(o, " fence: redacted");
			if (n >= 11 && !memcmp(l + n - 11, "unsignalled", 11))
				rbuf_puts(o, " unsignalled");
			else if (n >= 9 && !memcmp(l + n - 9, "signalled", 9))
				rbuf_puts(o, " signalled");
			if (nl)
				rbuf_put(o, "\n", 1);
			fence = true;
			continue;
		}
		if (starts_blank(l, n) && !fence) {
			put_line(o, l, n, nl);	/* an attached device */
			continue;
		}
		/* the rest of a fence line broken by a newline, or unknown: dropped */
	}
	return o->err ? o->err : REDACT_REWRITTEN;
}

/* fdinfo: the value of "name:" runs until a line shaped like another key (procfs.c). */
static int redact_fdinfo(const char *text, size_t len, struct rbuf *o)
{
	const char *p = text, *e = text + len, *l;
	char tok[REDACT_TOKEN_MAX];
	size_t n;
	bool nl;

	while (next_line(&p, e, &l, &n, &nl)) {
		const char *v, *ve;

		if (n >= 5 && !memcmp(l, "name:", 5)) {
			v = l + 5 + (n > 5 && l[5] == '\t');
			ve = l + n;
			while (ve < e) {
				const char *k = ve + 1, *kn = k;

				if (k >= e)
					break;
				while (kn < e && (islower((unsigned char)*kn) || *kn == '_'))
					kn++;
				if (kn > k && kn + 1 < e && kn[0] == ':' && kn[1] == '\t')
					break;
				ve = memchr(k, '\n', (size_t)(e - k));
				if (!ve)
					ve = e;
			}
			dmabuf_redact_token(REDACT_NAME, v, (size_t)(ve - v), tok);
			rbuf_put(o, l, (size_t)(v - l));
			rbuf_puts(o, tok);
			if (ve < e)
				rbuf_put(o, "\n", 1);
			p = ve < e ? ve + 1 : e;
			continue;
		}
		if (n >= 16 && !memcmp(l, "drm-client-name:", 16)) {
			v = l + 16;
			while (v < l + n && (*v == ' ' || *v == '\t'))
				v++;
			dmabuf_redact_token(REDACT_NAME, v, (size_t)(l + n - v), tok);
			rbuf_put(o, l, (size_t)(v - l));
			rbuf_puts(o, tok);
			if (nl)
				rbuf_put(o, "\n", 1);
			continue;
		}
		put_line(o, l, n, nl);
	}
	return o->err ? o->err : REDACT_REWRITTEN;
}

/* maps: only the dma-buf lines, their name ("\012" for a newline) tokenized. */
static int redact_maps(const char *text, size_t len, struct rbuf *o)
{
	const char *p = text, *e = text + len, *l;
	char tok[REDACT_TOKEN_MAX], name[256];
	size_t n;
	bool nl;

	while (next_line(&p, e, &l, &n, &nl)) {
		const char *d = memmem(l, n, " /dmabuf:", 9), *q;
		size_t k = 0;

		if (!d)
			continue;
		for (q = d + 9; q < l + n && k < sizeof(name); q++) {
			if (*q == '\\' && l + n - q >= 4 && q[1] >= '0' && q[1] <= '3' &&
			    q[2] >= '0' && q[2] <= '7' && q[3] >= '0' && q[3] <= '7') {
				name[k++] = (char)((q[1] - '0') << 6 | (q[2] - '0') << 3 |
						   (q[3] - '0'));
				q += 3;
			} else {
				name[k++] = *q;
			}
		}
		dmabuf_redact_token(REDACT_NAME, name, k, tok);
		rbuf_put(o, l, (size_t)(d + 9 - l));
		rbuf_puts(o, tok);
		rbuf_put(o, "\n", 1);
	}
	return o->err ? o->err : REDACT_REWRITTEN;
}

/* dmabuf_lab state: the value of every name= token (%XX-escaped) tokenized. */
static int redact_lab(const char *text, size_t len, struct rbuf *o)
{
	const char *p = text, *e = text + len, *l;
	char tok[REDACT_TOKEN_MAX], name[256];
	size_t n, i;
	bool nl;

	while (next_line(&p, e, &l, &n, &nl)) {
		for (i = 0; i < n;) {
			size_t j = i, k = 0;

			while (j < n && l[j] != ' ')
				j++;
			if (j - i >= 5 && !memcmp(l + i, "name=", 5)) {
				size_t v;

				for (v = i + 5; v < j && k < sizeof(name); v++) {
					if (l[v] == '%' && v + 2 < j &&
					    dmabuf_hexval(l[v + 1]) >= 0 &&
					    dmabuf_hexval(l[v + 2]) >= 0) {
						name[k++] = (char)(dmabuf_hexval(l[v + 1]) << 4 |
								   dmabuf_hexval(l[v + 2]));
						v += 2;
					} else {
						name[k++] = l[v];
					}
				}
				dmabuf_redact_token(REDACT_NAME, name, k, tok);
				rbuf_puts(o, "name=");
				rbuf_puts(o, tok);
			} else {
				rbuf_put(o, l + i, j - i);
			}
			i = j;
			while (i < n && l[i] == ' ')
				rbuf_put(o, l + i++, 1);
		}
		if (nl)
			rbuf_put(o, "\n", 1);
	}
	return o->err ? o->err : REDACT_REWRITTEN;
}

/* Kernel parameters: those about the matter at hand stay, the others become tokens. */
static int redact_kernel_cmdline(const char *text, size_t len, struct rbuf *o)
{
	static const char *const keep[] = {
		"iommu", "intel_iommu", "amd_iommu", "drm", "amdgpu", "i915", "xe", "nouveau",
		"radeon", "ttm", "cma", "swiotlb", "dma", "vgem", "udmabuf", "nomodeset",
		"video", "lockdown", "debugfs", "mem", "hugepages", "quiet", "console",
		"loglevel", "panic", "earlyprintk", "dmabuf",
	};
	const char *p = text, *e = text + len;
	char tok[REDACT_TOKEN_MAX];
	size_t i;

	while (p < e) {
		const char *w = p, *we;
		size_t klen = 0;
		bool ok = false;

		while (w < e && (*w == ' ' || *w == '\n'))
			rbuf_put(o, w++, 1);
		for (we = w; we < e && *we != ' ' && *we != '\n'; we++)
			;
		if (we == w)
			break;
		/* "amdgpu.dc=0", "iommu=pt": the module or parameter name decides */
		while (w + klen < we && w[klen] != '=' && w[klen] != '.')
			klen++;
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]) && !ok; i++)
			ok = strlen(keep[i]) == klen && !memcmp(w, keep[i], klen);
		if (ok) {
			rbuf_put(o, w, (size_t)(we - w));
		} else {
			dmabuf_redact_token(REDACT_CMDLINE, w, (size_t)(we - w), tok);
			rbuf_puts(o, tok);
		}
		p = we;
	}
	return o->err ? o->err : REDACT_REWRITTEN;
}

/* "proc/DIGITS/REST" -> REST, else NULL. */
static const char *proc_pid_rest(const char *path)
{
	const char *q;

	if (strncmp(path, "proc/", 5) || !isdigit((unsigned char)path[5]))
		return NULL;
	for (q = path + 5; isdigit((unsigned char)*q); q++)
		;
	return *q == '/' ? q + 1 : NULL;
}

int dmabuf_redact_entry(const struct dmabuf_redact *r, const char *path,
			enum dmabuf_capture_type type, const char *data, size_t len,
			struct rbuf *out)
{
	const char *rest = proc_pid_rest(path);
	char tok[REDACT_TOKEN_MAX];

	if (type == DMABUF_CAP_DIR)
		return REDACT_KEEP;
	if (type == DMABUF_CAP_LINK) {
		if (!rest || strncmp(rest, "fd/", 3) || len < 8 || memcmp(data, "/dmabuf:", 8))
			return REDACT_KEEP;
		dmabuf_redact_token(REDACT_NAME, data + 8, len - 8, tok);
		rbuf_puts(out, "/dmabuf:");
		rbuf_puts(out, tok);
		return out->err ? out->err : REDACT_REWRITTEN;
	}
	if (!strcmp(path, BUFINFO))
		return redact_bufinfo(data, len, out);
	if (!strcmp(path, LAB_STATE))
		return redact_lab(data, len, out);
	if (!strcmp(path, "proc/cmdline"))
		return redact_kernel_cmdline(data, len, out);
	if (!strcmp(path, "kernel/dmesg")) {
		int err = dmabuf_redact_text(r, data, len, out);

		return err ? err : REDACT_REWRITTEN;
	}
	if (!rest)
		return REDACT_KEEP;
	if (!strcmp(rest, "comm")) {
		size_t n = len && data[len - 1] == '\n' ? len - 1 : len;

		/* as procfs.c keeps it: one newline off, at most 16 bytes */
		dmabuf_redact_token(REDACT_COMM, data, n > 16 ? 16 : n, tok);
		rbuf_puts(out, tok);
		rbuf_put(out, "\n", 1);
		return out->err ? out->err : REDACT_REWRITTEN;
	}
	if (!strcmp(rest, "cmdline")) {
		dmabuf_redact_token(REDACT_CMDLINE, data, len, tok);
		rbuf_put(out, tok, strlen(tok) + (len > 0));
		return out->err ? out->err : REDACT_REWRITTEN;
	}
	if (!strcmp(rest, "maps"))
		return redact_maps(data, len, out);
	if (!strncmp(rest, "fdinfo/", 7))
		return redact_fdinfo(data, len, out);
	return REDACT_KEEP;
}
