// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_json.h"

/* Sources that list every buffer of the system (procfs sees owned ones only). */
#define ENUMERATING (DMABUF_SRC_DEBUGFS | DMABUF_SRC_SYSFS | DMABUF_SRC_BPF)

const char *dmabuf_source_state_name(enum dmabuf_source_state st)
{
	switch (st) {
	case DMABUF_SOURCE_UNUSED: return "unused";
	case DMABUF_SOURCE_OK: return "ok";
	case DMABUF_SOURCE_PARTIAL: return "partial";
	case DMABUF_SOURCE_UNAVAILABLE: return "unavailable";
	case DMABUF_SOURCE_FAILED: return "failed";
	}
	return "?";
}

static void tri_field(struct json_writer *jw, const char *name, int v)
{
	if (v == DMABUF_UNKNOWN)
		jw_null_field(jw, name);
	else
		jw_bool_field(jw, name, v);
}

/* "debugfs+procfs" of MASK, made once per mask: a snapshot prints thousands. */
static const char *sources_text(unsigned int mask, char *buf, size_t len)
{
	static char text[1u << DMABUF_SRC_COUNT][96];

	if (mask >= (1u << DMABUF_SRC_COUNT))
		return dmabuf_sources_str(mask, buf, len);
	if (!text[mask][0])
		dmabuf_sources_str(mask, text[mask], sizeof(text[mask]));
	return text[mask];
}

static void sources_field(struct json_writer *jw, const char *name, unsigned int mask)
{
	char buf[96];

	jw_string_field(jw, name, sources_text(mask, buf, sizeof(buf)));
}

static void json_attachment(struct json_writer *jw, const struct dmabuf_attachment *a)
{
	jw_start_object(jw);
	jw_string_field(jw, "device", a->device);
	jw_string_field(jw, "driver", a->driver);
	tri_field(jw, "importer_dynamic", a->importer_dynamic);
	tri_field(jw, "peer2peer", a->peer2peer);
	tri_field(jw, "cached", a->cached);
	if (a->cached == 1 && a->cached_dir != DMABUF_UNKNOWN)
		jw_string_field(jw, "direction", dmabuf_dir_name(a->cached_dir));
	else
		jw_null_field(jw, "direction");
	tri_field(jw, "pinned", a->pinned);
	tri_field(jw, "mismatch", a->mismatch);
	sources_field(jw, "sources", a->src);
	jw_end_object(jw);
}

static void json_owner(struct json_writer *jw, const struct dmabuf_owner *o)
{
	unsigned int i;

	jw_start_object(jw);
	jw_int_field(jw, "pid", o->pid);
	jw_string_field(jw, "comm", o->comm);
	jw_name(jw, "fds");
	jw_start_array(jw);
	for (i = 0; i < o->nfds; i++)
		jw_int(jw, o->fds[i]);
	jw_end_array(jw);
	jw_uint_field(jw, "maps", o->nmaps);
	jw_uint_field(jw, "mapped_bytes", o->mapped_bytes);
	jw_end_object(jw);
}

static void json_provenance(struct json_writer *jw, const struct dmabuf_buffer *b)
{
	size_t i;

	jw_start_object(jw);
	for (i = 0; i < DMABUF_F__COUNT; i++)
		if (b->src[i])
			sources_field(jw, dmabuf_field_name(i), b->src[i]);
	sources_field(jw, "seen_by", b->seen);
	jw_end_object(jw);
}

/*
 * The provenance object's compact text, the same for most buffers of a
 * snapshot: the last one is kept and given again while the sources stay the
 * same. NULL when it cannot be made (out of memory).
 */
static const char *provenance_text(const struct dmabuf_buffer *b, size_t *len)
{
	static struct {
		uint8_t src[DMABUF_F__COUNT], seen;
		char *text;
		size_t len;
	} last;
	struct json_writer *tw;
	size_t n = 0;
	char *text = NULL;
	FILE *f;

	if (last.text && last.seen == b->seen && !memcmp(last.src, b->src, sizeof(last.src))) {
		*len = last.len;
		return last.text;
	}
	f = open_memstream(&text, &n);
	tw = f ? jw_new(f, false) : NULL;
	if (tw) {
		json_provenance(tw, b);
		jw_destroy(tw);	/* and its newline */
	}
	if (!f || fclose(f) || !tw || !n) {
		free(text);
		return NULL;
	}
	free(last.text);
	last.text = text;
	last.len = n - 1;
	last.seen = b->seen;
	memcpy(last.src, b->src, sizeof(last.src));
	*len = last.len;
	return last.text;
}

/* tri_field()'s value */
static char *put_tri(char *p, int v)
{
	if (v == DMABUF_UNKNOWN)
		return JP_LIT(p, "null");
	return v ? JP_LIT(p, "true") : JP_LIT(p, "false");
}

/* A string member's length (0 for NULL) and the most it takes quoted */
static size_t str_len(const char *s, size_t *max)
{
	size_t len = s ? strlen(s) : 0;

	*max += s ? JP_STR_MAX(len) : 4;
	return len;
}

static char *put_str(char *p, const char *s, size_t len)
{
	return s ? jp_strn(p, s, len) : JP_LIT(p, "null");
}

/* Member names, numbers and literals: what a buffer, attachment, owner holds besides strings */
#define BUF_FIXED 320
#define ATT_FIXED 200
#define OWN_FIXED 100

static char *put_attachment(char *p, const struct dmabuf_attachment *a)
{
	char buf[96];

	p = JP_LIT(p, "{\"device\":");
	p = jp_str(p, a->device);
	p = JP_LIT(p, ",\"driver\":");
	p = jp_str(p, a->driver);
	p = JP_LIT(p, ",\"importer_dynamic\":");
	p = put_tri(p, a->importer_dynamic);
	p = JP_LIT(p, ",\"peer2peer\":");
	p = put_tri(p, a->peer2peer);
	p = JP_LIT(p, ",\"cached\":");
	p = put_tri(p, a->cached);
	p = JP_LIT(p, ",\"direction\":");
	if (a->cached == 1 && a->cached_dir != DMABUF_UNKNOWN)
		p = jp_str(p, dmabuf_dir_name(a->cached_dir));
	else
		p = JP_LIT(p, "null");
	p = JP_LIT(p, ",\"pinned\":");
	p = put_tri(p, a->pinned);
	p = JP_LIT(p, ",\"mismatch\":");
	p = put_tri(p, a->mismatch);
	p = JP_LIT(p, ",\"sources\":");
	p = jp_str(p, sources_text(a->src, buf, sizeof(buf)));
	*p++ = '}';
	return p;
}

static char *put_owner(char *p, const struct dmabuf_owner *o)
{
	unsigned int i;

	p = JP_LIT(p, "{\"pid\":");
	p = jp_int(p, o->pid);
	p = JP_LIT(p, ",\"comm\":");
	p = jp_str(p, o->comm);
	p = JP_LIT(p, ",\"fds\":[");
	for (i = 0; i < o->nfds; i++) {
		if (i)
			*p++ = ',';
		p = jp_int(p, o->fds[i]);
	}
	p = JP_LIT(p, "],\"maps\":");
	p = jp_uint(p, o->nmaps);
	p = JP_LIT(p, ",\"mapped_bytes\":");
	p = jp_uint(p, o->mapped_bytes);
	*p++ = '}';
	return p;
}

/*
 * A buffer as one piece of text, the bytes dmabuf_json_buffer_members()
 * writes (tests/unit/test_json.c holds it to them): `ls -j` prints
 * thousands of these and the writer's calls per member were most of its
 * cost. False when the writer is pretty or the buffer does not fit its room.
 */
static bool json_buffer_text(struct json_writer *jw, const struct dmabuf_snapshot *s,
			     const struct dmabuf_buffer *b)
{
	size_t n = BUF_FIXED, i, plen, exp_len, name_len, ops_len;
	const char *prov;
	char *p;

	if (jw_is_pretty(jw) || !(prov = provenance_text(b, &plen)))
		return false;
	exp_len = str_len(b->exporter, &n);
	name_len = str_len(b->name, &n);
	ops_len = str_len(b->exp_ops, &n);
	n += plen;
	for (i = 0; i < b->n_att; i++)
		n += ATT_FIXED + JP_STR_MAX(strlen(b->att[i].device ? b->att[i].device : "")) +
		     JP_STR_MAX(strlen(b->att[i].driver ? b->att[i].driver : "")) +
		     JP_STR_MAX(96);
	for (i = 0; i < b->n_own; i++)
		n += OWN_FIXED + JP_STR_MAX(sizeof(b->own[i].comm)) +
		     (size_t)b->own[i].nfds * (JP_NUM_MAX + 1);
	p = jw_reserve(jw, n);
	if (!p)
		return false;
	p = JP_LIT(p, "{\"ino\":");
	p = jp_uint(p, b->ino);
	p = JP_LIT(p, ",\"size\":");
	p = jp_uint(p, b->size);
	p = JP_LIT(p, ",\"exporter\":");
	p = put_str(p, b->exporter, exp_len);
	p = JP_LIT(p, ",\"name\":");
	p = put_str(p, b->name, name_len);
	p = JP_LIT(p, ",\"count\":");
	p = b->file_count < 0 ? JP_LIT(p, "null") : jp_int(p, b->file_count);
	p = JP_LIT(p, ",\"exporter_dynamic\":");
	p = put_tri(p, b->exporter_dynamic);
	p = JP_LIT(p, ",\"exporter_ops\":");
	p = put_str(p, b->exp_ops, ops_len);
	p = JP_LIT(p, ",\"unowned\":");
	p = put_tri(p, dmabuf_buffer_unowned(s, b));
	p = JP_LIT(p, ",\"violations\":");
	p = b->violations < 0 ? JP_LIT(p, "null") : jp_int(p, b->violations);
	p = JP_LIT(p, ",\"attachments\":[");
	for (i = 0; i < b->n_att; i++) {
		if (i)
			*p++ = ',';
		p = put_attachment(p, &b->att[i]);
	}
	p = JP_LIT(p, "],\"owners\":[");
	for (i = 0; i < b->n_own; i++) {
		if (i)
			*p++ = ',';
		p = put_owner(p, &b->own[i]);
	}
	p = JP_LIT(p, "],\"provenance\":");
	memcpy(p, prov, plen);
	p += plen;
	*p++ = '}';
	jw_commit(jw, p);
	return true;
}

void dmabuf_json_buffer_members(struct json_writer *jw, const struct dmabuf_snapshot *s,
				const struct dmabuf_buffer *b)
{
	size_t i;

	jw_start_object(jw);
	jw_uint_field(jw, "ino", b->ino);
	jw_uint_field(jw, "size", b->size);
	jw_string_field(jw, "exporter", b->exporter);
	jw_string_field(jw, "name", b->name);
	if (b->file_count < 0)
		jw_null_field(jw, "count");
	else
		jw_int_field(jw, "count", b->file_count);
	tri_field(jw, "exporter_dynamic", b->exporter_dynamic);
	jw_string_field(jw, "exporter_ops", b->exp_ops);
	tri_field(jw, "unowned", dmabuf_buffer_unowned(s, b));
	if (b->violations < 0)
		jw_null_field(jw, "violations");
	else
		jw_int_field(jw, "violations", b->violations);
	jw_name(jw, "attachments");
	jw_start_array(jw);
	for (i = 0; i < b->n_att; i++)
		json_attachment(jw, &b->att[i]);
	jw_end_array(jw);
	jw_name(jw, "owners");
	jw_start_array(jw);
	for (i = 0; i < b->n_own; i++)
		json_owner(jw, &b->own[i]);
	jw_end_array(jw);
	jw_name(jw, "provenance");
	json_provenance(jw, b);
	jw_end_object(jw);
}

void dmabuf_json_buffer(struct json_writer *jw, const struct dmabuf_snapshot *s,
			const struct dmabuf_buffer *b)
{
	if (!json_buffer_text(jw, s, b))
		dmabuf_json_buffer_members(jw, s, b);
}

void dmabuf_json_unreachable(struct json_writer *jw, const struct dmabuf_snapshot *s)
{
	unsigned int bit;
	size_t i;

	jw_start_array(jw);
	for (bit = 0; bit < DMABUF_SRC_COUNT; bit++) {
		unsigned int src = 1u << bit;

		if (!(src & ENUMERATING) || !(s->used & src))
			continue;
		jw_start_object(jw);
		jw_string_field(jw, "source", dmabuf_source_name(bit));
		jw_name(jw, "inos");
		jw_start_array(jw);
		for (i = 0; i < s->n_buf; i++) {
			const struct dmabuf_buffer *b = &s->buf[i];

			if ((b->seen & ENUMERATING & s->used) && !(b->seen & src))
				jw_uint(jw, b->ino);
		}
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

void dmabuf_json_snapshot(struct json_writer *jw, const struct dmabuf_snapshot *s,
			  const struct dmabuf_filter *f)
{
	unsigned int bit;
	size_t i;

	jw_start_object(jw);
	jw_name(jw, "kernel");
	jw_start_object(jw);
	jw_string_field(jw, "release", s->kernel.release[0] ? s->kernel.release : NULL);
	tri_field(jw, "map_cache", s->kernel.has_map_cache);
	tri_field(jw, "move_notify", s->kernel.move_notify);
	jw_end_object(jw);
	jw_string_field(jw, "root", s->root);
	jw_name(jw, "sources");
	jw_start_array(jw);
	for (bit = 0; bit < DMABUF_SRC_COUNT; bit++) {
		const struct dmabuf_source_status *st = &s->status[bit];

		if (st->state == DMABUF_SOURCE_UNUSED)
			continue;
		jw_start_object(jw);
		jw_string_field(jw, "name", dmabuf_source_name(bit));
		jw_string_field(jw, "state", dmabuf_source_state_name(st->state));
		if (st->err)
			jw_string_field(jw, "error", strerror(st->err));
		else
			jw_null_field(jw, "error");
		jw_string_field(jw, "detail", st->detail[0] ? st->detail : NULL);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "buffers");
	jw_start_array(jw);
	for (i = 0; i < s->n_buf; i++)
		if (dmabuf_filter_match(f, &s->buf[i]))
			dmabuf_json_buffer(jw, s, &s->buf[i]);
	jw_end_array(jw);
	jw_name(jw, "unreachable");
	dmabuf_json_unreachable(jw, s);
	jw_end_object(jw);
}
