// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * render.c - the screen: draws the model and the rows, never changes them.
 *
 * Layout, top to bottom, lines dropped as the terminal shrinks: the title
 * (time, kernel, totals, what changed), exporters, event rates, the history
 * of total bytes and the leak hint, the sources, the view tabs with the
 * filters and the sort, the column header, the rows, and a footer with the
 * legend (or the prompt). The detail pane and the help cover the rows.
 *
 * State is shown by letters first (D M C P U, as the CLI's STATE column)
 * and by colour second, so it survives a terminal without colour. Curses
 * sends the terminal only the cells that changed; a refresh that changed
 * nothing redraws only the header.
 */
#include <curses.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

enum { PAIR_D = 1, PAIR_M, PAIR_C, PAIR_P, PAIR_U, PAIR_NEW, PAIR_GONE, PAIR_CHANGED, PAIR_DIM };

static bool active;
static int saved_stderr = -1;
static bool utf8, color;

struct layout {
	int title, exporters, events, history, sources, tabs, colhdr, rows, nrows, footer;
};

static void layout(struct layout *l, int lines)
{
	int y = 0;

	l->title = y++;
	l->exporters = lines >= 20 ? y++ : -1;
	l->events = lines >= 9 ? y++ : -1;
	l->history = lines >= 14 ? y++ : -1;
	l->sources = lines >= 24 ? y++ : -1;
	l->tabs = y++;
	l->colhdr = y++;
	l->rows = y;
	l->footer = lines - 1;
	l->nrows = l->footer - l->rows;
	if (l->nrows < 0)
		l->nrows = 0;
}

size_t top_page_rows(const struct top *t)
{
	struct layout l;

	if (!active)
		return t->nrows + 1;
	layout(&l, LINES);
	if (t->mode == TOP_MODE_DETAIL || t->mode == TOP_MODE_HELP)
		return (size_t)(l.footer - l.tabs - 1 > 1 ? l.footer - l.tabs - 1 : 1);
	return (size_t)(l.nrows > 1 ? l.nrows : 1);
}

/* --- the terminal --------------------------------------------------------------- */

int top_screen_init(struct top *t)
{
	SCREEN *scr;
	int null;

	/* nothing but curses may write to the terminal while it is ours */
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		top_screen_end();
		return -1;
	}
	set_term(scr);
	active = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	utf8 = t->utf8;
	color = false;
	if (!t->o.no_color && has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(PAIR_D, COLOR_CYAN, -1);
		init_pair(PAIR_M, COLOR_RED, -1);
		init_pair(PAIR_C, COLOR_YELLOW, -1);
		init_pair(PAIR_P, COLOR_MAGENTA, -1);
		init_pair(PAIR_U, COLOR_BLUE, -1);
		init_pair(PAIR_NEW, COLOR_GREEN, -1);
		init_pair(PAIR_GONE, COLOR_RED, -1);
		init_pair(PAIR_CHANGED, COLOR_YELLOW, -1);
		init_pair(PAIR_DIM, COLOR_WHITE, -1);
		color = true;
	}
	t->color = color;
	t->lines = LINES;
	t->cols = COLS;
	return 0;
}

void top_screen_restore(void)
{
	if (active) {
		active = false;
		endwin();
	}
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

void top_screen_end(void)
{
	top_screen_restore();
}

/* --- drawing helpers ---------------------------------------------------------------- */

static attr_t pair(int p, attr_t mono)
{
	return color ? COLOR_PAIR(p) | (mono & A_BOLD) : mono;
}

/* Attributes of a state letter: colour, and in monochrome what survives. */
static attr_t letter_attr(char c)
{
	switch (c) {
	case 'D': return pair(PAIR_D, A_NORMAL);
	case 'M': return pair(PAIR_M, A_BOLD);
	case 'C': return pair(PAIR_C, A_NORMAL);
	case 'P': return pair(PAIR_P, A_NORMAL);
	case 'U': return pair(PAIR_U, A_BOLD | A_UNDERLINE);
	case '?': return A_DIM;
	}
	return A_NORMAL;
}

static attr_t mark_attr(char m)
{
	switch (m) {
	case TOP_MARK_NEW: return pair(PAIR_NEW, A_BOLD);
	case TOP_MARK_GONE: return pair(PAIR_GONE, A_DIM);
	case TOP_MARK_CHANGED: return pair(PAIR_CHANGED, A_NORMAL);
	}
	return A_NORMAL;
}

/* Draws clean text at (y, x), never past column MAXX; returns the next column. */
static int put(int y, int x, int maxx, const char *s, attr_t a)
{
	int w = 0;
	size_t n;

	if (x >= maxx)
		return x;
	n = top_text_fit(s, maxx - x, utf8, &w);
	attrset(a);
	mvaddnstr(y, x, s, (int)n);
	attrset(A_NORMAL);
	return x + w;
}

static int put_right(int y, int x, int width, int maxx, const char *s, attr_t a)
{
	int w = top_text_width(s, utf8);

	if (w < width)
		x += width - w;
	return put(y, x, maxx, s, a);
}

static void fill(int y, int x, int maxx, attr_t a)
{
	attrset(a);
	for (; x < maxx; x++)
		mvaddch(y, x, ' ');
	attrset(A_NORMAL);
}

/* --- the header ----------------------------------------------------------------- */

static void draw_title(struct top *t, int y)
{
	char line[512], clock[16], rel[160], size[32], chg[160];
	time_t now = time(NULL);
	struct tm tm;
	int x;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	top_escape(t->cur->kernel.release[0] ? t->cur->kernel.release : "?", rel, sizeof(rel),
		   utf8);
	dmabuf_format_size(t->total_bytes, t->o.fmt, size, sizeof(size));
	top_changes_line(t, chg, sizeof(chg));
	move(y, 0);
	clrtoeol();
	/* what matters most first: narrow terminals cut the rest */
	x = put(y, 0, COLS, TOP_NAME, A_BOLD);
	snprintf(line, sizeof(line), "  %zu buffers %s  %s  %s  %s  every %gs", t->cur->n_buf,
		 size, chg, clock, rel, t->o.delay);
	x = put(y, x, COLS, line, A_NORMAL);
	if (t->paused)
		put(y, x + 1, COLS, "[PAUSED]", A_BOLD | A_REVERSE);
}

static void draw_header(struct top *t, const struct layout *l)
{
	char line[1024], spark[TOP_HISTORY * 3 + 1], leak[200], size[32];
	int x;

	draw_title(t, l->title);
	if (l->exporters >= 0) {
		move(l->exporters, 0);
		clrtoeol();
		top_exporters_line(t, line, sizeof(line));
		x = put(l->exporters, 0, COLS, "exporters: ", A_BOLD);
		put(l->exporters, x, COLS, line, A_NORMAL);
	}
	if (l->events >= 0) {
		move(l->events, 0);
		clrtoeol();
		top_events_line(t, line, sizeof(line));
		put(l->events, 0, COLS, line, t->ev ? A_NORMAL : A_DIM);
	}
	if (l->history >= 0) {
		int width = COLS / 3 > 8 ? COLS / 3 : 8;

		move(l->history, 0);
		clrtoeol();
		top_sparkline(t, (size_t)width, utf8, spark, sizeof(spark));
		dmabuf_format_size(t->total_bytes, t->o.fmt, size, sizeof(size));
		x = put(l->history, 0, COLS, "bytes ", A_BOLD);
		x = put(l->history, x, COLS, spark, pair(PAIR_NEW, A_NORMAL));
		top_leak_line(t, leak, sizeof(leak));
		snprintf(line, sizeof(line), " %s   %s", size, leak);
		put(l->history, x, COLS, line, t->leak_pid ? A_BOLD : A_NORMAL);
	}
	if (l->sources >= 0) {
		char notes[8][320], src[160];
		size_t n = top_source_notes(t->cur, t->o.collect.sources, notes, 8), i, used;

		move(l->sources, 0);
		clrtoeol();
		used = (size_t)snprintf(line, sizeof(line), "sources: %s",
					dmabuf_sources_str(t->cur->used, src, sizeof(src)));
		for (i = 0; i < n && used < sizeof(line); i++) {
			notes[i][strcspn(notes[i], ":")] = '\0';
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
						 i ? ", " : "  (not: ", notes[i]);
		}
		if (n && used < sizeof(line))
			snprintf(line + used, sizeof(line) - used, ")");
		top_clean(line, spark, sizeof(spark), utf8);
		put(l->sources, 0, COLS, spark, A_DIM);
	}
}

static void draw_tabs(struct top *t, int y)
{
	static const char *const labels[TOP_VIEW__COUNT] = {
		"1 buffers", "2 procs", "3 exporters", "4 devices", "5 tree",
	};
	const struct top_viewstate *vs = &t->vs[t->view];
	char line[600], filt[500];
	int x = 0, i;

	move(y, 0);
	clrtoeol();
	for (i = 0; i < TOP_VIEW__COUNT; i++) {
		x = put(y, x, COLS, " ", A_NORMAL);
		x = put(y, x, COLS, labels[i], i == (int)t->view ? A_REVERSE | A_BOLD : A_NORMAL);
	}
	snprintf(line, sizeof(line), "  sort %s%s", vs->sort && vs->desc ? "-" : "",
		 vs->sort ? vs->sort->name : "-");
	x = put(y, x, COLS, line, A_NORMAL);
	if (top_filter_active(t)) {
		top_filter_describe(t, filt, sizeof(filt));
		x = put(y, x, COLS, "  filter", A_BOLD);
		put(y, x, COLS, filt, A_BOLD);
	}
}

/* --- the table ------------------------------------------------------------------- */

#define MARK_W 2
#define MAX_CELL_W 40

struct colfit {
	int x[TOP_MAX_COLS], w[TOP_MAX_COLS];
	size_t n;		/* columns that fit */
};

static void fit_columns(struct top *t, struct colfit *f, size_t first, size_t count)
{
	struct top_viewstate *vs = &t->vs[t->view];
	char cell[512];
	size_t i, j;
	int x = MARK_W;

	/* widths grow with what was shown and never shrink: columns do not jitter */
	for (i = first; i < first + count && i < t->nrows; i++) {
		if (t->rows[i].kind != TOP_ROW_BUF && t->rows[i].kind != TOP_ROW_AGG)
			continue;
		for (j = 0; j < vs->ncols; j++) {
			int w;

			if (vs->cols[j]->wide)
				continue;
			top_cell(t, vs->cols[j], &t->rows[i], cell, sizeof(cell));
			w = top_text_width(cell, utf8);
			if (w > MAX_CELL_W)
				w = MAX_CELL_W;
			if (w > vs->width[j])
				vs->width[j] = w;
		}
	}
	f->n = 0;
	for (j = 0; j < vs->ncols; j++) {
		int w = (int)strlen(vs->cols[j]->header);

		if (vs->width[j] > w)
			w = vs->width[j];
		/* a text column last takes the rest of the line */
		if (vs->cols[j]->wide || (j + 1 == vs->ncols && !vs->cols[j]->right))
			w = COLS - x > w ? COLS - x : w;
		if (x + (vs->cols[j]->wide ? 4 : w) > COLS)
			break;
		f->x[j] = x;
		f->w[j] = w;
		f->n++;
		x += w + 2;
	}
}

static void draw_colhdr(struct top *t, int y, const struct colfit *f)
{
	const struct top_viewstate *vs = &t->vs[t->view];
	size_t j;

	fill(y, 0, COLS, A_REVERSE);
	for (j = 0; j < f->n; j++) {
		const struct dmabuf_column *c = vs->cols[j];
		attr_t a = A_REVERSE | (c == vs->sort ? A_BOLD | A_UNDERLINE : 0);

		if (c->right)
			put_right(y, f->x[j], f->w[j], COLS, c->header, a);
		else
			put(y, f->x[j], COLS, c->header, a);
	}
}

static void draw_state(int y, int x, const char *st, attr_t base)
{
	char one[2] = "";

	for (; *st; st++, x++) {
		one[0] = *st;
		put(y, x, COLS, one, letter_attr(*st) | base);
	}
}

static void draw_row(struct top *t, int y, const struct top_row *r, const struct colfit *f,
		     bool sel)
{
	const struct top_viewstate *vs = &t->vs[t->view];
	attr_t base = (sel ? A_REVERSE : 0) | (r->mark == TOP_MARK_GONE ? A_DIM : 0);
	char cell[1024], m[2] = { r->mark ? r->mark : ' ', 0 };
	size_t j;

	fill(y, 0, COLS, base);
	put(y, 0, COLS, m, mark_attr(r->mark) | base);
	if (r->kind == TOP_ROW_ATT || r->kind == TOP_ROW_OWN) {
		const struct dmabuf_attachment *a = r->kind == TOP_ROW_ATT ?
			&((const struct dmabuf_buffer *)r->p)->att[r->sub] : NULL;
		attr_t la = !a ? A_NORMAL : a->mismatch == 1 ? letter_attr('M') :
			    a->pinned == 1 ? letter_attr('P') : a->cached == 1 ? letter_attr('C') :
			    A_NORMAL;

		top_tree_line(t, r, cell, sizeof(cell));
		put(y, MARK_W + 2, COLS, cell, la | base);
		return;
	}
	for (j = 0; j < f->n; j++) {
		const struct dmabuf_column *c = vs->cols[j];
		int maxx = f->x[j] + f->w[j] < COLS ? f->x[j] + f->w[j] : COLS;

		top_cell(t, c, r, cell, sizeof(cell));
		if (!strcmp(c->name, "state") && r->kind == TOP_ROW_BUF)
			draw_state(y, f->x[j], cell, base);
		else if (c->right)
			put_right(y, f->x[j], f->w[j], maxx, cell, base);
		else
			put(y, f->x[j], maxx, cell, base);
	}
}

static void draw_table(struct top *t, const struct layout *l)
{
	struct top_viewstate *vs = &t->vs[t->view];
	struct colfit f;
	size_t i;

	top_clamp(t);
	fit_columns(t, &f, vs->first, (size_t)l->nrows);
	draw_colhdr(t, l->colhdr, &f);
	for (i = 0; i < (size_t)l->nrows; i++) {
		size_t k = vs->first + i;

		move(l->rows + (int)i, 0);
		clrtoeol();
		if (k < t->nrows)
			draw_row(t, l->rows + (int)i, &t->rows[k], &f, k == vs->sel);
	}
	if (!t->nrows && l->nrows > 0)
		put(l->rows, MARK_W, COLS, top_filter_active(t) ? "(no rows match the filters: c clears)"
			: "(none)", A_DIM);
}

/* --- footer, overlays ------------------------------------------------------------------- */

static void draw_footer(struct top *t, int y)
{
	static const struct { char c; const char *word; } legend[] = {
		{ 'D', "dynamic" }, { 'M', "mismatch" }, { 'C', "cached" }, { 'P', "pinned" },
		{ 'U', "unowned" },
	};
	char text[TOP_TEXT * 4 + 32], one[2] = "";
	size_t i;
	int x = 0;

	move(y, 0);
	clrtoeol();
	if (t->mode == TOP_MODE_PROMPT) {
		static const char *const what[] = { "filter: ", "pid: ", "exporter: " };

		top_clean(t->input, text, sizeof(text), utf8);
		x = put(y, 0, COLS, what[t->prompt], A_BOLD);
		x = put(y, x, COLS, text, A_NORMAL);
		put(y, x, COLS, "_", A_BLINK);
		put(y, x + 2, COLS, "(Enter applies, Esc cancels)", A_DIM);
		return;
	}
	if (t->message[0]) {
		top_clean(t->message, text, sizeof(text), utf8);
		put(y, 0, COLS, text, A_BOLD);
		return;
	}
	for (i = 0; i < sizeof(legend) / sizeof(legend[0]); i++) {
		one[0] = legend[i].c;
		x = put(y, x, COLS, one, letter_attr(legend[i].c));
		x = put(y, x, COLS, " ", A_NORMAL);
		x = put(y, x, COLS, legend[i].word, A_NORMAL);
		x = put(y, x, COLS, "  ", A_NORMAL);
	}
	x = put(y, x, COLS, "+", mark_attr(TOP_MARK_NEW));
	x = put(y, x, COLS, " new  ", A_NORMAL);
	x = put(y, x, COLS, "-", mark_attr(TOP_MARK_GONE));
	x = put(y, x, COLS, " gone  ", A_NORMAL);
	x = put(y, x, COLS, "~", mark_attr(TOP_MARK_CHANGED));
	x = put(y, x, COLS, " changed  ", A_NORMAL);
	put(y, x, COLS, "h help  q quit", A_BOLD);
}

static const struct dmabuf_buffer *find_buffer(const struct top *t, uint64_t ino)
{
	const struct dmabuf_buffer *b = dmabuf_buffer_get((struct dmabuf_snapshot *)t->cur, ino, false);
	size_t i;

	for (i = 0; !b && i < t->chg.n_gone; i++)
		if (t->chg.gone[i]->ino == ino)
			b = t->chg.gone[i];
	return b;
}

#define PANE_LINES 256

/* The lines of an overlay from the tabs line to above the footer. */
static void draw_pane(struct top *t, const struct layout *l, const char *title,
		      char (*lines)[TOP_LINE], size_t n)
{
	int top = l->tabs, height = l->footer - top - 1, i;
	char clean[1024];

	if (height < 1)
		height = 1;
	if (t->detail_first + (size_t)height > n)
		t->detail_first = n > (size_t)height ? n - (size_t)height : 0;
	fill(top, 0, COLS, A_REVERSE);
	put(top, 1, COLS, title, A_REVERSE | A_BOLD);
	for (i = 0; i < height; i++) {
		size_t k = t->detail_first + (size_t)i;

		move(top + 1 + i, 0);
		clrtoeol();
		if (k < n) {
			top_clean(lines[k], clean, sizeof(clean), utf8);
			put(top + 1 + i, 1, COLS, clean, i == 0 && k == 0 ? A_BOLD : A_NORMAL);
		}
	}
}

static void draw_detail(struct top *t, const struct layout *l)
{
	static char lines[PANE_LINES][TOP_LINE];
	const struct dmabuf_buffer *b = find_buffer(t, t->detail_ino);
	char title[96];
	size_t n;

	snprintf(title, sizeof(title), "buffer %llu  (Esc closes, arrows scroll)",
		 (unsigned long long)t->detail_ino);
	if (b) {
		n = top_detail_lines(t, b, lines, PANE_LINES);
	} else {
		snprintf(lines[0], sizeof(lines[0]), "buffer %llu is gone",
			 (unsigned long long)t->detail_ino);
		n = 1;
	}
	draw_pane(t, l, title, lines, n);
}

static void draw_help(struct top *t, const struct layout *l)
{
	static char lines[PANE_LINES][TOP_LINE];
	char notes[8][320];
	size_t n = 0, i, ncols, k;
	const struct dmabuf_column *cols = top_columns(t->view, &ncols);

	snprintf(lines[n++], sizeof(lines[0]), "keys:");
	n += top_help_lines(lines + n, PANE_LINES - n);
	snprintf(lines[n++], sizeof(lines[0]), "state letters (STATE column, tree, detail):");
	snprintf(lines[n++], sizeof(lines[0]),
		 "  D dynamic exporter  M mismatched attachment  C cached mapping  P pinned  "
		 "U unowned; - no, ? unknown");
	snprintf(lines[n++], sizeof(lines[0]),
		 "  first column: + new, - gone, ~ changed since the last refresh");
	snprintf(lines[n++], sizeof(lines[0]), "columns of the %s view:", top_view_name(t->view));
	for (i = 0; i < ncols && n < PANE_LINES; i++)
		snprintf(lines[n++], sizeof(lines[0]), "  %-10s %s", cols[i].name, cols[i].help);
	k = top_source_notes(t->cur, t->o.collect.sources, notes, 8);
	if (k && n < PANE_LINES)
		snprintf(lines[n++], sizeof(lines[0]), "sources not read completely:");
	for (i = 0; i < k && n < PANE_LINES; i++)
		snprintf(lines[n++], sizeof(lines[0]), "  %.250s", notes[i]);
	draw_pane(t, l, "help  (any key returns, arrows scroll)", lines, n);
}

/* --- the whole screen ---------------------------------------------------------------- */

void top_draw(struct top *t, unsigned int flags)
{
	struct layout l;
	bool small = LINES < 6 || COLS < 24;

	if (!active || !t->cur)
		return;
	if (flags & TOP_RESIZE) {
		t->lines = LINES;
		t->cols = COLS;
		top_clamp(t);
		clear();
	}
	if (small) {
		char msg[64];

		erase();
		snprintf(msg, sizeof(msg), "too small %dx%d: " TOP_NAME " needs 24x6", COLS, LINES);
		put(0, 0, COLS, msg, A_BOLD);
		t->too_small = true;
		refresh();
		return;
	}
	if (t->too_small) {
		t->too_small = false;
		flags |= TOP_REDRAW;
	}
	layout(&l, LINES);
	if (!(flags & (TOP_REDRAW | TOP_REBUILD | TOP_RESIZE))) {
		/* a refresh that changed nothing: only the header moves */
		draw_header(t, &l);
		refresh();
		return;
	}
	draw_header(t, &l);
	if (t->mode == TOP_MODE_DETAIL) {
		draw_detail(t, &l);
	} else if (t->mode == TOP_MODE_HELP) {
		draw_help(t, &l);
	} else {
		draw_tabs(t, l.tabs);
		draw_table(t, &l);
	}
	draw_footer(t, l.footer);
	refresh();
}
