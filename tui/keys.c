// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * keys.c - what keys do, as tables of key -> action. An action changes the
 * view, sort, filter or mode state and returns TOP_* flags saying what the
 * main loop must do next (rebuild the rows, rescan, redraw, quit); it never
 * draws.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "top.h"

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

struct keybinding {
	int key;
	unsigned int (*action)(struct top *t);
	const char *keys;	/* as the help shows them; NULL: an alias of the entry before */
	const char *help;
};

static struct top_viewstate *vs_of(struct top *t)
{
	return &t->vs[t->view];
}

static const struct top_row *selected(const struct top *t)
{
	const struct top_viewstate *vs = &t->vs[t->view];

	return vs->sel < t->nrows ? &t->rows[vs->sel] : NULL;
}

void top_clamp(struct top *t)
{
	struct top_viewstate *vs = vs_of(t);
	size_t page = top_page_rows(t);

	if (!page)
		page = 1;
	if (vs->sel >= t->nrows)
		vs->sel = t->nrows ? t->nrows - 1 : 0;
	if (vs->sel < vs->first)
		vs->first = vs->sel;
	if (vs->sel >= vs->first + page)
		vs->first = vs->sel - page + 1;
	if (vs->first + page > t->nrows)
		vs->first = t->nrows > page ? t->nrows - page : 0;
}

/* --- table mode --------------------------------------------------------------- */

static unsigned int act_quit(struct top *t)
{
	(void)t;
	return TOP_QUIT;
}

static unsigned int act_help(struct top *t)
{
	t->mode = TOP_MODE_HELP;
	t->detail_first = 0;
	return TOP_REDRAW;
}

static unsigned int act_pause(struct top *t)
{
	t->paused = !t->paused;
	/* back from a pause: show the present at once */
	return TOP_REDRAW | (t->paused ? 0 : TOP_RESCAN);
}

static unsigned int set_view(struct top *t, enum top_view v)
{
	if (t->view == v)
		return 0;
	top_remember_selection(t);
	t->view = v;
	return TOP_REBUILD | TOP_REDRAW;
}

static unsigned int act_buffers(struct top *t) { return set_view(t, TOP_BUFFERS); }
static unsigned int act_procs(struct top *t) { return set_view(t, TOP_PROCS); }
static unsigned int act_exporters(struct top *t) { return set_view(t, TOP_EXPORTERS); }
static unsigned int act_devices(struct top *t) { return set_view(t, TOP_DEVICES); }
static unsigned int act_tree(struct top *t) { return set_view(t, TOP_TREE); }

static unsigned int act_next_view(struct top *t)
{
	return set_view(t, (t->view + 1) % TOP_VIEW__COUNT);
}

static unsigned int act_prev_view(struct top *t)
{
	return set_view(t, (t->view + TOP_VIEW__COUNT - 1) % TOP_VIEW__COUNT);
}

static unsigned int move_sel(struct top *t, long by)
{
	struct top_viewstate *vs = vs_of(t);
	long sel = (long)vs->sel + by;

	if (sel < 0 || !t->nrows)
		sel = 0;
	if (t->nrows && sel >= (long)t->nrows)
		sel = (long)t->nrows - 1;
	vs->sel = (size_t)sel;
	top_clamp(t);
	return TOP_REDRAW;
}

static unsigned int act_up(struct top *t) { return move_sel(t, -1); }
static unsigned int act_down(struct top *t) { return move_sel(t, 1); }
static unsigned int act_pgup(struct top *t) { return move_sel(t, -(long)top_page_rows(t)); }
static unsigned int act_pgdn(struct top *t) { return move_sel(t, (long)top_page_rows(t)); }
static unsigned int act_home(struct top *t) { return move_sel(t, -(long)t->nrows); }
static unsigned int act_end(struct top *t) { return move_sel(t, (long)t->nrows); }

/* The sort moves along the columns shown; any of them sorts. */
static unsigned int sort_step(struct top *t, int dir)
{
	struct top_viewstate *vs = vs_of(t);
	size_t i, n = vs->ncols;

	for (i = 0; i < n && vs->cols[i] != vs->sort; i++)
		;
	i = i == n ? 0 : (i + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
	vs->sort = vs->cols[i];
	/* sizes and counts read best largest first */
	vs->desc = vs->sort->right;
	snprintf(t->message, sizeof(t->message), "sorted by %s%s", vs->desc ? "-" : "",
		 vs->sort->name);
	return TOP_REBUILD | TOP_REDRAW;
}

static unsigned int act_sort_prev(struct top *t) { return sort_step(t, -1); }
static unsigned int act_sort_next(struct top *t) { return sort_step(t, 1); }

static unsigned int act_sort_reverse(struct top *t)
{
	struct top_viewstate *vs = vs_of(t);

	if (!vs->sort)
		return sort_step(t, 1);
	vs->desc = !vs->desc;
	snprintf(t->message, sizeof(t->message), "sorted by %s%s", vs->desc ? "-" : "",
		 vs->sort->name);
	return TOP_REBUILD | TOP_REDRAW;
}

static unsigned int start_prompt(struct top *t, enum top_prompt p, const char *initial)
{
	t->mode = TOP_MODE_PROMPT;
	t->prompt = p;
	snprintf(t->input, sizeof(t->input), "%s", initial);
	snprintf(t->saved, sizeof(t->saved), "%s", t->filter.text);
	return TOP_REDRAW;
}

static unsigned int act_filter_text(struct top *t)
{
	return start_prompt(t, TOP_PROMPT_TEXT, t->filter.text);
}

static unsigned int act_filter_pid(struct top *t)
{
	const struct top_row *r = selected(t);
	const struct dmabuf_buffer *b = r ? top_row_buffer(r) : NULL;
	char pid[16] = "";

	if (t->filter.pid)
		snprintf(pid, sizeof(pid), "%d", (int)t->filter.pid);
	else if (r && t->view == TOP_PROCS)
		snprintf(pid, sizeof(pid), "%d", (int)((const struct top_proc *)r->p)->r.pid);
	else if (b && b->n_own)
		snprintf(pid, sizeof(pid), "%d", (int)b->own[0].pid);
	return start_prompt(t, TOP_PROMPT_PID, pid);
}

static unsigned int act_filter_exporter(struct top *t)
{
	const struct top_row *r = selected(t);
	const struct dmabuf_buffer *b = r ? top_row_buffer(r) : NULL;
	const char *name = t->filter.exporter[0] ? t->filter.exporter : NULL;
	char esc[TOP_TEXT];

	if (!name && r && t->view == TOP_EXPORTERS)
		name = ((const struct dmabuf_exporter_row *)r->p)->exporter;
	else if (!name && b)
		name = b->exporter;
	/* the prompt shows the name escaped; it is unescaped when accepted */
	dmabuf_escape(name ? name : "", name ? strlen(name) : 0, esc, sizeof(esc));
	return start_prompt(t, TOP_PROMPT_EXPORTER, esc);
}

static unsigned int act_clear_filters(struct top *t)
{
	if (!top_filter_active(t))
		return 0;
	memset(&t->filter, 0, sizeof(t->filter));
	snprintf(t->message, sizeof(t->message), "filters cleared");
	return TOP_REBUILD | TOP_REDRAW;
}

/* Enter: a buffer's detail pane; on an aggregate, its buffers. */
static unsigned int act_enter(struct top *t)
{
	const struct top_row *r = selected(t);

	if (!r)
		return 0;
	switch (t->view) {
	case TOP_PROCS:
		t->filter.pid = ((const struct top_proc *)r->p)->r.pid;
		return set_view(t, TOP_BUFFERS) | TOP_REBUILD;
	case TOP_EXPORTERS:
		snprintf(t->filter.exporter, sizeof(t->filter.exporter), "%s",
			 ((const struct dmabuf_exporter_row *)r->p)->exporter);
		return set_view(t, TOP_BUFFERS) | TOP_REBUILD;
	case TOP_DEVICES:
		snprintf(t->filter.device, sizeof(t->filter.device), "%s",
			 ((const struct dmabuf_device_row *)r->p)->device);
		return set_view(t, TOP_BUFFERS) | TOP_REBUILD;
	default:
		t->detail_ino = top_row_buffer(r)->ino;
		t->detail_first = 0;
		t->mode = TOP_MODE_DETAIL;
		return TOP_REDRAW;
	}
}

static unsigned int act_refresh(struct top *t)
{
	(void)t;
	return TOP_RESCAN;
}

static unsigned int act_redraw(struct top *t)
{
	(void)t;
	clearok(curscr, TRUE);
	return TOP_REDRAW;
}

static const struct keybinding table_keys[] = {
	{ '1', act_buffers, "1", "buffers view" },
	{ '2', act_procs, "2", "processes view" },
	{ '3', act_exporters, "3", "exporters view" },
	{ '4', act_devices, "4", "devices view" },
	{ '5', act_tree, "5, t", "tree view: buffer -> attachments -> owners" },
	{ 't', act_tree, NULL, NULL },
	{ '\t', act_next_view, "Tab, S-Tab", "next, previous view" },
	{ KEY_BTAB, act_prev_view, NULL, NULL },
	{ KEY_UP, act_up, "Up, Down, k, j", "select a row" },
	{ 'k', act_up, NULL, NULL },
	{ KEY_DOWN, act_down, NULL, NULL },
	{ 'j', act_down, NULL, NULL },
	{ KEY_PPAGE, act_pgup, "PgUp, PgDn", "a page up, down" },
	{ KEY_NPAGE, act_pgdn, NULL, NULL },
	{ KEY_HOME, act_home, "Home, End, g, G", "first, last row" },
	{ 'g', act_home, NULL, NULL },
	{ KEY_END, act_end, NULL, NULL },
	{ 'G', act_end, NULL, NULL },
	{ '\n', act_enter, "Enter",
	  "detail of the buffer; on a process, exporter or device: its buffers" },
	{ '\r', act_enter, NULL, NULL },
	{ KEY_ENTER, act_enter, NULL, NULL },
	{ '<', act_sort_prev, "<, >", "sort by the previous, next column" },
	{ ',', act_sort_prev, NULL, NULL },
	{ '>', act_sort_next, NULL, NULL },
	{ '.', act_sort_next, NULL, NULL },
	{ 'r', act_sort_reverse, "r, I", "reverse the sort order" },
	{ 'I', act_sort_reverse, NULL, NULL },
	{ '/', act_filter_text, "/", "filter: rows with this text in a cell" },
	{ 'p', act_filter_pid, "p", "filter: buffers held by a process" },
	{ 'e', act_filter_exporter, "e", "filter: buffers of an exporter" },
	{ 'c', act_clear_filters, "c", "clear every filter" },
	{ ' ', act_pause, "Space", "pause, resume" },
	{ 'u', act_refresh, "u", "refresh now" },
	{ CTRL('l'), act_redraw, "Ctrl-L", "redraw the screen" },
	{ 'h', act_help, "h, ?, F1", "this help" },
	{ '?', act_help, NULL, NULL },
	{ KEY_F(1), act_help, NULL, NULL },
	{ 'q', act_quit, "q, F10", "quit" },
	{ KEY_F(10), act_quit, NULL, NULL },
};

size_t top_help_lines(char (*lines)[TOP_LINE], size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(table_keys) / sizeof(table_keys[0]) && n < max; i++)
		if (table_keys[i].keys)
			snprintf(lines[n++], sizeof(lines[0]), "  %-16s %s", table_keys[i].keys,
				 table_keys[i].help);
	return n;
}

/* --- the detail pane ------------------------------------------------------------ */

static unsigned int scroll_detail(struct top *t, long by)
{
	long first = (long)t->detail_first + by;

	t->detail_first = first < 0 ? 0 : (size_t)first;	/* render.c caps it */
	return TOP_REDRAW;
}

static unsigned int detail_key(struct top *t, int ch)
{
	long page = (long)top_page_rows(t);

	switch (ch) {
	case KEY_UP: case 'k':
		return scroll_detail(t, -1);
	case KEY_DOWN: case 'j':
		return scroll_detail(t, 1);
	case KEY_PPAGE:
		return scroll_detail(t, -page);
	case KEY_NPAGE: case ' ':
		return scroll_detail(t, page);
	case KEY_HOME: case 'g':
		t->detail_first = 0;
		return TOP_REDRAW;
	case KEY_ESC: case '\n': case '\r': case KEY_ENTER: case KEY_BACKSPACE: case 127:
	case KEY_LEFT: case 'q':
		t->mode = TOP_MODE_TABLE;
		return TOP_REDRAW;
	case 'h': case '?':
		return act_help(t);
	}
	return 0;
}

/* --- the prompt ----------------------------------------------------------------- */

static unsigned int prompt_accept(struct top *t)
{
	char raw[TOP_TEXT];
	char *end;
	long pid;

	t->mode = TOP_MODE_TABLE;
	switch (t->prompt) {
	case TOP_PROMPT_TEXT:
		snprintf(t->filter.text, sizeof(t->filter.text), "%s", t->input);
		return TOP_REBUILD | TOP_REDRAW;
	case TOP_PROMPT_PID:
		if (!t->input[0]) {
			t->filter.pid = 0;
			return TOP_REBUILD | TOP_REDRAW;
		}
		pid = strtol(t->input, &end, 10);
		if (*end || pid <= 0 || pid > 0x3fffffff) {
			snprintf(t->message, sizeof(t->message), "not a process id: %.20s", t->input);
			return TOP_REDRAW;
		}
		t->filter.pid = (pid_t)pid;
		return TOP_REBUILD | TOP_REDRAW;
	case TOP_PROMPT_EXPORTER:
		snprintf(raw, sizeof(raw), "%s", t->input);
		/* names are shown escaped: what was typed or copied is unescaped */
		if (dmabuf_unescape(raw) < 0)
			snprintf(raw, sizeof(raw), "%s", t->input);
		snprintf(t->filter.exporter, sizeof(t->filter.exporter), "%s", raw);
		return TOP_REBUILD | TOP_REDRAW;
	}
	return TOP_REDRAW;
}

static unsigned int prompt_key(struct top *t, int ch)
{
	size_t len = strlen(t->input);
	bool live = t->prompt == TOP_PROMPT_TEXT;

	switch (ch) {
	case '\n': case '\r': case KEY_ENTER:
		return prompt_accept(t);
	case KEY_ESC:
		t->mode = TOP_MODE_TABLE;
		if (live) {	/* the text filter applied as typed: back to what it was */
			snprintf(t->filter.text, sizeof(t->filter.text), "%s", t->saved);
			return TOP_REBUILD | TOP_REDRAW;
		}
		return TOP_REDRAW;
	case KEY_BACKSPACE: case 127: case CTRL('h'):
		/* a whole UTF-8 character */
		while (len && ((unsigned char)t->input[len - 1] & 0xc0) == 0x80)
			len--;
		if (len)
			len--;
		t->input[len] = '\0';
		break;
	case CTRL('u'):
		t->input[0] = '\0';
		break;
	default:
		if (ch < 0x20 || ch > 0xff || ch == 0x7f || len + 1 >= sizeof(t->input))
			return 0;
		t->input[len] = (char)ch;
		t->input[len + 1] = '\0';
		break;
	}
	if (live) {
		snprintf(t->filter.text, sizeof(t->filter.text), "%s", t->input);
		return TOP_REBUILD | TOP_REDRAW;
	}
	return TOP_REDRAW;
}

/* --- dispatch --------------------------------------------------------------------- */

unsigned int top_key(struct top *t, int ch)
{
	size_t i;

	if (ch == KEY_RESIZE)
		return TOP_RESIZE | TOP_REDRAW;
	if (t->mode != TOP_MODE_PROMPT)
		t->message[0] = '\0';
	switch (t->mode) {
	case TOP_MODE_PROMPT:
		return prompt_key(t, ch);
	case TOP_MODE_DETAIL:
		return detail_key(t, ch);
	case TOP_MODE_HELP:
		/* arrows scroll it, any other key leaves it */
		if (ch == KEY_UP || ch == KEY_DOWN || ch == KEY_PPAGE || ch == KEY_NPAGE)
			return detail_key(t, ch);
		t->mode = TOP_MODE_TABLE;
		return TOP_REDRAW;
	case TOP_MODE_TABLE:
		break;
	}
	for (i = 0; i < sizeof(table_keys) / sizeof(table_keys[0]); i++)
		if (table_keys[i].key == ch)
			return table_keys[i].action(t);
	return 0;
}
