// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lab.c - the dmabuf_lab test module's ground truth,
 * /sys/kernel/debug/dmabuf_lab/state (format: kmod/README.md). One line per
 * record, "KIND key=value ...", values of names %XX-escaped; new keys only
 * ever appear at the end of a line:
 *
 *   lab version=1 abi=1 importers=N sgt_cache=0|1 static_needs_resv=0|1 move_notify=on|off|absent
 *   buf id=ID ino=INO mode=static|static_cached|dynamic pages=N name=NAME kernel_held=0|1
 *       atts=N pins=N ... violations=N
 *   exp buf=ID ino=INO dev=DEV importer=static|dynamic pins=N ...
 *       (the lab exporter's view of every attachment of a lab buffer,
 *       whoever the importer)
 *   att id=ID buf=ID ino=INO dev=DEV importer=static|dynamic exporter=lab|foreign
 *       exp_mode=MODE exp_name=NAME cached=0|1 cached_dir=DIR pinned=0|1|unknown ...
 *       (an attachment made by one of the lab's importers, on any buffer)
 *
 * What it adds to the model: b->violations and b->exporter_dynamic of lab
 * buffers (and exporter_dynamic of foreign buffers the lab imported), and
 * for each attachment it knows importer_dynamic, cached, cached_dir and
 * pinned. An attachment is matched to the one debugfs listed by inode and
 * device name; the same device attached twice is matched one to one.
 * "att" lines are applied before "exp" lines, so a lab attachment already
 * filled from its "att" line takes the "exp" line of the same device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "collect.h"
#include "collect_priv.h"
#include "escape.h"

#define SRC_LAB_I SRC_INDEX(DMABUF_SRC_LAB)
#define STATE_PATH "sys/kernel/debug/dmabuf_lab/state"
#define MAX_TOKENS 32

struct token {
	const char *key, *val;
	size_t klen, vlen;
};

struct rec {
	const char *kind;
	size_t kind_len;
	struct token t[MAX_TOKENS];
	unsigned int n;
};

struct lab_parse {
	struct dmabuf_snapshot *s;
	unsigned int lineno, problems, nbuf, natt;
	char problem[128];
	int err;
};

/*
 * Marks an attachment an "exp" line was matched to, for the time of the
 * parse only (cleared before returning; no source uses this bit).
 */
#define EXP_MATCHED (1u << 31)

static void split(const char *l, size_t n, struct rec *r)
{
	const char *e = l + n, *q = l;

	r->n = 0;
	r->kind = l;
	while (q < e && *q != ' ')
		q++;
	r->kind_len = (size_t)(q - l);
	while (q < e && r->n < MAX_TOKENS) {
		const char *k, *eq;

		while (q < e && *q == ' ')
			q++;
		if (q >= e)
			break;
		k = q;
		while (q < e && *q != ' ')
			q++;
		eq = memchr(k, '=', (size_t)(q - k));
		if (!eq)
			continue;
		r->t[r->n].key = k;
		r->t[r->n].klen = (size_t)(eq - k);
		r->t[r->n].val = eq + 1;
		r->t[r->n].vlen = (size_t)(q - eq - 1);
		r->n++;
	}
}

static const struct token *get(const struct rec *r, const char *key)
{
	size_t kl = strlen(key);
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (r->t[i].klen == kl && !memcmp(r->t[i].key, key, kl))
			return &r->t[i];
	return NULL;
}

static bool is(const struct token *t, const char *v)
{
	return t && t->vlen == strlen(v) && !memcmp(t->val, v, t->vlen);
}

static bool get_u64(const struct rec *r, const char *key, uint64_t *out)
{
	const struct token *t = get(r, key);
	char tmp[32], *end;

	if (!t || !t->vlen || t->vlen >= sizeof(tmp))
		return false;
	memcpy(tmp, t->val, t->vlen);
	tmp[t->vlen] = '\0';
	errno = 0;
	*out = strtoull(tmp, &end, 10);
	return !errno && !*end && tmp[0] != '-';
}

static bool get_long(const struct rec *r, const char *key, long *out)
{
	const struct token *t = get(r, key);
	char tmp[32], *end;

	if (!t || !t->vlen || t->vlen >= sizeof(tmp))
		return false;
	memcpy(tmp, t->val, t->vlen);
	tmp[t->vlen] = '\0';
	errno = 0;
	*out = strtol(tmp, &end, 10);
	return !errno && !*end;
}

/* A %XX-escaped value into OUT (NUL-terminated); false if malformed. */
static bool unescape(const struct token *t, char *out, size_t outsz)
{
	size_t i, o = 0;

	if (!t)
		return false;
	for (i = 0; i < t->vlen && o + 1 < outsz; i++) {
		if (t->val[i] == '%') {
			int hi, lo;

			if (i + 2 >= t->vlen)
				return false;
			hi = dmabuf_hexval(t->val[i + 1]);
			lo = dmabuf_hexval(t->val[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = t->val[i];
		}
	}
	out[o] = '\0';
	return true;
}

static void problem(struct lab_parse *p, const char *what)
{
	if (!p->problems++)
		snprintf(p->problem, sizeof(p->problem), "line %u: %s", p->lineno, what);
}

static int yes_no_unknown(const struct token *t)
{
	if (is(t, "1"))
		return 1;
	if (is(t, "0"))
		return 0;
	return DMABUF_UNKNOWN;
}

static int dir_of(const struct token *t)
{
	if (is(t, "bidirectional"))
		return DMABUF_DIR_BIDIRECTIONAL;
	if (is(t, "to_device"))
		return DMABUF_DIR_TO_DEVICE;
	if (is(t, "from_device"))
		return DMABUF_DIR_FROM_DEVICE;
	return DMABUF_UNKNOWN;	/* "none": no cached table */
}

static void set_exporter_dynamic(struct dmabuf_buffer *b, const struct token *mode)
{
	int dyn;

	if (!mode)
		return;
	dyn = is(mode, "dynamic");
	if (b->exporter_dynamic == DMABUF_UNKNOWN)
		b->exporter_dynamic = dyn;
	if (b->exporter_dynamic == dyn)
		b->src[DMABUF_F_EXP_DYNAMIC] |= DMABUF_SRC_LAB;
}

static void lab_header(struct lab_parse *p, const struct rec *r)
{
	const struct token *mn = get(r, "move_notify");
	const struct token *sc = get(r, "sgt_cache");

	if (sc && p->s->kernel.has_map_cache == DMABUF_UNKNOWN)
		p->s->kernel.has_map_cache = yes_no_unknown(sc);
	if (p->s->kernel.move_notify == DMABUF_UNKNOWN) {
		if (is(mn, "on"))
			p->s->kernel.move_notify = 1;
		else if (is(mn, "off"))
			p->s->kernel.move_notify = 0;
		/* "absent": the option is gone (6.16+), neither on nor off */
	}
}

static void lab_buf(struct lab_parse *p, const struct rec *r)
{
	struct dmabuf_buffer *b;
	uint64_t ino;
	long v;

	if (!get_u64(r, "ino", &ino) || !ino) {
		problem(p, "buf without ino");
		return;
	}
	b = dmabuf_buffer_get(p->s, ino, true);
	if (!b) {
		p->err = -ENOMEM;
		return;
	}
	p->nbuf++;
	b->seen |= DMABUF_SRC_LAB;
	if (get_long(r, "violations", &v)) {
		b->violations = v;
		b->src[DMABUF_F_VIOLATIONS] = DMABUF_SRC_LAB;
	}
	set_exporter_dynamic(b, get(r, "mode"));
}

/*
 * The attachment of B on DEV an "att" line describes: the first one on DEV
 * no "att" line took yet (debugfs's entry), else a new one.
 * For an "exp" line (the exporter's view of one attachment): the entry no
 * "exp" line took yet that fits best: one of the lab's own attachments with
 * the same importer kind and pin state, then the same importer kind, then
 * one only debugfs knows (a foreign importer); else a new one.
 */
static int score(const struct dmabuf_buffer *b, size_t i, const char *dev, bool exp_line,
		 int imp_dyn, int pinned)
{
	const struct dmabuf_attachment *a = &b->att[i];
	bool lab = a->src & DMABUF_SRC_LAB;

	if (!a->device || strcmp(a->device, dev))
		return 0;
	if (!exp_line)
		return lab ? 0 : 1;
	if (a->src & EXP_MATCHED)
		return 0;
	if (!lab)
		return 1;
	if (a->importer_dynamic != imp_dyn)
		return 0;
	return a->pinned == pinned ? 3 : 2;
}

static struct dmabuf_attachment *match(struct dmabuf_snapshot *s, struct dmabuf_buffer *b,
				       const char *dev, bool exp_line, int imp_dyn, int pinned)
{
	size_t i, best = 0;
	int best_score = 0;

	for (i = 0; i < b->n_att; i++) {
		int sc = score(b, i, dev, exp_line, imp_dyn, pinned);

		if (sc > best_score) {
			best_score = sc;
			best = i;
			if (!exp_line)
				break;
		}
	}
	if (!best_score) {
		if (!dmabuf_attachment_add(s, b, dev))
			return NULL;
		best = b->n_att - 1;
	}
	if (exp_line)
		b->att[best].src |= EXP_MATCHED;
	return &b->att[best];
}

static void lab_att(struct lab_parse *p, const struct rec *r, bool exp_line)
{
	const struct token *imp = get(r, "importer");
	struct dmabuf_attachment *a;
	struct dmabuf_buffer *b;
	char dev[256];
	uint64_t ino;
	long pins;
	int imp_dyn, pinned;

	if (!get_u64(r, "ino", &ino) || !ino || !unescape(get(r, "dev"), dev, sizeof(dev))) {
		problem(p, exp_line ? "exp without ino or dev" : "att without ino or dev");
		return;
	}
	imp_dyn = imp ? is(imp, "dynamic") : DMABUF_UNKNOWN;
	pinned = exp_line && get_long(r, "pins", &pins) ? pins > 0 : DMABUF_UNKNOWN;
	b = dmabuf_buffer_get(p->s, ino, true);
	if (!b || !(a = match(p->s, b, dev, exp_line, imp_dyn, pinned))) {
		p->err = -ENOMEM;
		return;
	}
	p->natt += !exp_line;
	b->seen |= DMABUF_SRC_LAB;
	b->src[DMABUF_F_ATTACHMENTS] |= DMABUF_SRC_LAB;
	a->src |= DMABUF_SRC_LAB;
	if (exp_line) {
		/* the lab exporter's view: exact, but the "att" line said it already */
		if (a->importer_dynamic == DMABUF_UNKNOWN)
			a->importer_dynamic = imp_dyn;
		if (a->pinned == DMABUF_UNKNOWN)
			a->pinned = pinned;
		return;
	}
	a->importer_dynamic = imp_dyn;
	if (get(r, "cached"))
		a->cached = yes_no_unknown(get(r, "cached"));
	if (get(r, "cached_dir"))
		a->cached_dir = dir_of(get(r, "cached_dir"));
	if (get(r, "pinned") && yes_no_unknown(get(r, "pinned")) != DMABUF_UNKNOWN)
		a->pinned = yes_no_unknown(get(r, "pinned"));
	set_exporter_dynamic(b, get(r, "exp_mode"));
}

static bool kind_is(const struct rec *r, const char *k)
{
	return r->kind_len == strlen(k) && !memcmp(r->kind, k, r->kind_len);
}

/* Parses TEXT in two passes: header, buffers and "att" lines, then "exp". */
static int parse_state(struct dmabuf_snapshot *s, const char *text, size_t len)
{
	struct lab_parse p = { .s = s };
	bool header = false;
	size_t i, j;
	int pass;

	for (pass = 0; pass < 2 && !p.err; pass++) {
		const char *l = text, *e = text + len;

		p.lineno = 0;
		while (l < e && !p.err) {
			const char *nl = memchr(l, '\n', (size_t)(e - l));
			struct rec r;

			p.lineno++;
			if (!nl) {
				if (pass == 0)
					problem(&p, "cut short (no newline)");
				break;
			}
			split(l, (size_t)(nl - l), &r);
			if (pass == 1) {
				if (kind_is(&r, "exp"))
					lab_att(&p, &r, true);
			} else if (kind_is(&r, "lab")) {
				header = true;
				lab_header(&p, &r);
			} else if (kind_is(&r, "buf")) {
				lab_buf(&p, &r);
			} else if (kind_is(&r, "att")) {
				lab_att(&p, &r, false);
			}	/* other kinds: a later version's, skipped */
			l = nl + 1;
		}
	}
	for (i = 0; i < s->n_buf; i++)
		for (j = 0; j < s->buf[i].n_att; j++)
			s->buf[i].att[j].src &= ~EXP_MATCHED;
	if (p.err)
		return p.err;
	if (!header)
		dmabuf_source_set(s, SRC_LAB_I,
				  p.nbuf ? DMABUF_SOURCE_PARTIAL : DMABUF_SOURCE_FAILED, EINVAL, "no \"lab version=\" header%s%s", p.problems ? "; " : "",
				  p.problems ? p.problem : "");
	else if (p.problems)
		dmabuf_source_set(s, SRC_LAB_I, DMABUF_SOURCE_PARTIAL, EINVAL, "%s%s", p.problem,
				  p.problems > 1 ? " (and more)" : "");
	else
		dmabuf_source_set(s, SRC_LAB_I, DMABUF_SOURCE_OK, 0, "%u lab buffers, %u lab "
				  "attachments", p.nbuf, p.natt);
	return 0;
}

int dmabuf_collect_lab(struct dmabuf_snapshot *s)
{
	int rootfd = dmabuf_root_open(s), ret;
	char *text;
	size_t len;

	if (rootfd < 0) {
		dmabuf_source_set(s, SRC_LAB_I, DMABUF_SOURCE_FAILED, -rootfd, "root %s: %s",
				  s->root, strerror(-rootfd));
		return 0;
	}
	ret = dmabuf_read_whole(rootfd, STATE_PATH, &text, &len);
	close(rootfd);
	if (ret == -ENOMEM)
		return ret;
	if (ret == -ENOENT || ret == -ENOTDIR) {
		dmabuf_source_set(s, SRC_LAB_I, DMABUF_SOURCE_UNAVAILABLE, -ret,
				  "dmabuf_lab (the suite's test module) is not loaded%s",
				  dmabuf_root_is_live(s) ? " or debugfs is not mounted" : "");
		/* the test module is not loaded on most systems: nothing to say about it */
		s->status[SRC_LAB_I].absent = true;
		return 0;
	}
	if (ret) {
		dmabuf_source_set(s, SRC_LAB_I, DMABUF_SOURCE_FAILED, -ret, "%s: %s", STATE_PATH,
				  strerror(-ret));
		return 0;
	}
	dmabuf_capture_file(s->capture, text, len, "%s", STATE_PATH);
	ret = parse_state(s, text, len);
	free(text);
	return ret;
}
