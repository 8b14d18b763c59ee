// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * loadcache_file.c - the file of a kept load (lib/loadcache.c): written
 * whole from an image, and checked whole before anything in it is loaded.
 *
 * The file (native byte order: it never leaves the machine):
 *   struct lc_hdr, then its body (a crc32 of both in the header):
 *   the caller's state, padded to 8; the programs' BTF, padded to 8;
 *   n_maps x (struct lc_map, its initial value padded to 8);
 *   n_progs x (struct lc_prog, its instructions, its func_info).
 * In the instructions, a map reference (ldimm64 of BPF_PSEUDO_MAP_FD or
 * BPF_PSEUDO_MAP_VALUE) holds the map's index in the file instead of an fd.
 * Programs that refer to module BTF (an fd of theirs in the instructions)
 * are not kept: a module can come and go within a boot.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <linux/bpf.h>

#include "loadcache.h"
#include "loadcache_priv.h"

int lc_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return 0;
	return i > 0 && i < sizeof(((struct lc_hdr *)0)->name);
}

int lc_is_map_ref(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
	       (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE);
}

static uint32_t file_crc(const struct lc_hdr *h, const void *body, size_t len)
{
	struct lc_hdr zero = *h;
	uLong crc;

	zero.crc = 0;
	crc = crc32(0, (const Bytef *)&zero, sizeof(zero));
	return (uint32_t)crc32(crc, (const Bytef *)body, (uInt)len);
}

/* A growing byte buffer for the file. */
struct out {
	char *p;
	size_t len, cap;
	int err;
};

static void put(struct out *o, const void *data, size_t len)
{
	size_t want = PAD8(len);

	if (o->err)
		return;
	if (o->len + want > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 65536;
		char *p;

		while (cap < o->len + want)
			cap *= 2;
		p = cap <= LC_MAX_FILE ? realloc(o->p, cap) : NULL;
		if (!p) {
			o->err = cap <= LC_MAX_FILE ? -ENOMEM : -EFBIG;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, data, len);
	memset(o->p + o->len + len, 0, want - len);
	o->len += want;
}

int loadcache_encode(const struct loadcache_image *im, void **text, size_t *len)
{
	struct out o = { 0 };
	struct lc_hdr h;
	int i;

	*text = NULL;
	*len = 0;
	if (strlen(im->key) >= sizeof(h.key) || strlen(im->boot_id) >= sizeof(h.boot_id) ||
	    !lc_name_ok(im->name) || im->n_maps > LOADCACHE_MAX_MAPS ||
	    im->n_progs > LOADCACHE_MAX_PROGS || im->n_progs < 1 || !im->btf_len ||
	    im->btf_len > LC_MAX_FILE)
		return -EINVAL;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, LC_MAGIC, sizeof(LC_MAGIC));
	h.version = LC_VERSION;
	h.state_len = (uint32_t)im->state_len;
	h.btf_len = (uint32_t)im->btf_len;
	snprintf(h.key, sizeof(h.key), "%s", im->key);
	snprintf(h.boot_id, sizeof(h.boot_id), "%s", im->boot_id);
	snprintf(h.name, sizeof(h.name), "%s", im->name);
	h.n_maps = (uint32_t)im->n_maps;
	h.n_progs = (uint32_t)im->n_progs;
	put(&o, &h, sizeof(h));
	put(&o, im->state, im->state_len);
	put(&o, im->btf, im->btf_len);
	for (i = 0; i < im->n_maps; i++) {
		const struct loadcache_map *m = &im->maps[i];
		struct lc_map lm;

		memset(&lm, 0, sizeof(lm));
		memcpy(lm.name, m->name, sizeof(lm.name) - 1);
		lm.type = m->type;
		lm.key_size = m->key_size;
		lm.value_size = m->value_size;
		lm.max_entries = m->max_entries;
		lm.flags = m->flags;
		lm.init_len = m->init ? m->value_size : 0;
		lm.extra = m->extra;
		put(&o, &lm, sizeof(lm));
		if (m->init)
			put(&o, m->init, m->value_size);
	}
	for (i = 0; i < im->n_progs; i++) {
		const struct loadcache_prog *p = &im->progs[i];
		struct lc_prog lp;

		if (!p->n_insns || p->n_insns > LC_MAX_INSNS || !p->n_func ||
		    p->n_func > LC_MAX_FUNCS) {
			free(o.p);
			return -EINVAL;
		}
		memset(&lp, 0, sizeof(lp));
		memcpy(lp.name, p->name, sizeof(lp.name) - 1);
		lp.type = p->type;
		lp.expected_attach_type = p->expected_attach_type;
		lp.attach_btf_id = p->attach_btf_id;
		lp.flags = p->flags;
		lp.n_insns = (uint32_t)p->n_insns;
		lp.n_func = (uint32_t)p->n_func;
		put(&o, &lp, sizeof(lp));
		put(&o, p->insns, p->n_insns * sizeof(*p->insns));
		put(&o, p->func_info, p->n_func * sizeof(*p->func_info));
	}
	if (o.err) {
		free(o.p);
		return o.err;
	}
	h.body_len = (uint32_t)(o.len - sizeof(h));
	h.crc = file_crc(&h, o.p + sizeof(h), h.body_len);
	memcpy(o.p, &h, sizeof(h));
	*text = o.p;
	*len = o.len;
	return 0;
}

/* A cursor over the body of a file. */
struct in {
	const char *p;
	size_t left;
};

static const void *take(struct in *c, size_t len)
{
	const void *p = c->p;

	if (PAD8(len) > c->left || PAD8(len) < len)
		return NULL;
	c->p += PAD8(len);
	c->left -= PAD8(len);
	return p;
}

int lc_parse(const void *text, size_t len, const struct loadcache_image *want,
	     struct parsed *out)
{
	struct in c = { text, len };
	const struct lc_hdr *h = take(&c, sizeof(*h));
	uint32_t i, j;

	if (!h || memcmp(h->magic, LC_MAGIC, sizeof(LC_MAGIC)) || h->version != LC_VERSION ||
	    h->state_len != want->state_len || strncmp(h->key, want->key, sizeof(h->key)) ||
	    strncmp(h->boot_id, want->boot_id, sizeof(h->boot_id)) ||
	    strncmp(h->name, want->name, sizeof(h->name)) || h->n_maps > LOADCACHE_MAX_MAPS ||
	    h->n_progs > LOADCACHE_MAX_PROGS || !h->n_progs || h->body_len != c.left ||
	    h->crc != file_crc(h, c.p, h->body_len))
		return -EBADMSG;
	out->h = h;
	out->state = take(&c, want->state_len);
	out->btf = h->btf_len ? take(&c, h->btf_len) : NULL;
	if (!out->state || !out->btf)
		return -EBADMSG;
	for (i = 0; i < h->n_maps; i++) {
		const struct lc_map *m = take(&c, sizeof(*m));

		if (!m || (m->init_len && m->init_len != m->value_size) ||
		    !memchr(m->name, '\0', sizeof(m->name)))
			return -EBADMSG;
		out->map[i] = m;
		out->init[i] = m->init_len ? take(&c, m->init_len) : NULL;
		if (m->init_len && !out->init[i])
			return -EBADMSG;
	}
	for (i = 0; i < h->n_progs; i++) {
		const struct lc_prog *p = take(&c, sizeof(*p));
		const struct bpf_insn *x;

		if (!p || !p->n_insns || p->n_insns > LC_MAX_INSNS || !p->n_func ||
		    p->n_func > LC_MAX_FUNCS || !memchr(p->name, '\0', sizeof(p->name)))
			return -EBADMSG;
		x = take(&c, (size_t)p->n_insns * sizeof(*x));
		out->func[i] = take(&c, (size_t)p->n_func * sizeof(*out->func[i]));
		if (!x || !out->func[i])
			return -EBADMSG;
		for (j = 0; j < p->n_insns; j++)
			if (lc_is_map_ref(&x[j]) &&
			    (j + 1 == p->n_insns || (uint32_t)x[j].imm >= h->n_maps))
				return -EBADMSG;
		out->prog[i] = p;
		out->insns[i] = x;
	}
	return c.left ? -EBADMSG : 0;
}

int loadcache_check(const void *text, size_t len, const struct loadcache_image *expect)
{
	struct parsed p;

	return lc_parse(text, len, expect, &p);
}
