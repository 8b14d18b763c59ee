// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rows.c - the rows of the current view, derived from the model with the
 * sort and filter state. The columns are the CLI's (lib/columns.c: one name
 * and one meaning everywhere) plus two only a live view has: "events" (the
 * tracer's rate on a buffer) and "growth" (a process's RSS change since top
 * started: the leak hint). Rows are rebuilt only when the model, the view,
 * the sort or a filter changed; drawing reads them as they are.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "top.h"

#define MAX_VIEW_COLS 32

/* top's own columns read the top they belong to; there is one. */
static const struct top *the_top;

static struct dmabuf_column view_cols[TOP_VIEW__COUNT][MAX_VIEW_COLS];
static size_t view_ncols[TOP_VIEW__COUNT];

static const char *const view_names[TOP_VIEW__COUNT] = {
	"buffers", "procs", "exporters", "devices", "tree",
};

const char *top_view_name(enum top_view v)
{
	return v < TOP_VIEW__COUNT ? view_names[v] : "?";
}

int top_view_by_name(const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < TOP_VIEW__COUNT; i++)
		if (len && !strncmp(view_names[i], name, len))
			return (int)i;
	if (!strcmp(name, "processes"))
		return TOP_PROCS;
	return -1;
}

enum dmabuf_view top_dmabuf_view(enum top_view v)
{
	switch (v) {
	case TOP_PROCS:
		return DMABUF_VIEW_PROCS;
	case TOP_EXPORTERS:
		return DMABUF_VIEW_EXPORTERS;
	case TOP_DEVICES:
		return DMABUF_VIEW_DEVICES;
	default:
		return DMABUF_VIEW_BUFFERS;
	}
}

/* --- top's own columns ------------------------------------------------------- */

static void format_rate(double v, char *buf, size_t len)
{
	if (v <= 0)
		snprintf(buf, len, "0");
	else if (v < 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

static void c_events(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt,
		     char *buf, size_t len)
{
	(void)s;
	(void)fmt;
	format_rate(top_event_rate_total(the_top, ((const struct dmabuf_buffer *)r)->ino), buf, len);
}

static int cc_events(const void *a, const void *b)
{
	double x = top_event_rate_total(the_top, ((const struct dmabuf_buffer *)a)->ino);
	double y = top_event_rate_total(the_top, ((const struct dmabuf_buffer *)b)->ino);

	return (x > y) - (x < y);
}

static void c_growth(const struct dmabuf_snapshot *s, const void *r, unsigned int fmt,
		     char *buf, size_t len)
{
	int64_t g = ((const struct top_proc *)r)->growth;
	char size[32];

	(void)s;
	dmabuf_format_size((uint64_t)(g < 0 ? -g : g), fmt, size, sizeof(size));
	snprintf(buf, len, "%s%s", g > 0 ? "+" : g < 0 ? "-" : "", size);
}

static int cc_growth(const void *a, const void *b)
{
	int64_t x = ((const struct top_proc *)a)->growth, y = ((const struct top_proc *)b)->growth;

	return (x > y) - (x < y);
}

static const struct dmabuf_column events_column = {
	"events", "EV/S", 4, true, false,
	"events per second on the buffer: attach, detach, map, unmap, move, release (tracer)",
	c_events, cc_events,
};

static const struct dmabuf_column growth_column = {
	"growth", "GROWTH", 6, true, false,
	"change of its RSS since dmabuf-top started: the leak hint", c_growth, cc_growth,
};

/* The CLI's columns of each view, top's own before the wide last one. */
static void init_columns(void)
{
	size_t v, i, n;

	for (v = 0; v < TOP_VIEW__COUNT; v++) {
		const struct dmabuf_column *cols = dmabuf_columns(top_dmabuf_view(v), &n);
		const struct dmabuf_column *extra = v == TOP_BUFFERS || v == TOP_TREE ? &events_column :
						    v == TOP_PROCS ? &growth_column : NULL;
		size_t k = 0;

		for (i = 0; i < n && k + 1 < MAX_VIEW_COLS; i++) {
			if (extra && cols[i].wide)
				view_cols[v][k++] = *extra, extra = NULL;
			view_cols[v][k++] = cols[i];
		}
		if (extra)
			view_cols[v][k++] = *extra;
		view_ncols[v] = k;
	}
}

const struct dmabuf_column *top_columns(enum top_view v, size_t *n)
{
	*n = view_ncols[v];
	return view_cols[v];
}

const struct dmabuf_column *top_column_find(enum top_view v, const char *name)
{
	size_t i;

	for (i = 0; i < view_ncols[v]; i++)
		if (!strcmp(view_cols[v][i].name, name))
			return &view_cols[v][i];
	return NULL;
}

int top_set_columns(struct top *t, enum top_view v, const char *spec)
{
	struct top_viewstate *vs = &t->vs[v];
	char list[512], *tok, *save = NULL;
	size_t n = 0;

	if (!spec) {
		/* the CLI's defaults, and top's column where it has something to say */
		snprintf(list, sizeof(list), "%s", dmabuf_default_columns(top_dmabuf_view(v)));
		if ((v == TOP_BUFFERS || v == TOP_TREE) && t->ev) {
			char *name = strstr(list, ",name");

			if (name)
				memmove(name + 7, name, strlen(name) + 1), memcpy(name, ",events", 7);
		} else if (v == TOP_PROCS) {
			char *comm = strstr(list, ",comm");

			if (comm)
				memmove(comm + 7, comm, strlen(comm) + 1), memcpy(comm, ",growth", 7);
		}
	} else {
		snprintf(list, sizeof(list), "%s", spec);
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct dmabuf_column *c = top_column_find(v, tok);

		if (!c) {
			snprintf(t->message, sizeof(t->message),
				 "unknown column '%.40s' of %s (see --list-columns)", tok, top_view_name(v));
			return -EINVAL;
		}
		if (n == TOP_MAX_COLS) {
			snprintf(t->message, sizeof(t->message), "too many columns");
			return -EINVAL;
		}
		vs->cols[n++] = c;
	}
	if (!n) {
		snprintf(t->message, sizeof(t->message), "no columns given");
		return -EINVAL;
	}
	vs->ncols = n;
	memset(vs->width, 0, sizeof(vs->width));
	return 0;
}

int top_set_sort(struct top *t, enum top_view v, const char *spec)
{
	const struct dmabuf_column *c;
	bool desc = *spec == '-';

	c = top_column_find(v, spec + (desc || *spec == '+'));
	if (!c) {
		snprintf(t->message, sizeof(t->message), "cannot sort %s by '%.40s' (see --list-columns)",
			 top_view_name(v), spec);
		return -EINVAL;
	}
	t->vs[v].sort = c;
	t->vs[v].desc = desc;
	return 0;
}

void top_rows_init(struct top *t)
{
	static const char *const sorts[TOP_VIEW__COUNT] = {
		"-size", "-rss", "-bytes", "-bytes", "-size",
	};
	size_t v;

	the_top = t;
	init_columns();
	for (v = 0; v < TOP_VIEW__COUNT; v++) {
		top_set_columns(t, v, NULL);
		top_set_sort(t, v, sorts[v]);
	}
	t->message[0] = '\0';
}

/* --- filters --------------------------------------------------------------- */

bool top_filter_active(const struct top *t)
{
	return t->filter.text[0] || t->filter.pid || t->filter.exporter[0] || t->filter.device[0];
}

void top_filter_describe(const struct top *t, char *buf, size_t len)
{
	char esc[TOP_TEXT * 4];
	size_t used = 0;

	buf[0] = '\0';
	if (t->filter.text[0]) {
		top_escape(t->filter.text, esc, sizeof(esc), t->utf8);
		used += (size_t)snprintf(buf + used, len - used, " /%s", esc);
	}
	if (t->filter.pid && used < len)
		used += (size_t)snprintf(buf + used, len - used, " pid=%d", (int)t->filter.pid);
	if (t->filter.exporter[0] && used < len) {
		top_escape(t->filter.exporter, esc, sizeof(esc), t->utf8);
		used += (size_t)snprintf(buf + used, len - used, " exporter=%s", esc);
	}
	if (t->filter.device[0] && used < len) {
		top_escape(t->filter.device, esc, sizeof(esc), t->utf8);
		snprintf(buf + used, len - used, " device=%s", esc);
	}
}

static void model_filter(const struct top *t, struct dmabuf_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->pid = t->filter.pid;
	f->exporter = t->filter.exporter[0] ? t->filter.exporter : NULL;
	f->device = t->filter.device[0] ? t->filter.device : NULL;
}

/* The text filter: any cell of the row, as shown, case-insensitively. */
static bool text_match(const struct top *t, const struct top_row *r, enum top_view v)
{
	static const char *const buffer_cells[] = { "ino", "exporter", "name", "devices", "owners",
						    "state" };
	char cell[1024];
	size_t i, n;

	if (!t->filter.text[0])
		return true;
	if (v == TOP_BUFFERS || v == TOP_TREE) {
		for (i = 0; i < sizeof(buffer_cells) / sizeof(buffer_cells[0]); i++) {
			top_cell(t, top_column_find(v, buffer_cells[i]), r, cell, sizeof(cell));
			if (strcasestr(cell, t->filter.text))
				return true;
		}
		return false;
	}
	top_columns(v, &n);
	for (i = 0; i < n; i++) {
		top_cell(t, &view_cols[v][i], r, cell, sizeof(cell));
		if (strcasestr(cell, t->filter.text))
			return true;
	}
	return false;
}

/* --- cells ----------------------------------------------------------------- */

void top_cell(const struct top *t, const struct dmabuf_column *c, const struct top_row *r,
	      char *buf, size_t len)
{
	const struct dmabuf_snapshot *s = r->mark == TOP_MARK_GONE && t->old ? t->old : t->cur;
	char raw[2048];

	c->text(s, r->p, t->o.fmt, raw, sizeof(raw));
	top_clean(raw, buf, len, t->utf8);
}

const struct dmabuf_buffer *top_row_buffer(const struct top_row *r)
{
	return r->kind == TOP_ROW_AGG ? NULL : r->p;
}

/* --- sorting ------------------------------------------------------------------ */

struct sort_ctx {
	const struct dmabuf_column *col;
	bool desc;
	char **keys;		/* the cells of a column with no order of its own */
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct top_row *x = a, *y = b;
	const struct sort_ctx *c = arg;
	int r;

	r = c->keys ? strcmp(c->keys[x->sub], c->keys[y->sub]) : c->col->cmp(x->p, y->p);
	if (c->desc)
		r = -r;
	if (!r)	/* the natural order, so equal rows keep their places */
		r = (x->sub > y->sub) - (x->sub < y->sub);
	return r;
}

static int sort_rows(struct top *t, struct top_row *rows, size_t n, enum top_view v)
{
	const struct top_viewstate *vs = &t->vs[v];
	struct sort_ctx c = { vs->sort, vs->desc, NULL };
	size_t i;

	for (i = 0; i < n; i++)
		rows[i].sub = (unsigned int)i;
	if (!vs->sort || n < 2)
		return 0;
	if (!vs->sort->cmp) {
		c.keys = calloc(n, sizeof(*c.keys));
		if (!c.keys)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			char cell[256];

			top_cell(t, vs->sort, &rows[i], cell, sizeof(cell));
			c.keys[i] = strdup(cell);
			if (!c.keys[i])
				break;
		}
		if (i < n) {
			while (i--)
				free(c.keys[i]);
			free(c.keys);
			return -ENOMEM;
		}
	}
	qsort_r(rows, n, sizeof(*rows), cmp_rows, &c);
	if (c.keys) {
		for (i = 0; i < n; i++)
			free(c.keys[i]);
		free(c.keys);
	}
	return 0;
}

/* --- building ----------------------------------------------------------------- */

static int reserve(struct top *t, size_t n)
{
	struct top_row *r;

	if (n <= t->caprows)
		return 0;
	r = realloc(t->rows, n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	t->rows = r;
	t->caprows = n;
	return 0;
}

static int build_buffers(struct top *t, bool tree)
{
	const struct dmabuf_snapshot *s = t->cur;
	struct dmabuf_filter f;
	struct top_row *list;
	size_t i, n = 0, total = s->n_buf + t->chg.n_gone, children = 0;

	model_filter(t, &f);
	list = malloc((total ? total : 1) * sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (i = 0; i < total; i++) {
		bool gone = i >= s->n_buf;
		const struct dmabuf_buffer *b = gone ? t->chg.gone[i - s->n_buf] : &s->buf[i];
		struct top_row r = { b, TOP_ROW_BUF, gone ? TOP_MARK_GONE : (char)t->mark[i], 0 };

		if (!dmabuf_filter_match(&f, b) || !text_match(t, &r, t->view))
			continue;
		list[n++] = r;
		children += b->n_att + b->n_own;
	}
	if (sort_rows(t, list, n, t->view) || reserve(t, tree ? n + children : n)) {
		free(list);
		return -ENOMEM;
	}
	if (!tree) {
		memcpy(t->rows, list, n * sizeof(*list));
		t->nrows = n;
	} else {
		size_t k = 0, j;

		for (i = 0; i < n; i++) {
			const struct dmabuf_buffer *b = list[i].p;

			t->rows[k++] = list[i];
			for (j = 0; j < b->n_att; j++)
				t->rows[k++] = (struct top_row){ b, TOP_ROW_ATT, list[i].mark, (unsigned int)j };
			for (j = 0; j < b->n_own; j++)
				t->rows[k++] = (struct top_row){ b, TOP_ROW_OWN, list[i].mark, (unsigned int)j };
		}
		t->nrows = k;
	}
	free(list);
	return 0;
}

static int build_aggregates(struct top *t)
{
	struct dmabuf_filter f;
	void *rows = NULL;
	size_t n = 0, size, i, k = 0;
	int ret;

	model_filter(t, &f);
	switch (t->view) {
	case TOP_PROCS: {
		struct dmabuf_proc_row *pr = NULL;
		struct top_proc *tp;

		ret = dmabuf_view_procs(t->cur, &f, &pr, &n);
		if (ret)
			return ret;
		tp = calloc(n ? n : 1, sizeof(*tp));
		if (!tp) {
			free(pr);
			return -ENOMEM;
		}
		for (i = 0; i < n; i++) {
			tp[i].r = pr[i];
			tp[i].growth = top_growth(t, pr[i].pid, &tp[i].delta);
		}
		free(pr);
		rows = tp;
		size = sizeof(*tp);
		break;
	}
	case TOP_EXPORTERS:
		ret = dmabuf_view_exporters(t->cur, &f, (struct dmabuf_exporter_row **)&rows, &n);
		size = sizeof(struct dmabuf_exporter_row);
		break;
	default:
		ret = dmabuf_view_devices(t->cur, &f, (struct dmabuf_device_row **)&rows, &n);
		size = sizeof(struct dmabuf_device_row);
		break;
	}
	if (ret)
		return ret;
	free(t->agg);
	t->agg = rows;
	t->nagg = n;
	if (reserve(t, n ? n : 1))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct top_row r = { (const char *)rows + i * size, TOP_ROW_AGG, ' ', 0 };

		if (text_match(t, &r, t->view))
			t->rows[k++] = r;
	}
	t->nrows = k;
	return sort_rows(t, t->rows, k, t->view);
}

static uint64_t name_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static uint64_t row_key(enum top_view v, const struct top_row *r)
{
	switch (v) {
	case TOP_PROCS:
		return (uint64_t)((const struct top_proc *)r->p)->r.pid;
	case TOP_EXPORTERS:
		return name_key(((const struct dmabuf_exporter_row *)r->p)->exporter);
	case TOP_DEVICES:
		return name_key(((const struct dmabuf_device_row *)r->p)->device);
	default:
		return ((const struct dmabuf_buffer *)r->p)->ino * 1000003u +
		       (r->kind == TOP_ROW_BUF ? 0 : (uint64_t)r->kind << 20 | r->sub);
	}
}

void top_remember_selection(struct top *t)
{
	const struct top_viewstate *vs = &t->vs[t->rows_view];

	if (t->sel_key_valid || vs->sel >= t->nrows)
		return;
	t->sel_key = row_key(t->rows_view, &t->rows[vs->sel]);
	t->sel_key_valid = true;
	t->sel_view = t->rows_view;
}

int top_rebuild(struct top *t)
{
	struct top_viewstate *vs = &t->vs[t->view];
	size_t i;
	int ret;

	if (!t->cur)
		return 0;
	top_remember_selection(t);
	t->nrows = 0;
	if (t->view == TOP_BUFFERS || t->view == TOP_TREE)
		ret = build_buffers(t, t->view == TOP_TREE);
	else
		ret = build_aggregates(t);
	if (t->sel_key_valid && t->sel_view == t->view) {
		for (i = 0; i < t->nrows; i++)
			if (row_key(t->view, &t->rows[i]) == t->sel_key) {
				vs->sel = i;
				break;
			}
	}
	t->sel_key_valid = false;
	t->rows_view = t->view;
	top_clamp(t);
	return ret;
}

void top_rows_free(struct top *t)
{
	free(t->rows);
	free(t->agg);
	t->rows = NULL;
	t->agg = NULL;
	t->nrows = t->caprows = t->nagg = 0;
}
