// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_records.c - the text files of a report bundle that are not kernel
 * files, written at capture time and read back on replay:
 *
 * bpf/records.txt - the BPF collector's records (include/snapshot.h) as its
 * iterators wrote them, one line per record, "KIND key=value ...", values
 * %XX-escaped (every byte outside '!'..'~', and '%'):
 *   iter prog=PROGRAM owners_of_known=0|1     an iterator run starts
 *   buf via= ino= size= ops= file_count= f_flags= f_mode= flags= exp_name= name=
 *   att via= ino= flags= dir= dev= driver= bus=
 *   owner via= ino= pid= fd= comm=
 *   ops via= addr= name=
 *   kernel release= map_cache=0|1|null move_notify=0|1|null
 *   status state=ok|partial|unavailable|failed|unused err=ERRNO detail=TEXT
 *   cut seen=BYTES kept=BYTES                 a size cap kept only the first records
 * Replay rebuilds each record and merges it with bpfsnap_parse() in the same
 * order, so the replayed snapshot is the captured one, provenance included;
 * "kernel" and "status" are what the collector ended with.
 *
 * sources.txt - the state of every source at capture time:
 *   source name=debugfs state=ok err=0 detail=TEXT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect_priv.h"
#include "escape.h"
#include "report.h"
#include "report_priv.h"
#include "snapshot.h"

#define SRC_BPF_I __builtin_ctz(DMABUF_SRC_BPF)

/* --- rbuf ------------------------------------------------------------------ */

void rbuf_put(struct rbuf *b, const void *data, size_t len)
{
	if (b->err || !len)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *n;

		while (cap < b->len + len + 1)
			cap *= 2;
		n = realloc(b->p, cap);
		if (!n) {
			b->err = -ENOMEM;
			return;
		}
		b->p = n;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void rbuf_puts(struct rbuf *b, const char *s)
{
	rbuf_put(b, s, strlen(s));
}

void rbuf_printf(struct rbuf *b, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		rbuf_put(b, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -ENOMEM;
		return;
	}
	rbuf_put(b, big, (size_t)n);
	free(big);
}

void rbuf_put_escaped(struct rbuf *b, const void *value, size_t len)
{
	const unsigned char *v = value;
	size_t i, from = 0;

	for (i = 0; i < len; i++) {
		if (v[i] > ' ' && v[i] < 0x7f && v[i] != '%')
			continue;
		rbuf_put(b, v + from, i - from);
		rbuf_printf(b, "%%%02X", v[i]);
		from = i + 1;
	}
	rbuf_put(b, v + from, len - from);
}

/* --- writing --------------------------------------------------------------- */

static size_t cstrlen(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);

	return nul ? (size_t)(nul - s) : max;
}

static void put_str(struct rbuf *b, const char *key, const char *s, size_t max,
		    const struct dmabuf_redact *r, enum redact_kind k)
{
	size_t len = cstrlen(s, max);

	rbuf_printf(b, " %s=", key);
	if (r && len) {
		char tok[REDACT_TOKEN_MAX];

		dmabuf_redact_token(k, s, len, tok);
		rbuf_puts(b, tok);
	} else {
		rbuf_put_escaped(b, s, len);
	}
}

static const char *state_name(int st)
{
	static const char *const names[] = { "unused", "ok", "partial", "unavailable", "failed" };

	return st >= 0 && st <= DMABUF_SOURCE_FAILED ? names[st] : "unused";
}

static int state_of(const char *name, size_t len)
{
	int i;

	for (i = 0; i <= DMABUF_SOURCE_FAILED; i++)
		if (strlen(state_name(i)) == len && !memcmp(state_name(i), name, len))
			return i;
	return -1;
}

static void put_tri(struct rbuf *b, const char *key, int v)
{
	if (v == DMABUF_UNKNOWN)
		rbuf_printf(b, " %s=null", key);
	else
		rbuf_printf(b, " %s=%d", key, v);
}

static void put_status(struct rbuf *b, const struct dmabuf_source_status *st,
		       const struct dmabuf_redact *r)
{
	struct rbuf d = { 0 };

	rbuf_printf(b, " state=%s err=%d detail=", state_name(st->state), st->err);
	if (r && !dmabuf_redact_text(r, st->detail, strlen(st->detail), &d) && d.p)
		rbuf_put_escaped(b, d.p, d.len);
	else
		rbuf_put_escaped(b, st->detail, strlen(st->detail));
	free(d.p);
	rbuf_puts(b, "\n");
}

void dmabuf_records_text(const struct dmabuf_capture *c, const struct dmabuf_redact *r,
			 struct rbuf *out)
{
	size_t off = 0;

	rbuf_puts(out, "# dmabuf-tools BPF snapshot records, format 1 (dmabuf(8), REPORT)\n");
	while (c->bpf_len - off >= sizeof(struct snap_hdr)) {
		const unsigned char *p = c->bpf + off;
		struct snap_hdr h;
		union {
			struct snap_buf b;
			struct snap_att a;
			struct snap_owner o;
			struct snap_ops n;
			struct dmabuf_capture_bpf_iter it;
		} u;

		memcpy(&h, p, sizeof(h));
		if (h.size > sizeof(u) || h.size < sizeof(h) || c->bpf_len - off < h.size)
			break;
		memcpy(&u, p, h.size);
		off += h.size;
		if (h.kind == DMABUF_CAP_BPF_ITER && h.size == sizeof(u.it)) {
			rbuf_puts(out, "iter prog=");
			rbuf_put_escaped(out, u.it.prog, cstrlen(u.it.prog, sizeof(u.it.prog)));
			rbuf_printf(out, " owners_of_known=%u\n", u.it.owners_of_known ? 1 : 0);
		} else if (h.kind == SNAP_REC_BUF && h.size == sizeof(u.b)) {
			rbuf_printf(out, "buf via=%u ino=%llu size=%llu ops=0x%llx file_count=%llu "
				    "f_flags=0x%x f_mode=0x%x flags=0x%x", h.via,
				    (unsigned long long)u.b.ino, (unsigned long long)u.b.size,
				    (unsigned long long)u.b.ops, (unsigned long long)u.b.file_count,
				    u.b.f_flags, u.b.f_mode, u.b.flags);
			put_str(out, "exp_name", u.b.exp_name, sizeof(u.b.exp_name), NULL,
				REDACT_NAME);
			put_str(out, "name", u.b.name, sizeof(u.b.name), r, REDACT_NAME);
			rbuf_puts(out, "\n");
		} else if (h.kind == SNAP_REC_ATT && h.size == sizeof(u.a)) {
			rbuf_printf(out, "att via=%u ino=%llu flags=0x%x dir=%u", h.via,
				    (unsigned long long)u.a.ino, u.a.flags, u.a.dir);
			put_str(out, "dev", u.a.dev_name, sizeof(u.a.dev_name), NULL, REDACT_NAME);
			put_str(out, "driver", u.a.driver, sizeof(u.a.driver), NULL, REDACT_NAME);
			put_str(out, "bus", u.a.bus, sizeof(u.a.bus), NULL, REDACT_NAME);
			rbuf_puts(out, "\n");
		} else if (h.kind == SNAP_REC_OWNER && h.size == sizeof(u.o)) {
			rbuf_printf(out, "owner via=%u ino=%llu pid=%u fd=%u", h.via,
				    (unsigned long long)u.o.ino, u.o.pid, u.o.fd);
			put_str(out, "comm", u.o.comm, sizeof(u.o.comm), r, REDACT_COMM);
			rbuf_puts(out, "\n");
		} else if (h.kind == SNAP_REC_OPS && h.size == sizeof(u.n)) {
			rbuf_printf(out, "ops via=%u addr=0x%llx", h.via,
				    (unsigned long long)u.n.addr);
			put_str(out, "name", u.n.name, sizeof(u.n.name), NULL, REDACT_NAME);
			rbuf_puts(out, "\n");
		} else {
			break;
		}
	}
	if (c->bpf_cut)
		rbuf_printf(out, "cut seen=%zu kept=%zu\n", c->bpf_seen, c->bpf_len);
	rbuf_printf(out, "kernel release=");
	rbuf_put_escaped(out, c->bpf_kernel.release, strlen(c->bpf_kernel.release));
	put_tri(out, "map_cache", c->bpf_kernel.has_map_cache);
	put_tri(out, "move_notify", c->bpf_kernel.move_notify);
	rbuf_puts(out, "\nstatus");
	put_status(out, &c->bpf_status, r);
}

void dmabuf_sources_text(const struct dmabuf_snapshot *s, struct rbuf *out)
{
	unsigned int bit;

	rbuf_puts(out, "# dmabuf-tools source states at capture time, format 1 (dmabuf(8), "
		  "REPORT)\n");
	for (bit = 0; bit < DMABUF_SRC_COUNT; bit++) {
		if (1u << bit == DMABUF_SRC_DERIVED)
			continue;
		rbuf_printf(out, "source name=%s", dmabuf_source_name(bit));
		put_status(out, &s->status[bit], NULL);
	}
}

/* --- reading --------------------------------------------------------------- */

#define MAX_FIELDS 16

struct line {
	const char *kind;
	size_t kind_len;
	struct { const char *k, *v; size_t klen, vlen; } f[MAX_FIELDS];
	unsigned int n;
};

static void split(const char *l, size_t n, struct line *r)
{
	const char *e = l + n, *q = l;

	r->n = 0;
	r->kind = l;
	while (q < e && *q != ' ')
		q++;
	r->kind_len = (size_t)(q - l);
	while (q < e && r->n < MAX_FIELDS) {
		const char *k, *eq;

		while (q < e && *q == ' ')
			q++;
		k = q;
		while (q < e && *q != ' ')
			q++;
		eq = k < q ? memchr(k, '=', (size_t)(q - k)) : NULL;
		if (!eq)
			continue;
		r->f[r->n].k = k;
		r->f[r->n].klen = (size_t)(eq - k);
		r->f[r->n].v = eq + 1;
		r->f[r->n].vlen = (size_t)(q - eq - 1);
		r->n++;
	}
}

static bool is_kind(const struct line *r, const char *k)
{
	return r->kind_len == strlen(k) && !memcmp(r->kind, k, r->kind_len);
}

static int field(const struct line *r, const char *key)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (r->f[i].klen == strlen(key) && !memcmp(r->f[i].k, key, r->f[i].klen))
			return (int)i;
	return -1;
}

/* A number (decimal, or 0x hex) into *V; false if missing or malformed. */
static bool num(const struct line *r, const char *key, unsigned long long *v)
{
	int i = field(r, key);
	char tmp[32], *end;

	if (i < 0 || !r->f[i].vlen || r->f[i].vlen >= sizeof(tmp) || r->f[i].v[0] == '-')
		return false;
	memcpy(tmp, r->f[i].v, r->f[i].vlen);
	tmp[r->f[i].vlen] = '\0';
	errno = 0;
	*v = strtoull(tmp, &end, 0);
	return !errno && !*end;
}

static int tri(const struct line *r, const char *key)
{
	unsigned long long v;

	return num(r, key, &v) && v <= 1 ? (int)v : DMABUF_UNKNOWN;
}

/* The %XX-unescaped value of KEY into OUT (SIZE bytes, zero-filled); its length. */
static size_t str(const struct line *r, const char *key, char *out, size_t size)
{
	int i = field(r, key);
	size_t o = 0, j;

	memset(out, 0, size);
	if (i < 0)
		return 0;
	for (j = 0; j < r->f[i].vlen && o < size; j++) {
		const char *v = r->f[i].v;

		if (v[j] == '%' && j + 2 < r->f[i].vlen && dmabuf_hexval(v[j + 1]) >= 0 &&
		    dmabuf_hexval(v[j + 2]) >= 0) {
			out[o++] = (char)(dmabuf_hexval(v[j + 1]) << 4 | dmabuf_hexval(v[j + 2]));
			j += 2;
		} else {
			out[o++] = v[j];
		}
	}
	return o;
}

/* The same, always NUL-terminated. */
static void cstr(const struct line *r, const char *key, char *out, size_t size)
{
	str(r, key, out, size - 1);
	out[size - 1] = '\0';
}

struct replay {
	struct dmabuf_snapshot *s;
	struct bpfsnap_stats *st;
	unsigned int lineno, bad;
	char problem[96];
	bool status;
};

static int take(struct replay *rp, const void *rec, size_t size)
{
	int used = bpfsnap_parse(rp->s, rec, size, rp->st);

	if (used == -ENOMEM)
		return -ENOMEM;
	if (used != (int)size) {
		if (!rp->bad++)
			snprintf(rp->problem, sizeof(rp->problem), "line %u: record refused",
				 rp->lineno);
		return 0;
	}
	dmabuf_capture_bpf_records(rp->s->capture, rec, size);
	return 0;
}

static int one_record(struct replay *rp, const struct line *r)
{
	unsigned long long via = 0, v[8];
	char tmp[SNAP_EXP_NAME_LEN];

	if (!num(r, "via", &via))
		via = 0;
	if (is_kind(r, "buf")) {
		struct snap_buf b = { .hdr = { SNAP_REC_BUF, sizeof(b), (__u32)via } };

		if (!num(r, "ino", &v[0]) || !num(r, "size", &v[1]) || !num(r, "ops", &v[2]) ||
		    !num(r, "file_count", &v[3]) || !num(r, "f_flags", &v[4]) ||
		    !num(r, "f_mode", &v[5]) || !num(r, "flags", &v[6]))
			goto bad;
		b.ino = v[0];
		b.size = v[1];
		b.ops = v[2];
		b.file_count = v[3];
		b.f_flags = (__u32)v[4];
		b.f_mode = (__u32)v[5];
		b.flags = (__u32)v[6];
		str(r, "exp_name", b.exp_name, sizeof(b.exp_name));
		str(r, "name", b.name, sizeof(b.name));
		return take(rp, &b, sizeof(b));
	}
	if (is_kind(r, "att")) {
		struct snap_att a = { .hdr = { SNAP_REC_ATT, sizeof(a), (__u32)via } };

		if (!num(r, "ino", &v[0]) || !num(r, "flags", &v[1]) || !num(r, "dir", &v[2]))
			goto bad;
		a.ino = v[0];
		a.flags = (__u32)v[1];
		a.dir = (__u32)v[2];
		str(r, "dev", a.dev_name, sizeof(a.dev_name));
		str(r, "driver", a.driver, sizeof(a.driver));
		str(r, "bus", a.bus, sizeof(a.bus));
		return take(rp, &a, sizeof(a));
	}
	if (is_kind(r, "owner")) {
		struct snap_owner o = { .hdr = { SNAP_REC_OWNER, sizeof(o), (__u32)via } };

		if (!num(r, "ino", &v[0]) || !num(r, "pid", &v[1]) || !num(r, "fd", &v[2]))
			goto bad;
		o.ino = v[0];
		o.pid = (__u32)v[1];
		o.fd = (__u32)v[2];
		str(r, "comm", o.comm, sizeof(o.comm));
		return take(rp, &o, sizeof(o));
	}
	if (is_kind(r, "ops")) {
		struct snap_ops n = { .hdr = { SNAP_REC_OPS, sizeof(n), (__u32)via } };

		if (!num(r, "addr", &v[0]))
			goto bad;
		n.addr = v[0];
		str(r, "name", n.name, sizeof(n.name));
		return take(rp, &n, sizeof(n));
	}
	if (is_kind(r, "iter")) {
		rp->st->owners_of_known = tri(r, "owners_of_known") == 1;
		cstr(r, "prog", tmp, sizeof(tmp));
		dmabuf_capture_bpf_iter(rp->s->capture, tmp, rp->st->owners_of_known);
		return 0;
	}
	if (is_kind(r, "kernel")) {
		struct dmabuf_kernel *k = &rp->s->kernel;
		int mc = tri(r, "map_cache"), mn = tri(r, "move_notify");

		if (!k->release[0])
			cstr(r, "release", k->release, sizeof(k->release));
		if (mc != DMABUF_UNKNOWN)
			k->has_map_cache = mc;
		if (mn != DMABUF_UNKNOWN && k->move_notify == DMABUF_UNKNOWN)
			k->move_notify = mn;
		return 0;
	}
	if (is_kind(r, "status")) {
		char detail[sizeof(rp->s->status[0].detail)];
		int i = field(r, "state");
		int state = i < 0 ? -1 : state_of(r->f[i].v, r->f[i].vlen);

		if (state < 0 || !num(r, "err", &v[0]))
			goto bad;
		cstr(r, "detail", detail, sizeof(detail));
		dmabuf_source_set(rp->s, SRC_BPF_I, state, (int)v[0], "%s", detail);
		rp->status = true;
		return 0;
	}
	return 0;	/* "cut", or a later format's line */
bad:
	if (!rp->bad++)
		snprintf(rp->problem, sizeof(rp->problem), "line %u: malformed %.*s line",
			 rp->lineno, (int)(r->kind_len < 16 ? r->kind_len : 16), r->kind);
	return 0;
}

/* The file PATH under S's root: 1 read, 0 absent, -errno. */
static int read_root(const struct dmabuf_snapshot *s, const char *path, char **text, size_t *len)
{
	int rootfd = dmabuf_root_open(s), ret;

	if (rootfd < 0)
		return rootfd;
	ret = dmabuf_read_whole(rootfd, path, text, len);
	close(rootfd);
	if (ret == -ENOENT || ret == -ENOTDIR)
		return 0;
	return ret ? ret : 1;
}

int dmabuf_replay_bpf(struct dmabuf_snapshot *s, struct bpfsnap_stats *st)
{
	struct replay rp = { .s = s, .st = st };
	const char *p, *e;
	char *text;
	size_t len;
	int ret = read_root(s, REPORT_RECORDS, &text, &len);

	if (ret == -ENOMEM)
		return ret;
	if (ret < 0) {
		dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_FAILED, -ret, "%s: %s",
				  REPORT_RECORDS, strerror(-ret));
		return 1;
	}
	if (!ret)
		return 0;
	for (p = text, e = text + len, ret = 0; p < e && !ret;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		struct line r;

		if (!nl)
			nl = e;
		rp.lineno++;
		if (nl > p && *p != '#') {
			split(p, (size_t)(nl - p), &r);
			ret = one_record(&rp, &r);
		}
		p = nl + 1;
	}
	free(text);
	if (ret)
		return ret;
	if (rp.bad || !rp.status)
		dmabuf_source_set(s, SRC_BPF_I, DMABUF_SOURCE_PARTIAL, EINVAL,
				  "%s: %s%s", REPORT_RECORDS,
				  rp.bad ? rp.problem : "no status line", rp.bad > 1 ? " (and more)" : "");
	return 1;
}

int dmabuf_replay_sources(struct dmabuf_snapshot *s)
{
	const char *p, *e;
	char *text;
	size_t len;
	int ret = read_root(s, REPORT_SOURCES, &text, &len);

	if (ret <= 0)
		return ret == -ENOMEM ? ret : 0;
	for (p = text, e = text + len; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		char name[32], detail[sizeof(s->status[0].detail)];
		unsigned long long err;
		unsigned int bit;
		struct line r;
		int i, state;

		if (!nl)
			nl = e;
		split(p, (size_t)(nl - p), &r);
		p = nl + 1;
		i = field(&r, "state");
		state = i < 0 ? -1 : state_of(r.f[i].v, r.f[i].vlen);
		if (!is_kind(&r, "source") || state < 0 || state == DMABUF_SOURCE_OK ||
		    !num(&r, "err", &err))
			continue;
		cstr(&r, "name", name, sizeof(name));
		for (bit = 0; bit < DMABUF_SRC_COUNT; bit++)
			if (!strcmp(dmabuf_source_name(bit), name))
				break;
		/* a source this replay did not run stays unused */
		if (bit == DMABUF_SRC_COUNT || s->status[bit].state == DMABUF_SOURCE_UNUSED)
			continue;
		cstr(&r, "detail", detail, sizeof(detail));
		dmabuf_source_set(s, bit, state, (int)err, "%s", detail);
		if (state != DMABUF_SOURCE_PARTIAL)
			s->used &= ~(1u << bit);
	}
	free(text);
	return 0;
}
