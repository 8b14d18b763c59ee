// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * trace_fmt.c - the pure half of the tracer: records of bpf/trace.bpf.c
 * decoded into struct dmabuf_trace_event, event names, filters, and the
 * JSON object of an event written with the json_writer, whose schema
 * dmabuf-trace(8) documents (every field always present, null when it does
 * not apply). The reader's own printed forms are in lib/trace_line.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static const char *const event_names[TRACE_EV__COUNT] = {
	[TRACE_EV_EXPORT] = "export",
	[TRACE_EV_FD] = "fd",
	[TRACE_EV_GET] = "get",
	[TRACE_EV_ATTACH] = "attach",
	[TRACE_EV_DETACH] = "detach",
	[TRACE_EV_MAP] = "map",
	[TRACE_EV_UNMAP] = "unmap",
	[TRACE_EV_MOVE] = "move",
	[TRACE_EV_PIN] = "pin",
	[TRACE_EV_UNPIN] = "unpin",
	[TRACE_EV_BEGIN_CPU] = "begin_cpu_access",
	[TRACE_EV_END_CPU] = "end_cpu_access",
	[TRACE_EV_MMAP] = "mmap",
	[TRACE_EV_VMAP] = "vmap",
	[TRACE_EV_VUNMAP] = "vunmap",
	[TRACE_EV_RELEASE] = "release",
};

const char *dmabuf_trace_event_name(unsigned int kind)
{
	return kind < TRACE_EV__COUNT ? event_names[kind] : NULL;
}

const char *dmabuf_trace_dir_name(int dir)
{
	static const char *const names[] = { "bidirectional", "to_device", "from_device", "none" };

	return dir >= 0 && dir < 4 ? names[dir] : NULL;
}

const char *dmabuf_trace_method_name(unsigned int method)
{
	switch (method) {
	case TRACE_M_TRACEPOINT:
		return "tracepoint";
	case TRACE_M_FENTRY:
		return "fentry";
	case TRACE_M_KPROBE:
		return "kprobe";
	}
	return "none";
}

bool dmabuf_trace_contract_text(unsigned int contract, char *buf, size_t size)
{
	static const char *const what[] = {
		[TRACE_CONTRACT_NOT_HELD] = "reservation lock not held",
		[TRACE_CONTRACT_OTHER_TASK] = "reservation lock held by another task, not the caller",
		[TRACE_CONTRACT_HELD] = "reservation lock held by the caller",
	};
	static const char *const why[] = {
		[TRACE_RULE_NONE] = "",
		[TRACE_RULE_ALL_CALLERS] = "every caller must hold it (6.2+ convention)",
		[TRACE_RULE_IMP_DYNAMIC] = "a dynamic importer must hold it",
		[TRACE_RULE_EXP_DYNAMIC] = "a dynamic exporter's mapping needs it held",
		[TRACE_RULE_PIN_MOVE] = "pin, unpin and move need it held",
		[TRACE_RULE_MIGHT_LOCK] = "must not be held: the exporter may take it",
	};
	unsigned int code = TRACE_CONTRACT_CODE(contract), rule = TRACE_CONTRACT_RULE(contract);

	if (size)
		buf[0] = '\0';
	if (!code || code > TRACE_CONTRACT_HELD)
		return code != 0;
	snprintf(buf, size, "%s%s%s", what[code], rule && rule <= TRACE_RULE_MIGHT_LOCK ? ": " : "",
		 rule <= TRACE_RULE_MIGHT_LOCK ? why[rule] : "");
	return true;
}

int dmabuf_trace_parse_events(const char *list, uint32_t *mask, char *bad, size_t badlen)
{
	const char *p = list;

	*mask = 0;
	if (badlen)
		bad[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, ","), k;

		for (k = 0; k < TRACE_EV__COUNT; k++)
			if (strlen(event_names[k]) == len && !strncmp(p, event_names[k], len))
				break;
		if (k == TRACE_EV__COUNT) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -EINVAL;
		}
		*mask |= 1u << k;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!*mask) {
		snprintf(bad, badlen, "%s", list);
		return -EINVAL;
	}
	return 0;
}

/* --- decoding ------------------------------------------------------------ */

static void copy_str(char *dst, const char *src, size_t size)
{
	const char *nul = memchr(src, '\0', size);
	size_t n = nul ? (size_t)(nul - src) : size;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int tri(uint32_t flags, uint32_t known, uint32_t value)
{
	return flags & known ? !!(flags & value) : -1;
}

int dmabuf_trace_decode(const void *data, size_t len, struct dmabuf_trace_event *ev)
{
	struct trace_rec r;
	uint32_t f;
	unsigned int i;

	if (len < sizeof(r))
		return -EINVAL;
	memcpy(&r, data, sizeof(r));
	if (r.kind >= TRACE_EV__COUNT || r.size_rec < sizeof(r) || r.size_rec > len)
		return -EINVAL;
	if (r.kind == TRACE_EV_MOVE && r.size_rec < sizeof(struct trace_move_rec))
		return -EINVAL;
	f = r.flags;
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = r.ts_ns;
	ev->kind = r.kind;
	ev->method = r.method;
	ev->pid = r.pid;
	ev->tid = r.tid;
	copy_str(ev->comm, r.comm, sizeof(r.comm));
	ev->has_buf = f & TRACE_F_HAS_BUF;
	if (ev->has_buf) {
		ev->ino = r.ino;
		ev->size = r.size;
		copy_str(ev->exporter, r.exporter, sizeof(r.exporter));
		ev->has_name = f & TRACE_F_HAS_NAME;
		if (ev->has_name)
			copy_str(ev->name, r.name, sizeof(r.name));
	}
	ev->has_device = f & TRACE_F_HAS_DEV;
	if (ev->has_device)
		copy_str(ev->device, r.device, sizeof(r.device));
	ev->dir = f & TRACE_F_HAS_DIR && r.dir <= 3 ? (int)r.dir : -1;
	ev->importer_dynamic = tri(f, TRACE_F_IMP_DYN_KNOWN, TRACE_F_IMP_DYN);
	ev->exporter_dynamic = tri(f, TRACE_F_EXP_DYN_KNOWN, TRACE_F_EXP_DYN);
	ev->p2p = tri(f, TRACE_F_P2P_KNOWN, TRACE_F_P2P);
	ev->cached = tri(f, TRACE_F_CACHED_KNOWN, TRACE_F_CACHED);
	ev->pinned = tri(f, TRACE_F_PINNED_KNOWN, TRACE_F_PINNED);
	ev->has_latency = f & TRACE_F_HAS_LATENCY;
	ev->latency_ns = ev->has_latency ? r.latency_ns : 0;
	ev->has_ret = f & TRACE_F_HAS_RET;
	ev->ret = ev->has_ret ? (int64_t)r.ret : 0;
	ev->has_fd = f & TRACE_F_HAS_FD;
	ev->fd = ev->has_fd ? (int)r.fd : -1;
	ev->resv = f & TRACE_F_HAS_RESV && r.resv <= TRACE_RESV_OTHER ? (int)r.resv : -1;
	ev->contract = r.contract;
	ev->has_stack = f & TRACE_F_HAS_STACK;
	ev->stack_id = r.stack_id;
	ev->attach = r.attach;
	if (r.kind == TRACE_EV_MOVE) {
		struct trace_move_rec m;

		memcpy(&m, data, sizeof(m));
		ev->is_move = true;
		ev->notified = m.notified;
		ev->attachments = m.attachments;
		for (i = 0; i < TRACE_MOVE_DEVS; i++)
			copy_str(ev->notified_dev[i], m.notified_dev[i], TRACE_DEV_LEN);
	}
	return 0;
}

/* --- filters ------------------------------------------------------------- */

bool dmabuf_trace_filter_match(const struct dmabuf_trace_filter *f,
			       const struct dmabuf_trace_event *ev)
{
	if (f->events && !(f->events & (1u << ev->kind)))
		return false;
	if (f->pid && (pid_t)ev->pid != f->pid)
		return false;
	if (f->comm && strncmp(ev->comm, f->comm, TRACE_COMM_LEN))
		return false;
	if (f->ino && (!ev->has_buf || ev->ino != f->ino))
		return false;
	if (f->exporter && (!ev->has_buf || strcmp(ev->exporter, f->exporter)))
		return false;
	if (f->device && (!ev->has_device || strcmp(ev->device, f->device)))
		return false;
	return true;
}

/* --- JSON ---------------------------------------------------------------- */

static void tri_field(struct json_writer *jw, const char *name, int v)
{
	if (v < 0)
		jw_null_field(jw, name);
	else
		jw_bool_field(jw, name, v);
}

void dmabuf_trace_json(struct json_writer *jw, const struct dmabuf_trace_event *ev,
		       const char *const *stack, int nstack)
{
	static const char *const resv_names[] = { "free", "caller", "other" };
	char contract[160];
	int i;

	jw_start_object(jw);
	jw_uint_field(jw, "ts_ns", ev->ts_ns);
	jw_string_field(jw, "event", dmabuf_trace_event_name(ev->kind));
	jw_uint_field(jw, "pid", ev->pid);
	jw_uint_field(jw, "tid", ev->tid);
	jw_string_field(jw, "comm", ev->comm);
	if (ev->has_buf) {
		jw_uint_field(jw, "ino", ev->ino);
		jw_string_field(jw, "exporter", ev->exporter);
		jw_uint_field(jw, "size", ev->size);
		jw_string_field(jw, "name", ev->has_name ? ev->name : NULL);
	} else {
		jw_null_field(jw, "ino");
		jw_null_field(jw, "exporter");
		jw_null_field(jw, "size");
		jw_null_field(jw, "name");
	}
	jw_string_field(jw, "device", ev->has_device ? ev->device : NULL);
	jw_string_field(jw, "direction", dmabuf_trace_dir_name(ev->dir));
	tri_field(jw, "importer_dynamic", ev->importer_dynamic);
	tri_field(jw, "exporter_dynamic", ev->exporter_dynamic);
	tri_field(jw, "p2p", ev->p2p);
	tri_field(jw, "cached", ev->cached);
	tri_field(jw, "pinned", ev->pinned);
	if (ev->has_latency)
		jw_uint_field(jw, "latency_ns", ev->latency_ns);
	else
		jw_null_field(jw, "latency_ns");
	if (ev->has_ret)
		jw_int_field(jw, "ret", ev->ret);
	else
		jw_null_field(jw, "ret");
	if (ev->has_fd)
		jw_int_field(jw, "fd", ev->fd);
	else
		jw_null_field(jw, "fd");
	jw_string_field(jw, "resv", ev->resv >= 0 && ev->resv <= 2 ? resv_names[ev->resv] : NULL);
	jw_string_field(jw, "contract",
			dmabuf_trace_contract_text(ev->contract, contract, sizeof(contract)) ?
			contract : NULL);
	jw_name(jw, "notified");
	if (ev->is_move) {
		jw_start_array(jw);
		for (i = 0; i < TRACE_MOVE_DEVS && (unsigned int)i < ev->notified; i++)
			jw_string(jw, ev->notified_dev[i]);
		jw_end_array(jw);
		jw_uint_field(jw, "notified_count", ev->notified);
		jw_uint_field(jw, "attachments", ev->attachments);
	} else {
		jw_null(jw);
		jw_null_field(jw, "notified_count");
		jw_null_field(jw, "attachments");
	}
	jw_string_field(jw, "probe", dmabuf_trace_method_name(ev->method));
	if (stack) {
		jw_name(jw, "stack");
		jw_start_array(jw);
		for (i = 0; i < nstack; i++)
			jw_string(jw, stack[i]);
		jw_end_array(jw);
	}
	jw_end_object(jw);
}
