// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * detail.c - text shared by the screen and batch mode: terminal-safe
 * strings, the detail pane of a buffer, tree lines, the header's lines.
 *
 * Every string from user space (buffer names, comms, exporter and device
 * names) goes through dmabuf_escape() and then top_clean(): nothing but
 * printable text that takes known columns ever reaches the terminal.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "escape.h"
#include "top.h"

/* --- terminal-safe text ----------------------------------------------------------- */

static size_t put_hex(unsigned char c, char *out, size_t used, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";

	if (used + 4 < outsz) {
		out[used] = '\\';
		out[used + 1] = 'x';
		out[used + 2] = hex[c >> 4];
		out[used + 3] = hex[c & 0xf];
		return used + 4;
	}
	return outsz;	/* full: stop */
}

void top_clean(const char *in, char *out, size_t outsz, bool utf8)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t used = 0, len = strlen(in), i = 0;
	mbstate_t st;

	if (!outsz)
		return;
	while (i < len && used < outsz) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			if (used + 1 >= outsz)
				break;
			out[used++] = (char)s[i++];
			continue;
		}
		if (utf8 && s[i] >= 0x80) {
			wchar_t wc;
			size_t n;

			memset(&st, 0, sizeof(st));
			n = mbrtowc(&wc, (const char *)s + i, len - i, &st);
			if (n != (size_t)-1 && n != (size_t)-2 && n > 0 && wcwidth(wc) > 0) {
				if (used + n >= outsz)
					break;
				memcpy(out + used, s + i, n);
				used += n;
				i += n;
				continue;
			}
		}
		used = put_hex(s[i++], out, used, outsz);
	}
	out[used < outsz ? used : outsz - 1] = '\0';
}

void top_escape(const char *raw, char *out, size_t outsz, bool utf8)
{
	char esc[1024];

	dmabuf_escape(raw ? raw : "?", raw ? strlen(raw) : 1, esc, sizeof(esc));
	top_clean(esc, out, outsz, utf8);
}

int top_text_width(const char *s, bool utf8)
{
	int w = 0;

	top_text_fit(s, 1 << 30, utf8, &w);
	return w;
}

size_t top_text_fit(const char *s, int width, bool utf8, int *used)
{
	size_t i = 0, len = strlen(s);
	int w = 0;

	while (i < len) {
		wchar_t wc;
		mbstate_t st;
		size_t n = 1;
		int cw = 1;

		if (utf8 && (unsigned char)s[i] >= 0x80) {
			memset(&st, 0, sizeof(st));
			n = mbrtowc(&wc, s + i, len - i, &st);
			if (n == (size_t)-1 || n == (size_t)-2 || !n) {
				n = 1;
			} else {
				cw = wcwidth(wc);
				if (cw < 0)
					cw = 1;
			}
		}
		if (w + cw > width)
			break;
		w += cw;
		i += n;
	}
	if (used)
		*used = w;
	return i;
}

/* --- attachments, owners ---------------------------------------------------------- */

static const char *tri(int v)
{
	return v == 1 ? "yes" : v == 0 ? "no" : "?";
}

void top_att_flags(const struct dmabuf_attachment *a, char *buf, size_t len)
{
	char cached[48];

	if (a->cached == 1 && a->cached_dir != DMABUF_UNKNOWN)
		snprintf(cached, sizeof(cached), "yes(%s)", dmabuf_dir_name(a->cached_dir));
	else
		snprintf(cached, sizeof(cached), "%s", tri(a->cached));
	snprintf(buf, len, "importer=%s cached=%s pinned=%s mismatch=%s p2p=%s",
		 a->importer_dynamic == 1 ? "dynamic" : a->importer_dynamic == 0 ? "static" : "?",
		 cached, tri(a->pinned), tri(a->mismatch), tri(a->peer2peer));
}

static void owner_text(const struct top *t, const struct dmabuf_owner *o, char *buf, size_t len)
{
	char comm[sizeof(o->comm) * 4 + 1], fds[160], size[32];
	size_t used = 0;
	unsigned int k;

	top_escape(o->comm, comm, sizeof(comm), t->utf8);
	fds[0] = '\0';
	for (k = 0; k < o->nfds && used + 12 < sizeof(fds); k++)
		used += (size_t)snprintf(fds + used, sizeof(fds) - used, "%s%d", k ? "," : "", o->fds[k]);
	if (k < o->nfds)
		snprintf(fds + used, sizeof(fds) - used, ",...");
	dmabuf_format_size(o->mapped_bytes, t->o.fmt, size, sizeof(size));
	snprintf(buf, len, "%d %s fds %s maps %u (%s)", (int)o->pid, comm, o->nfds ? fds : "-",
		 o->nmaps, size);
}

static void att_text(const struct top *t, const struct dmabuf_attachment *a, char *buf, size_t len)
{
	char dev[256], drv[256], flags[160];

	top_escape(a->device, dev, sizeof(dev), t->utf8);
	if (a->driver)
		top_escape(a->driver, drv, sizeof(drv), t->utf8);
	top_att_flags(a, flags, sizeof(flags));
	snprintf(buf, len, "%s%s%s %s", dev, a->driver ? " driver " : "", a->driver ? drv : "", flags);
}

void top_tree_line(const struct top *t, const struct top_row *r, char *buf, size_t len)
{
	const struct dmabuf_buffer *b = r->p;
	bool last = r->kind == TOP_ROW_OWN ? r->sub + 1 == b->n_own :
		    r->sub + 1 == b->n_att && !b->n_own;
	char text[1024];

	if (r->kind == TOP_ROW_ATT)
		att_text(t, &b->att[r->sub], text, sizeof(text));
	else
		owner_text(t, &b->own[r->sub], text, sizeof(text));
	snprintf(buf, len, "%s %s %s", last ? "`-" : "|-", r->kind == TOP_ROW_ATT ? "att" : "own",
		 text);
}

/* --- the detail pane -------------------------------------------------------------- */

static void __attribute__((format(printf, 4, 5)))
add_line(char (*lines)[TOP_LINE], size_t *n, size_t max, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(lines[(*n)++], TOP_LINE, fmt, ap);
	va_end(ap);
}

#define LINE(...) add_line(lines, &n, max, __VA_ARGS__)

size_t top_detail_lines(const struct top *t, const struct dmabuf_buffer *b, char (*lines)[TOP_LINE],
			size_t max)
{
	const struct dmabuf_snapshot *s = t->cur;
	char text[1024], size[32], st[6], src[160];
	size_t n = 0, i;
	unsigned int k;

	for (i = 0; t->old && i < t->chg.n_gone; i++)
		if (t->chg.gone[i] == b)
			s = t->old;
	dmabuf_format_size(b->size, 0, size, sizeof(size));
	dmabuf_buffer_state(s, b, st);
	LINE("buffer %" PRIu64 "  %s (%" PRIu64 " bytes)%s", b->ino, size, b->size,
	     s == t->old ? "  GONE since the last refresh" : "");
	top_escape(b->exporter, text, sizeof(text), t->utf8);
	LINE("  %-12s %s", "exporter", text);
	if (b->name)
		top_escape(b->name, text, sizeof(text), t->utf8);
	LINE("  %-12s %s", "name", b->name ? text : "(none)");
	LINE("  %-12s %s  (D dynamic M mismatched C cached P pinned U unowned)", "state", st);
	LINE("  %-12s %s", "dynamic", tri(b->exporter_dynamic));
	if (b->file_count >= 0)
		LINE("  %-12s %ld", "count", b->file_count);
	if (b->exp_ops) {
		top_escape(b->exp_ops, text, sizeof(text), t->utf8);
		LINE("  %-12s %s", "ops", text);
	}
	if (b->violations >= 0)
		LINE("  %-12s %ld", "violations", b->violations);
	if (t->ev) {
		LINE("  %-12s attach %.1f  detach %.1f  map %.1f  unmap %.1f  move %.1f  release %.1f",
		     "events/s", top_event_rate(t, b->ino, TRACE_EV_ATTACH),
		     top_event_rate(t, b->ino, TRACE_EV_DETACH), top_event_rate(t, b->ino, TRACE_EV_MAP),
		     top_event_rate(t, b->ino, TRACE_EV_UNMAP), top_event_rate(t, b->ino, TRACE_EV_MOVE),
		     top_event_rate(t, b->ino, TRACE_EV_RELEASE));
	}
	LINE("attachments: %u", b->n_att);
	for (i = 0; i < b->n_att; i++) {
		att_text(t, &b->att[i], text, sizeof(text));
		LINE("  %s  [%s]", text, dmabuf_sources_str(b->att[i].src, src, sizeof(src)));
	}
	LINE("owners: %u", b->n_own);
	for (i = 0; i < b->n_own; i++) {
		owner_text(t, &b->own[i], text, sizeof(text));
		LINE("  %s  [%s]", text, dmabuf_sources_str(b->own[i].src, src, sizeof(src)));
	}
	LINE("provenance:");
	for (k = 0; k < DMABUF_F__COUNT; k++)
		if (b->src[k])
			LINE("  %-16s %s", dmabuf_field_name(k), dmabuf_sources_str(b->src[k], src,
										       sizeof(src)));
	LINE("  %-16s %s", "seen by", dmabuf_sources_str(b->seen, src, sizeof(src)));
	return n;
}

/* --- header lines --------------------------------------------------------------- */

void top_sparkline(const struct top *t, size_t width, bool utf8, char *buf, size_t len)
{
	static const char *const blocks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
					       "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ramp[] = "_.-:=+*#";
	size_t n = t->nhist < width ? t->nhist : width, i, used = 0;
	const uint64_t *h = t->hist + t->nhist - n;
	uint64_t lo = UINT64_MAX, hi = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (h[i] < lo)
			lo = h[i];
		if (h[i] > hi)
			hi = h[i];
	}
	for (i = 0; i < n && used + 4 < len; i++) {
		/* flat history sits in the middle; otherwise the range fills the height */
		unsigned int level = hi == lo ? 3 : (unsigned int)((h[i] - lo) * 7 / (hi - lo));

		if (utf8) {
			memcpy(buf + used, blocks[level], 3);
			used += 3;
		} else {
			buf[used++] = ramp[level];
		}
	}
	buf[used] = '\0';
}

void top_exporters_line(const struct top *t, char *buf, size_t len)
{
	char name[256], size[32];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < t->nexps && used + 1 < len; i++) {
		top_escape(t->exps[i].exporter, name, sizeof(name), t->utf8);
		dmabuf_format_size(t->exps[i].bytes, t->o.fmt, size, sizeof(size));
		used += (size_t)snprintf(buf + used, len - used, "%s%s %u/%s", i ? "  " : "", name,
					 t->exps[i].nbufs, size);
	}
	if (!t->nexps)
		snprintf(buf, len, "none");
}

void top_changes_line(const struct top *t, char *buf, size_t len)
{
	char size[32];
	int64_t d = t->chg.bytes;

	if (t->baseline || !t->cur) {
		snprintf(buf, len, "first snapshot");
		return;
	}
	dmabuf_format_size((uint64_t)(d < 0 ? -d : d), t->o.fmt, size, sizeof(size));
	snprintf(buf, len, "+%zu new -%zu gone ~%zu changed (%s%s)", t->chg.n_new, t->chg.n_gone,
		 t->chg.n_changed, d > 0 ? "+" : d < 0 ? "-" : "", size);
}

void top_leak_line(const struct top *t, char *buf, size_t len)
{
	char comm[80], size[32];

	if (!t->leak_pid || t->leak_growth <= 0) {
		snprintf(buf, len, "growth: none");
		return;
	}
	top_escape(t->leak_comm, comm, sizeof(comm), t->utf8);
	dmabuf_format_size((uint64_t)t->leak_growth, t->o.fmt, size, sizeof(size));
	snprintf(buf, len, "growth: %d %s +%s", (int)t->leak_pid, comm, size);
}
