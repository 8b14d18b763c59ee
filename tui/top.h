/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * top.h - dmabuf-top, a live view of the system's dma-bufs, in parts the
 * htop way:
 *
 *   state.c   the scan: a new snapshot from the shared collectors, what
 *             changed since the previous one (new, gone and changed buffers,
 *             growth per process), the history of total bytes. A scan that
 *             finds nothing changed keeps the old snapshot and asks for
 *             nothing to be rebuilt.
 *   rows.c    the rows of the current view from the model, with the sort
 *             and filter state (which live here, not in the drawing code);
 *             the columns are the CLI's (lib/columns.c) plus two of top's.
 *   render.c  draws the rows and the header with curses; batch.c prints
 *             them as plain snapshots (-b); detail.c has the text both use
 *             for the detail pane and the tree.
 *   keys.c    the key tables: key -> action; actions change the state and
 *             return TOP_* flags, they never draw.
 *   events.c  live event rates from the tracing engine (lib/trace.h).
 *   main.c    options, the terminal's life, the loop that decides once per
 *             turn whether to rescan, rebuild or just redraw.
 */
#ifndef DMABUF_TOP_H
#define DMABUF_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collect.h"
#include "trace.h"
#include "views.h"

#define TOP_NAME "dmabuf-top"

/* Exit statuses, as the CLI's: 0 fine, 2 usage, 3 could not run. */
enum { TOP_EXIT_USAGE = 2, TOP_EXIT_RUNTIME = 3 };

enum top_view { TOP_BUFFERS, TOP_PROCS, TOP_EXPORTERS, TOP_DEVICES, TOP_TREE, TOP_VIEW__COUNT };

/* What an action or a scan asks of the main loop. */
enum {
	TOP_REDRAW = 1u << 0,	/* draw again from the current rows */
	TOP_REBUILD = 1u << 1,	/* derive the rows again (view, sort, filter or model changed) */
	TOP_RESCAN = 1u << 2,	/* take a snapshot now */
	TOP_RESIZE = 1u << 3,	/* the terminal changed size */
	TOP_QUIT = 1u << 4,
	TOP_HEADER = 1u << 5,	/* only the header changed (clock, rates, history) */
};

/* What the screen shows over the table. */
enum top_mode { TOP_MODE_TABLE, TOP_MODE_DETAIL, TOP_MODE_HELP, TOP_MODE_PROMPT };
enum top_prompt { TOP_PROMPT_TEXT, TOP_PROMPT_PID, TOP_PROMPT_EXPORTER };

#define TOP_MAX_COLS 24
#define TOP_HISTORY 512		/* samples of total bytes, one per refresh */
#define TOP_TEXT 128		/* a filter or prompt */
#define TOP_LINE 512		/* a line of the detail pane or the help */

/* Row kinds: a buffer, one of its attachments or owners (tree), an aggregate. */
enum top_row_kind { TOP_ROW_BUF, TOP_ROW_ATT, TOP_ROW_OWN, TOP_ROW_AGG };

/* Marks of what the last refresh changed. */
#define TOP_MARK_NEW '+'
#define TOP_MARK_GONE '-'
#define TOP_MARK_CHANGED '~'

struct top_row {
	const void *p;		/* buffer, or a process / exporter / device row */
	unsigned char kind;	/* enum top_row_kind */
	char mark;		/* ' ' or TOP_MARK_* */
	unsigned int sub;	/* tree: index of the attachment or owner */
};

/* A process row with what top adds: the leak hint. */
struct top_proc {
	struct dmabuf_proc_row r;	/* first: the shared columns read it as theirs */
	int64_t growth;		/* RSS change since top first saw the process */
	int64_t delta;		/* since the previous refresh */
};

/* Per view: its columns, sort and scroll position. */
struct top_viewstate {
	const struct dmabuf_column *cols[TOP_MAX_COLS];
	size_t ncols;
	const struct dmabuf_column *sort;	/* NULL: the view's natural order */
	bool desc;
	size_t sel, first;	/* selected row, first row on screen */
	int width[TOP_MAX_COLS];	/* widths seen so far: columns do not jitter */
};

/* The filters; text matches any cell of a row, case-insensitively. */
struct top_filter {
	char text[TOP_TEXT];
	pid_t pid;
	char exporter[TOP_TEXT];	/* raw name */
	char device[TOP_TEXT];		/* raw name */
};

struct top_opts {
	double delay;		/* seconds between refreshes */
	long iterations;	/* -n: snapshots to take, 0 = until quit */
	bool batch, no_color, no_events, headers;
	unsigned int fmt;	/* DMABUF_FMT_* */
	const char *root;	/* "/" or a captured tree */
	const char *replay;	/* --replay BUNDLE as given */
	const char *columns;	/* -o, for the first view */
	const char *sort;	/* -s, for the first view */
	enum top_view view;
	struct dmabuf_collect_opts collect;
};

/* What the last scan changed; gone buffers point into the previous snapshot. */
struct top_change {
	size_t n_new, n_changed, n_gone;
	const struct dmabuf_buffer **gone;
	size_t cap_gone;
	int64_t bytes;		/* total bytes now minus before */
	bool any;		/* the last scan replaced the snapshot */
};

struct top_seen;		/* processes seen so far (state.c) */
struct top_events;		/* the tracer (events.c) */

struct top {
	struct top_opts o;

	/* the model (state.c) */
	struct dmabuf_snapshot *cur, *old;
	uint64_t *hash;		/* per buffer of cur: its fingerprint */
	unsigned char *mark;	/* per buffer of cur: ' ' or TOP_MARK_* */
	uint64_t scans, gen;	/* snapshots taken; times cur changed */
	bool baseline;		/* the first scan: nothing is "new" */
	struct top_change chg;
	uint64_t total_bytes;
	struct dmabuf_exporter_row *exps;	/* every exporter, by bytes */
	size_t nexps;
	struct top_seen *seen;
	pid_t leak_pid;		/* the process that grew the most, 0 none */
	char leak_comm[17];
	int64_t leak_growth;
	uint64_t hist[TOP_HISTORY];
	size_t nhist;		/* samples in hist (the newest last) */

	/* the rows of the current view (rows.c) */
	enum top_view view;
	struct top_viewstate vs[TOP_VIEW__COUNT];
	struct top_filter filter;
	struct top_row *rows;
	size_t nrows, caprows;
	void *agg;		/* the aggregate rows the view's rows point into */
	size_t nagg;
	uint64_t sel_key;	/* the selected row's identity, kept across a rebuild */
	bool sel_key_valid;
	enum top_view sel_view;	/* the view sel_key belongs to */
	enum top_view rows_view;	/* the view the rows were built for */

	/* the screen (render.c, keys.c) */
	enum top_mode mode;
	enum top_prompt prompt;
	char input[TOP_TEXT];	/* the prompt's text */
	char saved[TOP_TEXT];	/* the filter before the prompt, for Esc */
	size_t detail_first;	/* first line of the detail pane shown */
	uint64_t detail_ino;
	bool paused, color, utf8, too_small;
	bool live;		/* the root is the running system's, not a captured tree */
	int lines, cols;
	char message[160];	/* one line for the footer, cleared by the next key */

	/* live events (events.c) */
	struct top_events *ev;
	uint64_t ev_gen;	/* bumped when the rates shown change */
	char ev_status[200];	/* "unavailable (reason)" when there is no tracer */
};

/* --- state.c --- */
/* Takes a snapshot and diffs it with the current one: TOP_REBUILD|TOP_HEADER
 * when something changed, TOP_HEADER otherwise; -errno when it failed. */
int top_scan(struct top *t);
void top_state_free(struct top *t);
/* Growth since top first saw PID, 0 if never. */
int64_t top_growth(const struct top *t, pid_t pid, int64_t *delta);
/* The notes on sources not read completely (dmabuf_source_noteworthy()); how many. */
size_t top_source_notes(const struct dmabuf_snapshot *s, unsigned int asked, char (*out)[320],
			size_t max);

/* --- rows.c --- */
void top_rows_init(struct top *t);
/* -EINVAL with a message in T->message when COLS or SORT name no column. */
int top_set_columns(struct top *t, enum top_view v, const char *cols);
int top_set_sort(struct top *t, enum top_view v, const char *spec);
int top_rebuild(struct top *t);
/* Remembers which row is selected before the rows may point nowhere. */
void top_remember_selection(struct top *t);
void top_rows_free(struct top *t);
/* The shared column table of a view (the tree shows the buffers'). */
enum dmabuf_view top_dmabuf_view(enum top_view v);
const char *top_view_name(enum top_view v);
int top_view_by_name(const char *name);
/* The column list a view can show: the CLI's and top's own. */
const struct dmabuf_column *top_columns(enum top_view v, size_t *n);
const struct dmabuf_column *top_column_find(enum top_view v, const char *name);
/* A cell's text, escaped and safe for the terminal (see top_clean). */
void top_cell(const struct top *t, const struct dmabuf_column *c, const struct top_row *r,
	      char *buf, size_t len);
/* The buffer a row is about (buffer and tree rows), NULL otherwise. */
const struct dmabuf_buffer *top_row_buffer(const struct top_row *r);
bool top_filter_active(const struct top *t);
void top_filter_describe(const struct top *t, char *buf, size_t len);

/* --- detail.c --- */
/*
 * Makes escaped text safe for this terminal: without a UTF-8 locale every
 * byte >= 0x80 becomes \xNN too; with one, code points that take no column
 * or whose width is unknown (bidi controls, combining marks) do.
 */
void top_clean(const char *in, char *out, size_t outsz, bool utf8);
/* Escapes raw bytes (a name from the kernel) and cleans the result. */
void top_escape(const char *raw, char *out, size_t outsz, bool utf8);
/* Terminal columns of clean text; the bytes of S that fit in WIDTH columns. */
int top_text_width(const char *s, bool utf8);
size_t top_text_fit(const char *s, int width, bool utf8, int *used);
/* The detail pane of B: N lines into LINES (each up to W bytes); the count. */
size_t top_detail_lines(const struct top *t, const struct dmabuf_buffer *b, char (*lines)[TOP_LINE],
			size_t max);
/* A tree child line: an attachment or an owner of a buffer. */
void top_tree_line(const struct top *t, const struct top_row *r, char *buf, size_t len);
/* One state word per attachment flag, for the tree and the detail pane. */
void top_att_flags(const struct dmabuf_attachment *a, char *buf, size_t len);
/* The sparkline of the last WIDTH history samples. */
void top_sparkline(const struct top *t, size_t width, bool utf8, char *buf, size_t len);
/* "drm 7 36K, udmabuf 2 16K, ..." */
void top_exporters_line(const struct top *t, char *buf, size_t len);
void top_changes_line(const struct top *t, char *buf, size_t len);
void top_leak_line(const struct top *t, char *buf, size_t len);

/* --- render.c --- */
int top_screen_init(struct top *t);
void top_screen_end(void);
/* The terminal back as it was; safe from a signal handler's last resort. */
void top_screen_restore(void);
void top_draw(struct top *t, unsigned int flags);
/* Rows the table shows at the current size. */
size_t top_page_rows(const struct top *t);

/* --- batch.c --- */
void top_batch_print(struct top *t);
void top_batch_free(void);

/* --- keys.c --- */
/* The action of key CH in the current mode: TOP_* flags. */
unsigned int top_key(struct top *t, int ch);
/* The help text: one line per key of the table mode. */
size_t top_help_lines(char (*lines)[TOP_LINE], size_t max);
void top_clamp(struct top *t);

/* --- events.c --- */
/* Opens the tracer; on failure T->ev stays NULL and T->ev_status says why. */
void top_events_open(struct top *t);
/* Hands pending events to the counters, waiting up to TIMEOUT_MS. */
void top_events_poll(struct top *t, int timeout_ms);
/* Closes the counting interval: rates become the counts over ELAPSED_NS. */
void top_events_tick(struct top *t, uint64_t elapsed_ns);
void top_events_close(struct top *t);
/* Events per second of the kinds top shows, for buffer INO (0: all). */
double top_event_rate(const struct top *t, uint64_t ino, unsigned int kind);
/* The header's words: "attach 1.0/s map 20/s ..." or the reason for none. */
void top_events_line(const struct top *t, char *buf, size_t len);
/* Sum over the kinds shown, for INO. */
double top_event_rate_total(const struct top *t, uint64_t ino);

uint64_t top_now_ns(void);

#endif
