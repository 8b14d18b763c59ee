/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef DMABUF_SNAPSHOT_JSON_H
#define DMABUF_SNAPSHOT_JSON_H

#include "json.h"
#include "model.h"
#include "views.h"

/*
 * The snapshot as JSON: the stable schema documented in dmabuf(8).
 * {"kernel", "root", "sources", "buffers", "unreachable"}; unknown values are
 * null. Only buffers matching F (NULL: all) are written.
 */
void dmabuf_json_snapshot(struct json_writer *jw, const struct dmabuf_snapshot *s,
			  const struct dmabuf_filter *f);
/* One buffer object, as inside "buffers". */
void dmabuf_json_buffer(struct json_writer *jw, const struct dmabuf_snapshot *s,
			const struct dmabuf_buffer *b);
/* The same member by member: a pretty writer's way, the compact text's reference. */
void dmabuf_json_buffer_members(struct json_writer *jw, const struct dmabuf_snapshot *s,
				const struct dmabuf_buffer *b);
/* Sources that enumerate every buffer, and which buffers each one missed. */
void dmabuf_json_unreachable(struct json_writer *jw, const struct dmabuf_snapshot *s);
const char *dmabuf_source_state_name(enum dmabuf_source_state st);

#endif
