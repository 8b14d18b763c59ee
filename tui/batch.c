// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * batch.c - -b: plain snapshots on stdout, like `top -b`: a header (time,
 * kernel, totals, what changed, exporters, event rates, history, sources),
 * then the current view's table with the same columns, sort, filters and
 * marks as the screen (first column: + new, - gone, ~ changed since the
 * previous snapshot), then a blank line. Names are escaped as on the screen.
 *
 * The table's text is kept between snapshots: when the model did not change
 * (and no event rate moved) the same text is written again, not rebuilt.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "top.h"

struct text {
	char *p;
	size_t len, cap;
};

static struct {
	struct text table;
	uint64_t gen, ev_gen;
	enum top_view view;
	bool valid;
} cache;

static int grow(struct text *x, size_t more)
{
	if (x->len + more + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		char *p;

		while (cap < x->len + more + 1)
			cap *= 2;
		p = realloc(x->p, cap);
		if (!p)
			return -1;
		x->p = p;
		x->cap = cap;
	}
	return 0;
}

static void add(struct text *x, const char *s, size_t n)
{
	if (grow(x, n))
		return;
	memcpy(x->p + x->len, s, n);
	x->len += n;
	x->p[x->len] = '\0';
}

/* S padded to WIDTH terminal columns, left or right aligned. */
static void add_cell(struct text *x, const char *s, int width, bool right, bool last, bool utf8)
{
	int w = top_text_width(s, utf8), pad = width > w ? width - w : 0;

	if (grow(x, strlen(s) + (size_t)pad + 2))
		return;
	if (right)
		for (; pad > 0; pad--)
			x->p[x->len++] = ' ';
	add(x, s, strlen(s));
	if (!right && !last)
		for (; pad > 0; pad--)
			x->p[x->len++] = ' ';
	add(x, last ? "\n" : "  ", last ? 1 : 2);
}

static void render_table(struct top *t, struct text *x)
{
	const struct top_viewstate *vs = &t->vs[t->view];
	size_t i, j, nc = vs->ncols, nb = 0;
	int width[TOP_MAX_COLS];
	char **cells, line[1024];

	x->len = 0;
	for (i = 0; i < t->nrows; i++)
		nb += t->rows[i].kind == TOP_ROW_BUF || t->rows[i].kind == TOP_ROW_AGG;
	cells = calloc((nb ? nb : 1) * nc, sizeof(*cells));
	if (!cells)
		return;
	for (j = 0; j < nc; j++)
		width[j] = t->o.headers ? (int)strlen(vs->cols[j]->header) : 0;
	/* the cells once: widths from all of them, then the lines */
	for (i = 0, nb = 0; i < t->nrows; i++) {
		if (t->rows[i].kind == TOP_ROW_ATT || t->rows[i].kind == TOP_ROW_OWN)
			continue;
		for (j = 0; j < nc; j++) {
			int w;

			top_cell(t, vs->cols[j], &t->rows[i], line, sizeof(line));
			cells[nb * nc + j] = strdup(line);
			w = top_text_width(line, t->utf8);
			if (w > width[j])
				width[j] = w;
		}
		nb++;
	}
	if (t->o.headers) {
		add(x, "  ", 2);
		for (j = 0; j < nc; j++)
			add_cell(x, vs->cols[j]->header, width[j], vs->cols[j]->right, j + 1 == nc,
				 t->utf8);
	}
	for (i = 0, nb = 0; i < t->nrows; i++) {
		const struct top_row *r = &t->rows[i];
		char mark[3] = { r->mark ? r->mark : ' ', ' ', 0 };

		add(x, mark, 2);
		if (r->kind == TOP_ROW_ATT || r->kind == TOP_ROW_OWN) {
			top_tree_line(t, r, line, sizeof(line));
			add(x, "    ", 4);
			add(x, line, strlen(line));
			add(x, "\n", 1);
			continue;
		}
		for (j = 0; j < nc; j++) {
			const char *c = cells[nb * nc + j];

			add_cell(x, c ? c : "?", width[j], vs->cols[j]->right, j + 1 == nc, t->utf8);
			free(cells[nb * nc + j]);
		}
		nb++;
	}
	free(cells);
}

void top_batch_print(struct top *t)
{
	char line[2048], clock[32], rel[160], size[32], chg[160], spark[TOP_HISTORY + 1];
	char notes[8][320];
	time_t now = time(NULL);
	struct tm tm;
	size_t i, n;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	top_escape(t->cur->kernel.release[0] ? t->cur->kernel.release : "?", rel, sizeof(rel),
		   t->utf8);
	dmabuf_format_size(t->total_bytes, t->o.fmt, size, sizeof(size));
	top_changes_line(t, chg, sizeof(chg));
	printf("%s - %s  kernel %s  refresh %" PRIu64 "\n", TOP_NAME, clock, rel, t->scans);
	printf("Buffers: %zu, %s; %s\n", t->cur->n_buf, size, chg);
	top_exporters_line(t, line, sizeof(line));
	printf("Exporters: %s\n", line);
	top_events_line(t, line, sizeof(line));
	printf("%c%s\n", line[0] >= 'a' && line[0] <= 'z' ? line[0] - 32 : line[0],
	       line[0] ? line + 1 : "");
	top_sparkline(t, 60, false, spark, sizeof(spark));
	top_leak_line(t, line, sizeof(line));
	printf("History: %s  %s\n", spark, line);
	n = top_source_notes(t->cur, t->o.collect.sources, notes, 8);
	printf("Sources: %s", dmabuf_sources_str(t->cur->used, line, sizeof(line)));
	for (i = 0; i < n; i++) {
		top_clean(notes[i], line, sizeof(line), t->utf8);
		printf("%s%s", i ? "; " : " (not read completely: ", line);
	}
	printf("%s\n", n ? ")" : "");
	if (top_filter_active(t)) {
		top_filter_describe(t, line, sizeof(line));
		printf("Filter:%s\n", line);
	}
	printf("View: %s, sort %s%s\n\n", top_view_name(t->view),
	       t->vs[t->view].sort && t->vs[t->view].desc ? "-" : "",
	       t->vs[t->view].sort ? t->vs[t->view].sort->name : "-");
	if (!cache.valid || cache.gen != t->gen || cache.ev_gen != t->ev_gen ||
	    cache.view != t->view) {
		render_table(t, &cache.table);
		cache.gen = t->gen;
		cache.ev_gen = t->ev_gen;
		cache.view = t->view;
		cache.valid = true;
	}
	if (cache.table.len)
		fwrite(cache.table.p, 1, cache.table.len, stdout);
	putchar('\n');
	fflush(stdout);
}

void top_batch_free(void)
{
	free(cache.table.p);
	memset(&cache, 0, sizeof(cache));
}
