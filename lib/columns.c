// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * columns.c - the columns of every table, by view. A cell's text and its
 * ordering are defined here once; `-o`, `--sort`, `--list-columns` and
 * dmabuf-top's columns all come from these tables.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "views.h"

void dmabuf_format_size(uint64_t bytes, unsigned int fmt, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	if ((fmt & DMABUF_FMT_BYTES) || bytes < 1024) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v < 10)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

int dmabuf_parse_size(const char *text, uint64_t *out)
{
	static const char units[] = "KMGTPE";
	char *end;
	double v;
	const char *u;
	int shift = 0;

	if (!text || !*text || *text == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || v < 0)
		return -EINVAL;
	if (*end) {
		u = strchr(units, *end >= 'a' ? *end - 32 : *end);
		if (!u || !*u)
			return -EINVAL;
		shift = 10 * (int)(u - units + 1);
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end)
			return -EINVAL;
	}
	v *= (double)(1ull << shift);
	if (v >= 18446744073709551615.0)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

static void put_escaped(const char *str, char *buf, size_t len)
{
	if (!str)
		snprintf(buf, len, "-");
	else
		dmabuf_escape(str, strlen(str), buf, len);
}

static void put_tri(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%s", v == 1 ? "yes" : v == 0 ? "no" : "?");
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* ---- buffers ---- */
#define BUF(row) ((const struct dmabuf_buffer *)(row))

static void b_ino(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	snprintf(buf, len, "%" PRIu64, BUF(r)->ino);
}
static int bc_ino(const void *a, const void *b) { return cmp_u64(BUF(a)->ino, BUF(b)->ino); }

static void b_size(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s;
	dmabuf_format_size(BUF(r)->size, fmt, buf, len);
}
static int bc_size(const void *a, const void *b) { return cmp_u64(BUF(a)->size, BUF(b)->size); }

static void b_exporter(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_escaped(BUF(r)->exporter, buf, len);
}
static int bc_exporter(const void *a, const void *b) { return cmp_str(BUF(a)->exporter, BUF(b)->exporter); }

static void b_name(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_escaped(BUF(r)->name, buf, len);
}
static int bc_name(const void *a, const void *b) { return cmp_str(BUF(a)->name, BUF(b)->name); }

static void b_count(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	if (BUF(r)->file_count < 0)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%ld", BUF(r)->file_count);
}
static int bc_count(const void *a, const void *b)
{
	return (BUF(a)->file_count > BUF(b)->file_count) - (BUF(a)->file_count < BUF(b)->file_count);
}

static void b_state(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	char st[6];

	(void)fmt;
	dmabuf_buffer_state(s, BUF(r), st);
	snprintf(buf, len, "%s", st);
}

static void b_dynamic(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_tri(BUF(r)->exporter_dynamic, buf, len);
}
static int bc_dynamic(const void *a, const void *b)
{
	return BUF(a)->exporter_dynamic - BUF(b)->exporter_dynamic;
}

static void b_att(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	snprintf(buf, len, "%u", BUF(r)->n_att);
}
static int bc_att(const void *a, const void *b) { return cmp_u64(BUF(a)->n_att, BUF(b)->n_att); }

static void b_devices(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	size_t i, used = 0;

	(void)s; (void)fmt;
	buf[0] = '\0';
	for (i = 0; i < BUF(r)->n_att && used + 1 < len; i++) {
		const char *d = BUF(r)->att[i].device;

		if (i)
			buf[used++] = ',';
		used += dmabuf_escape(d ? d : "?", d ? strlen(d) : 1, buf + used, len - used);
		if (used >= len)
			used = len - 1;
	}
	buf[used < len ? used : len - 1] = '\0';
	if (!BUF(r)->n_att)
		snprintf(buf, len, "-");
}

static void b_procs(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	snprintf(buf, len, "%u", BUF(r)->n_own);
}
static int bc_procs(const void *a, const void *b) { return cmp_u64(BUF(a)->n_own, BUF(b)->n_own); }

static void b_owners(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	size_t i, used = 0;

	(void)s; (void)fmt;
	buf[0] = '\0';
	for (i = 0; i < BUF(r)->n_own && used + 1 < len; i++) {
		const struct dmabuf_owner *o = &BUF(r)->own[i];
		char comm[sizeof(o->comm) * 4];
		int n;

		dmabuf_escape(o->comm, strlen(o->comm), comm, sizeof(comm));
		n = snprintf(buf + used, len - used, "%s%d/%s", i ? "," : "", (int)o->pid, comm);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!BUF(r)->n_own)
		snprintf(buf, len, "-");
}

static void b_ops(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_escaped(BUF(r)->exp_ops, buf, len);
}
static int bc_ops(const void *a, const void *b) { return cmp_str(BUF(a)->exp_ops, BUF(b)->exp_ops); }

static void b_sources(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	dmabuf_sources_str(BUF(r)->seen, buf, len);
}

static const struct dmabuf_column buffer_columns[] = {
	{ "ino", "INO", 8, true, false, "inode number: the buffer's identity", b_ino, bc_ino },
	{ "size", "SIZE", 6, true, false, "size of the buffer", b_size, bc_size },
	{ "exporter", "EXPORTER", 10, false, false, "exporting driver (exp_name)", b_exporter, bc_exporter },
	{ "state", "STATE", 5, false, false,
	  "D dynamic exporter, M mismatched, C cached mapping, P pinned, U unowned; - no, ? unknown",
	  b_state, NULL },
	{ "dynamic", "DYN", 3, false, false, "exporter is dynamic (ops->pin)", b_dynamic, bc_dynamic },
	{ "count", "COUNT", 5, true, false, "file references (file_count)", b_count, bc_count },
	{ "att", "ATT", 3, true, false, "number of attachments", b_att, bc_att },
	{ "devices", "DEVICES", 12, false, false, "attached devices", b_devices, NULL },
	{ "procs", "PROCS", 5, true, false, "number of processes holding it", b_procs, bc_procs },
	{ "owners", "OWNERS", 14, false, false, "pid/comm of every holder", b_owners, NULL },
	{ "ops", "OPS", 16, false, false, "symbol of the exporter's dma_buf_ops (BPF)", b_ops, bc_ops },
	{ "sources", "SOURCES", 10, false, false, "sources that saw the buffer", b_sources, NULL },
	{ "name", "NAME", 4, false, true, "buffer name (DMA_BUF_SET_NAME), escaped", b_name, bc_name },
};

/* ---- processes ---- */
#define PROC(row) ((const struct dmabuf_proc_row *)(row))

static void p_pid(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	snprintf(buf, len, "%d", (int)PROC(r)->pid);
}
static int pc_pid(const void *a, const void *b) { return (PROC(a)->pid > PROC(b)->pid) - (PROC(a)->pid < PROC(b)->pid); }

static void p_comm(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_escaped(PROC(r)->comm, buf, len);
}
static int pc_comm(const void *a, const void *b) { return strcmp(PROC(a)->comm, PROC(b)->comm); }

#define P_COUNT(field)								\
static void p_##field(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt,	\
		      char *buf, size_t len)						\
{										\
	(void)s; (void)fmt;							\
	snprintf(buf, len, "%u", PROC(r)->field);				\
}										\
static int pc_##field(const void *a, const void *b)				\
{										\
	return cmp_u64(PROC(a)->field, PROC(b)->field);				\
}
P_COUNT(nbufs)
P_COUNT(nfds)
P_COUNT(nmaps)

#define P_SIZE(field)								\
static void p_##field(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt,	\
		      char *buf, size_t len)						\
{										\
	(void)s;								\
	dmabuf_format_size(PROC(r)->field, fmt, buf, len);			\
}										\
static int pc_##field(const void *a, const void *b)				\
{										\
	return cmp_u64(PROC(a)->field, PROC(b)->field);				\
}
P_SIZE(rss)
P_SIZE(pss)

static const struct dmabuf_column proc_columns[] = {
	{ "pid", "PID", 7, true, false, "process id", p_pid, pc_pid },
	{ "bufs", "BUFS", 4, true, false, "dma-bufs it holds (fd or mapping)", p_nbufs, pc_nbufs },
	{ "fds", "FDS", 4, true, false, "dma-buf fds", p_nfds, pc_nfds },
	{ "maps", "MAPS", 4, true, false, "dma-buf mappings", p_nmaps, pc_nmaps },
	{ "rss", "RSS", 6, true, false, "total size of the buffers it holds", p_rss, pc_rss },
	{ "pss", "PSS", 6, true, false, "each buffer's size divided among its holders", p_pss, pc_pss },
	{ "comm", "COMM", 4, false, true, "command name, escaped", p_comm, pc_comm },
};

/* ---- exporters ---- */
#define EXP(row) ((const struct dmabuf_exporter_row *)(row))

static void e_name(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_escaped(EXP(r)->exporter, buf, len);
}
static int ec_name(const void *a, const void *b) { return cmp_str(EXP(a)->exporter, EXP(b)->exporter); }

#define E_COUNT(field)								\
static void e_##field(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt,	\
		      char *buf, size_t len)						\
{										\
	(void)s; (void)fmt;							\
	snprintf(buf, len, "%u", EXP(r)->field);				\
}										\
static int ec_##field(const void *a, const void *b)				\
{										\
	return cmp_u64(EXP(a)->field, EXP(b)->field);				\
}
E_COUNT(nbufs)
E_COUNT(natt)
E_COUNT(nunowned)

static void e_bytes(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s;
	dmabuf_format_size(EXP(r)->bytes, fmt, buf, len);
}
static int ec_bytes(const void *a, const void *b) { return cmp_u64(EXP(a)->bytes, EXP(b)->bytes); }

static void e_dynamic(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_tri(EXP(r)->dynamic, buf, len);
}

static const struct dmabuf_column exporter_columns[] = {
	{ "bufs", "BUFS", 5, true, false, "buffers exported", e_nbufs, ec_nbufs },
	{ "bytes", "BYTES", 6, true, false, "their total size", e_bytes, ec_bytes },
	{ "dynamic", "DYN", 3, false, false, "exporter is dynamic (? when mixed or unknown)", e_dynamic, NULL },
	{ "att", "ATT", 4, true, false, "attachments to its buffers", e_natt, ec_natt },
	{ "unowned", "UNOWNED", 7, true, false, "buffers no process holds", e_nunowned, ec_nunowned },
	{ "exporter", "EXPORTER", 8, false, true, "exporter name, escaped", e_name, ec_name },
};

/* ---- devices ---- */
#define DEV(row) ((const struct dmabuf_device_row *)(row))

static void d_name(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_escaped(DEV(r)->device, buf, len);
}
static int dc_name(const void *a, const void *b) { return cmp_str(DEV(a)->device, DEV(b)->device); }

static void d_driver(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s; (void)fmt;
	put_escaped(DEV(r)->driver, buf, len);
}
static int dc_driver(const void *a, const void *b) { return cmp_str(DEV(a)->driver, DEV(b)->driver); }

#define D_COUNT(field)								\
static void d_##field(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt,	\
		      char *buf, size_t len)						\
{										\
	(void)s; (void)fmt;							\
	snprintf(buf, len, "%u", DEV(r)->field);				\
}										\
static int dc_##field(const void *a, const void *b)				\
{										\
	return cmp_u64(DEV(a)->field, DEV(b)->field);				\
}
D_COUNT(natt)
D_COUNT(ndynamic)
D_COUNT(nmismatch)
D_COUNT(ncached)
D_COUNT(npinned)

static void d_bytes(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt, char *buf, size_t len)
{
	(void)s;
	dmabuf_format_size(DEV(r)->bytes, fmt, buf, len);
}
static int dc_bytes(const void *a, const void *b) { return cmp_u64(DEV(a)->bytes, DEV(b)->bytes); }

static const struct dmabuf_column device_columns[] = {
	{ "att", "ATT", 4, true, false, "attachments of the device", d_natt, dc_natt },
	{ "bytes", "BYTES", 6, true, false, "total size of the buffers it is attached to", d_bytes, dc_bytes },
	{ "dynamic", "DYN", 4, true, false, "attachments as a dynamic importer", d_ndynamic, dc_ndynamic },
	{ "mismatch", "MISMATCH", 8, true, false, "mismatched attachments", d_nmismatch, dc_nmismatch },
	{ "cached", "CACHED", 6, true, false, "attachments with a cached mapping", d_ncached, dc_ncached },
	{ "pinned", "PINNED", 6, true, false, "attachments pinning their buffer", d_npinned, dc_npinned },
	{ "driver", "DRIVER", 10, false, false, "bus/driver of the device", d_driver, dc_driver },
	{ "device", "DEVICE", 6, false, true, "device name, escaped", d_name, dc_name },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const struct dmabuf_column *cols;
	size_t n;
	const char *defaults;
} views[DMABUF_VIEW__COUNT] = {
	[DMABUF_VIEW_BUFFERS] = { buffer_columns, ARRAY_SIZE(buffer_columns),
				  "ino,size,exporter,state,att,devices,procs,name" },
	[DMABUF_VIEW_PROCS] = { proc_columns, ARRAY_SIZE(proc_columns),
				"pid,bufs,fds,maps,rss,pss,comm" },
	[DMABUF_VIEW_EXPORTERS] = { exporter_columns, ARRAY_SIZE(exporter_columns),
				    "bufs,bytes,dynamic,att,unowned,exporter" },
	[DMABUF_VIEW_DEVICES] = { device_columns, ARRAY_SIZE(device_columns),
				  "att,bytes,dynamic,mismatch,cached,pinned,driver,device" },
};

const struct dmabuf_column *dmabuf_columns(enum dmabuf_view v, size_t *n)
{
	*n = views[v].n;
	return views[v].cols;
}

const char *dmabuf_default_columns(enum dmabuf_view v)
{
	return views[v].defaults;
}

const struct dmabuf_column *dmabuf_column_find(enum dmabuf_view v, const char *name)
{
	size_t i;

	for (i = 0; i < views[v].n; i++)
		if (!strcmp(views[v].cols[i].name, name))
			return &views[v].cols[i];
	return NULL;
}
