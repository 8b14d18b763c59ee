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
static void sources_field(struct json_writer *jw, const char *name, unsigned int mask)
{
	static char text[1u << DMABUF_SRC_COUNT][96];
	char buf[96];

	if (mask >= (1u << DMABUF_SRC_COUNT)) {
		jw_string_field(jw, name, dmabuf_sources_str(mask, buf, sizeof(buf)));
		return;
	}
	if (!text[mask][0])
		dmabuf_sources_str(mask, text[mask], sizeof(text[mask]));
	jw_string_field(jw, name, text[mask]);
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
 * The provenance object, the same for most buffers of a snapshot: the last
 * one's text is kept and copied while the sources stay the same (compact
 * output only).
 */
static void provenance(struct json_writer *jw, const struct dmabuf_buffer *b)
{
	static struct {
		unsigned int src[DMABUF_F__COUNT], seen;
		char *text;
		size_t len;
	} last;
	struct json_writer *tw;
	size_t len = 0;
	char *text = NULL;
	FILE *f;

	if (jw_is_pretty(jw)) {
		json_provenance(jw, b);
		return;
	}
	if (last.text && last.seen == b->seen && !memcmp(last.src, b->src, sizeof(last.src))) {
		jw_raw(jw, last.text, last.len);
		return;
	}
	f = open_memstream(&text, &len);
	tw = f ? jw_new(f, false) : NULL;
	if (tw) {
		json_provenance(tw, b);
		jw_destroy(tw);	/* and its newline */
	}
	if (!f || fclose(f) || !tw || !len) {
		free(text);
		json_provenance(jw, b);
		return;
	}
	free(last.text);
	last.text = text;
	last.len = len - 1;
	last.seen = b->seen;
	memcpy(last.src, b->src, sizeof(last.src));
	jw_raw(jw, last.text, last.len);
}

void dmabuf_json_buffer(struct json_writer *jw, const struct dmabuf_snapshot *s,
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
	provenance(jw, b);
	jw_end_object(jw);
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
