// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* table.c - the plain-text table printer of every `dmabuf` listing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf.h"

#define MAX_COLS 32
#define CELL 4096

static const struct dmabuf_column *sort_col;
static bool sort_desc;

static int cmp_rows(const void *a, const void *b)
{
	int r = sort_col->cmp(*(const void *const *)a, *(const void *const *)b);

	return sort_desc ? -r : r;
}

/* Resolves "a,b,c" into columns; reports the first unknown name. */
static int parse_columns(enum dmabuf_view v, const char *spec,
			 const struct dmabuf_column **cols, size_t *n)
{
	char *copy = strdup(spec), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct dmabuf_column *c = dmabuf_column_find(v, tok);

		if (!c) {
			cli_error("unknown column '%s' (see --list-columns)", tok);
			ret = -EINVAL;
			break;
		}
		if (*n == MAX_COLS) {
			cli_error("too many columns");
			ret = -EINVAL;
			break;
		}
		cols[(*n)++] = c;
	}
	if (!ret && !*n) {
		cli_error("no columns given to -o");
		ret = -EINVAL;
	}
	free(copy);
	return ret;
}

void cli_list_columns(enum dmabuf_view v)
{
	const struct dmabuf_column *cols;
	size_t n, i;

	cols = dmabuf_columns(v, &n);
	for (i = 0; i < n; i++)
		printf("%-10s %s%s\n", cols[i].name, cols[i].help, cols[i].cmp ? "" : " (not sortable)");
}

int cli_table(const struct dmabuf_snapshot *s, enum dmabuf_view v, const void **order, size_t n)
{
	const struct dmabuf_column *cols[MAX_COLS];
	size_t ncols, i, j;
	int width[MAX_COLS];
	char **cells, buf[CELL];
	int ret = 0;

	if (parse_columns(v, cli.columns ? cli.columns : dmabuf_default_columns(v), cols, &ncols))
		return EXIT_USAGE;
	cells = calloc((n ? n : 1) * ncols, sizeof(*cells));
	if (!cells) {
		cli_error("out of memory");
		return EXIT_RUNTIME;
	}
	if (cli.sort) {
		const char *name = cli.sort;

		sort_desc = *name == '-';
		if (sort_desc)
			name++;
		sort_col = dmabuf_column_find(v, name);
		if (!sort_col || !sort_col->cmp) {
			cli_error("cannot sort by '%s' (see --list-columns)", name);
			ret = EXIT_USAGE;
			goto out;
		}
		qsort(order, n, sizeof(*order), cmp_rows);
	}
	for (j = 0; j < ncols; j++)
		width[j] = cli.no_headers ? cols[j]->width : (int)strlen(cols[j]->header);
	for (i = 0; i < n; i++) {
		for (j = 0; j < ncols; j++) {
			char **cell = &cells[i * ncols + j];
			int w;

			cols[j]->text(s, order[i], cli.fmt, buf, sizeof(buf));
			*cell = strdup(buf);
			if (!*cell) {
				cli_error("out of memory");
				ret = EXIT_RUNTIME;
				goto out;
			}
			w = (int)strlen(*cell);
			if (w > width[j])
				width[j] = w;
		}
	}
	if (!cli.no_headers) {
		for (j = 0; j < ncols; j++) {
			bool last = j + 1 == ncols;

			printf(cols[j]->right ? "%*s%s" : "%-*s%s", last && !cols[j]->right ? 0 : width[j],
			       cols[j]->header, last ? "\n" : "  ");
		}
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < ncols; j++) {
			bool last = j + 1 == ncols;

			printf(cols[j]->right ? "%*s%s" : "%-*s%s", last && !cols[j]->right ? 0 : width[j],
			       cells[i * ncols + j], last ? "\n" : "  ");
		}
	}
out:
	for (i = 0; i < n * ncols; i++)
		free(cells[i]);
	free(cells);
	return ret;
}
