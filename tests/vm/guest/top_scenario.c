/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * top_scenario: dmabuf-top's batch mode (-b) against the scenario
 * (scenario.h) and the dmabuf_lab module's own account of it.
 *
 *  1. One snapshot of the tree view: every scenario buffer with its size,
 *     exporter and STATE letters; under it each attachment with the flags
 *     the module's debugfs state gives (importer, cached, pinned, mismatch)
 *     and each owner (this process, the holder child) with its fds; the
 *     hostile name escaped, no control byte in the output.
 *  2. Five snapshots two seconds apart while a buffer is made, attached to,
 *     and freed between them: it shows as new (+), changed (~) and gone (-),
 *     the header counts it, the growth of this process is the leak hint, and
 *     with the tracer the attach shows as an event rate on the buffer; the
 *     refresh before, with nothing changed (the BPF programs kept loaded run
 *     again), marks nothing.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "cliutil.h"
#include "lab_util.h"
#include "scenario.h"
#include "tap.h"
#include "tracer_gone.h"

#define TOP "/usr/local/bin/dmabuf-top"

/* The line of buffer INO in a batch table (after the mark column), and where it is. */
static const char *buffer_line(const char *out, uint64_t ino, char *line, size_t len, char *mark)
{
	const char *p = out;
	char key[32];
	size_t klen;

	snprintf(key, sizeof(key), "%" PRIu64, ino);
	klen = strlen(key);
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *q = p + 2;

		if (n > 2 && strchr(" +-~", p[0]) && p[1] == ' ') {
			while (*q == ' ' && q < p + n)
				q++;
			if ((size_t)(p + n - q) >= klen && !strncmp(q, key, klen) && q[klen] == ' ' &&
			    q[-1] == ' ') {
				snprintf(line, len, "%.*s", (int)(p + n - q), q);
				*mark = p[0];
				return eol ? eol + 1 : p + n;
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* The tree lines under a buffer line (from AFTER): each "|- ..." or "`- ...". */
static int children(const char *after, char lines[][512], int max)
{
	int n = 0;

	while (after && *after && n < max) {
		const char *eol = strchr(after, '\n');
		size_t len = eol ? (size_t)(eol - after) : strlen(after);

		if (len < 9 || strncmp(after + 2, "    ", 4) ||
		    (strncmp(after + 6, "|- ", 3) && strncmp(after + 6, "`- ", 3)))
			break;
		snprintf(lines[n++], 512, "%.*s", (int)(len - 9), after + 9);
		after = eol ? eol + 1 : NULL;
	}
	return n;
}

/* The token KEY=VALUE of the state line "att id=ID ...", or "" */
static void att_state(const char *state, uint32_t id, const char *key, char *val, size_t len)
{
	char prefix[32], line[1024];

	val[0] = '\0';
	snprintf(prefix, sizeof(prefix), "att id=%u ", id);
	if (!lab_find_line(state, prefix, line, sizeof(line)))
		lab_token(line, key, val, len);
}

static const char *yes_no(const char *v)
{
	return !strcmp(v, "1") ? "yes" : !strcmp(v, "0") ? "no" : "?";
}

/*
 * The sysfs statistics, which Debian's kernels lack (the debug kernel has
 * them): not noted on every run, as in dmabuf, unless asked for by name.
 */
static void notes_of_absent_sources(void)
{
	struct run r = run_cmd(TOP " -b -n 1 --no-events 2>&1 >/dev/null");
	struct run a = run_cmd(TOP " -b -n 1 --no-events --source debugfs,sysfs 2>&1 >/dev/null");

	if (!access("/sys/kernel/dmabuf/buffers", F_OK)) {
		tap_ok(r.status == 0 && a.status == 0 && !strstr(r.out, "sysfs") &&
		       !strstr(a.out, "sysfs"), "the kernel has the sysfs statistics: no note "
		       "about them, asked for or not: %s%s", r.out, a.out);
	} else {
		tap_ok(r.status == 0 && !strstr(r.out, "sysfs"), "no note about the sysfs "
		       "statistics the kernel lacks: %s", r.out);
		tap_ok(strstr(a.out, "note: sysfs unavailable") != NULL, "but one when they are "
		       "asked for: %s", a.out);
	}
	free(r.out);
	free(a.out);
}

static void check_snapshot(struct scenario *s)
{
	struct run r = run_cmd(TOP " -b -n 1 --no-events --bytes -v tree "
			       "-o ino,size,exporter,state,procs,name");
	char *state = lab_read_file(LAB_STATE_PATH);
	char line[1024], word[256], kids[16][512], mark;
	int i, j, k;

	tap_ok(r.status == 0, "dmabuf-top -b -n 1 exits 0 (got %d)", r.status);
	tap_ok(strstr(r.out, "View: tree") != NULL, "batch mode prints the tree view");
	notes_of_absent_sources();
	tap_ok(!strchr(r.out, '\x1b') && !strchr(r.out, '\x07'),
	       "no escape or bell byte from a name reaches the output");
	if (!tap_ok(state != NULL, "the module's debugfs state is readable"))
		return;
	for (i = 0; i < SCN__COUNT; i++) {
		const struct scn_buffer *b = &s->buf[i];
		const char *after;
		char want[8] = "-----";
		int nk;

		if (!b->present)
			continue;
		after = buffer_line(r.out, b->ino, line, sizeof(line), &mark);
		if (!tap_ok(after != NULL, "%s (ino %" PRIu64 ") is listed", b->label, b->ino))
			continue;
		tap_ok(mark == ' ', "%s: not marked on the first snapshot ('%c')", b->label, mark);
		word_of(line, 1, word, sizeof(word));
		tap_ok(strtoull(word, NULL, 10) == b->size, "%s: size %s == %" PRIu64, b->label, word,
		       b->size);
		word_of(line, 4, word, sizeof(word));
		tap_ok(atoi(word) == b->nprocs, "%s: %s processes hold it, expected %d", b->label,
		       word, b->nprocs);
		if (i == SCN_EVIL) {
			word_of(line, 5, word, sizeof(word));
			tap_ok(!strcmp(word, "evil\\x1b[31mred\\x07"), "evil: name shown escaped: '%s'",
			       word);
		}
		nk = children(after, kids, 16);
		if (b->lab_mode < 0) {
			/* foreign buffers: their owners only */
			tap_ok(nk >= b->nprocs, "%s: %d tree lines for %d owners", b->label, nk,
			       b->nprocs);
			continue;
		}
		word_of(line, 2, word, sizeof(word));
		tap_ok(!strcmp(word, "dmabuf_lab"), "%s: exporter %s", b->label, word);

		/* the state letters from the module's account */
		want[0] = b->lab_mode == DMABUF_LAB_EXP_DYNAMIC ? 'D' : '-';
		for (j = 0; j < b->natt; j++) {
			char imp[32], dir[32], pinned[32], dev[64], flags[256], child[600];
			bool found = false;
			int mismatch;

			att_state(state, b->att[j].att_id, "importer", imp, sizeof(imp));
			att_state(state, b->att[j].att_id, "cached_dir", dir, sizeof(dir));
			att_state(state, b->att[j].att_id, "pinned", pinned, sizeof(pinned));
			att_state(state, b->att[j].att_id, "dev", dev, sizeof(dev));
			mismatch = strcmp(imp, b->lab_mode == DMABUF_LAB_EXP_DYNAMIC ? "dynamic" :
					  "static") != 0;
			if (mismatch)
				want[1] = 'M';
			if (dir[0] && strcmp(dir, "none"))
				want[2] = 'C';
			if (!strcmp(pinned, "1"))
				want[3] = 'P';
			snprintf(flags, sizeof(flags), "importer=%s cached=%s", imp,
				 dir[0] && strcmp(dir, "none") ? "yes(" : "no");
			for (k = 0; k < nk && !found; k++) {
				snprintf(child, sizeof(child), "att %s ", dev);
				if (strncmp(kids[k], child, strlen(child)) || !strstr(kids[k], flags))
					continue;
				snprintf(child, sizeof(child), "pinned=%s ", yes_no(pinned));
				found = strstr(kids[k], child) &&
					strstr(kids[k], mismatch ? "mismatch=yes" : "mismatch=no");
			}
			tap_ok(found, "%s: attachment %s shown with %s pinned=%s mismatch=%s "
			       "(module's state)", b->label, dev, flags, yes_no(pinned),
			       mismatch ? "yes" : "no");
		}
		if (b->nprocs == 0)
			want[4] = 'U';
		word_of(line, 3, word, sizeof(word));
		tap_ok(!strcmp(word, want), "%s: state %s, the module says %s", b->label, word, want);
	}
	/* owners: this process holds every fd, the child vgem and frame */
	for (i = 0; i < SCN__COUNT; i++) {
		const struct scn_buffer *b = &s->buf[i];
		char own[64];
		const char *after;
		int nk, found = 0;

		if (!b->present || !b->nprocs)
			continue;
		after = buffer_line(r.out, b->ino, line, sizeof(line), &mark);
		nk = after ? children(after, kids, 16) : 0;
		snprintf(own, sizeof(own), "own %d ", (int)getpid());
		for (k = 0; k < nk; k++)
			found += !strncmp(kids[k], own, strlen(own)) && strstr(kids[k], " fds ") &&
				 !strstr(kids[k], " fds -");
		tap_ok(found == 1, "%s: this process is an owner with its fd", b->label);
		if (i == SCN_VGEM || i == SCN_FRAME) {
			snprintf(own, sizeof(own), "own %d ", (int)s->child);
			for (k = 0, found = 0; k < nk; k++)
				found += !strncmp(kids[k], own, strlen(own));
			tap_ok(found == 1, "%s: the holder child is an owner", b->label);
		}
		if (i == SCN_VGEM) {
			snprintf(own, sizeof(own), "own %d ", (int)s->child);
			for (k = 0, found = 0; k < nk; k++)
				found += !strncmp(kids[k], own, strlen(own)) && strstr(kids[k], "maps 1 ");
			tap_ok(found == 1, "vgem: the child's mapping is shown");
		}
	}
	free(state);
	free(r.out);
}

/* --- buffers that come and go between refreshes -------------------------------- */

struct blocks {
	char *text[8];		/* one per snapshot */
	int n;
};

/* Reads the next snapshot's lines from P up to the next header (kept in *PENDING). */
static char *read_block(FILE *p, char **pending)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap), line[4096];

	if (!buf)
		abort();
	buf[0] = '\0';
	if (*pending) {
		len = strlen(*pending);
		if (len + 1 > cap)
			buf = realloc(buf, cap = len + 1);
		memcpy(buf, *pending, len + 1);
		free(*pending);
		*pending = NULL;
	}
	while (fgets(line, sizeof(line), p)) {
		size_t n = strlen(line);

		if (!strncmp(line, "dmabuf-top - ", 13) && len) {
			*pending = strdup(line);
			return buf;
		}
		while (len + n + 1 > cap)
			buf = realloc(buf, cap *= 2);
		if (!buf)
			abort();
		memcpy(buf + len, line, n + 1);
		len += n;
	}
	if (!len) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void check_changes(struct scenario *s)
{
	FILE *p = popen(TOP " -b -n 5 -d 2 --bytes -o ino,size,exporter,state,events,name", "r");
	char *pending = NULL, *block[5] = { NULL }, line[1024], word[64], mark, want[96];
	struct dmabuf_lab_export ex;
	uint32_t att = 0;
	uint64_t ino = 0;
	int fd = -1, i, ret;
	bool events, found;

	if (!tap_ok(p != NULL, "dmabuf-top -b -n 5 runs"))
		return;
	/*
	 * Snapshot N's header comes right after scan N; dmabuf-top then prints
	 * and sleeps 2 s. What is done as soon as a header is read lands in the
	 * next scan: made after 2's header, the buffer is new in 3, changed in
	 * 4 (attached after 3's header), gone in 5.
	 */
	block[0] = read_block(p, &pending);
	fd = lab_export(s->lab, DMABUF_LAB_EXP_STATIC, 3, "top-new", 0, &ex);
	ino = ex.ino;
	tap_ok(fd > 0, "a new lab buffer is made between two refreshes (ino %" PRIu64 ")", ino);
	block[1] = read_block(p, &pending);
	ret = lab_attach(s->lab, 0, fd, 0, 0, DMABUF_LAB_IMP_STATIC, NULL);
	att = ret > 0 ? (uint32_t)ret : 0;
	tap_ok(ret > 0, "then attached to");
	block[2] = read_block(p, &pending);
	if (att)
		lab_detach(s->lab, att);
	if (fd > 0)
		close(fd);
	block[3] = read_block(p, &pending);
	block[4] = read_block(p, &pending);
	tap_ok(pclose(p) == 0, "dmabuf-top -b -n 5 exits 0");
	free(pending);
	for (i = 0; i < 5; i++)
		if (!tap_ok(block[i] != NULL, "snapshot %d was printed", i + 1))
			goto out;
	snprintf(want, sizeof(want), "refresh 5");
	tap_ok(strstr(block[4], want) != NULL, "the fifth snapshot says %s", want);

	tap_ok(!buffer_line(block[1], ino, line, sizeof(line), &mark),
	       "snapshot 2 (taken before) does not list the new buffer");
	/* the BPF programs stay loaded between refreshes: a second run reads what the first did */
	tap_ok(strstr(block[1], "+0 new -0 gone ~0 changed") != NULL,
	       "snapshot 2, with nothing changed since 1, marks nothing");
	mark = 0;
	found = buffer_line(block[2], ino, line, sizeof(line), &mark) != NULL;
	tap_ok(found && mark == '+', "snapshot 3 marks it new (+): '%c'", mark ? mark : '?');
	tap_ok(strstr(block[2], "+1 new -0 gone") != NULL, "snapshot 3's header counts one new");
	word_of(line, 1, word, sizeof(word));
	tap_ok(strtoull(word, NULL, 10) == 3ull * s->info.page_size, "its size %s", word);
	snprintf(want, sizeof(want), "growth: %d ", (int)getpid());
	tap_ok(strstr(block[2], want) != NULL, "the leak hint names this process (%s)", want);

	mark = 0;
	found = buffer_line(block[3], ino, line, sizeof(line), &mark) != NULL;
	tap_ok(found && mark == '~', "snapshot 4 marks it changed (~) after the attach: '%c'",
	       mark ? mark : '?');
	events = strstr(block[3], "Events/s:") != NULL;
	if (tap_ok(events || strstr(block[3], "unavailable"), "the header has the event rates "
		   "or says why not")) {
		if (!events) {
			tap_ok(0, "the tracer runs as root in the guest");
			tap_diag("%.200s", strstr(block[3], "Events"));
		} else {
			const char *a = strstr(block[3], "attach ");

			tap_ok(a && strtod(a + 7, NULL) > 0, "the attach shows in the header's rate");
			word_of(line, 4, word, sizeof(word));
			tap_ok(strtod(word, NULL) > 0, "and on the buffer's row: %s events/s", word);
		}
	}
	mark = 0;
	found = buffer_line(block[4], ino, line, sizeof(line), &mark) != NULL;
	tap_ok(found && mark == '-', "snapshot 5 shows it gone (-): '%c'", mark ? mark : '?');
	tap_ok(strstr(block[4], "+0 new -1 gone") != NULL, "snapshot 5's header counts one gone");
out:
	for (i = 0; i < 5; i++)
		free(block[i]);
}

/*
 * The screen, on a pseudo-terminal with the guest's terminfo (TERM=linux),
 * the static ncurses: three refreshes, then it ends by itself (-n 3).
 */
static void check_screen(void)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 160 };
	int master, status = -1;
	size_t len = 0, cap = 1 << 20;
	char *out = malloc(cap + 1);
	pid_t pid;
	ssize_t n;

	/* the guest's /init mounts no devpts: pseudo-terminals need one at /dev/pts */
	if (access("/dev/pts/ptmx", F_OK)) {
		mkdir("/dev/pts", 0755);
		mount("devpts", "/dev/pts", "devpts", 0, NULL);
	}
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (!tap_ok(master >= 0 && out && !grantpt(master) && !unlockpt(master),
		    "a pseudo-terminal for the screen"))
		return;
	pid = fork();
	if (pid == 0) {
		int slave;

		setsid();
		slave = open(ptsname(master), O_RDWR);
		if (slave < 0)
			_exit(126);
		ioctl(slave, TIOCSWINSZ, &ws);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		setenv("TERM", "linux", 1);
		execl(TOP, TOP, "-n", "3", "-d", "0.5", "--no-events", (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && len < cap && (n = read(master, out + len, cap - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	if (pid > 0)
		waitpid(pid, &status, 0);
	close(master);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "dmabuf-top on a terminal (TERM=linux) ends by itself after -n 3, exit 0");
	tap_ok(strstr(out, "dmabuf-top") && strstr(out, "EXPORTER") && strstr(out, "dmabuf_lab"),
	       "it draws the title, the column header and the rows (%zu bytes)", len);
	tap_ok(strstr(out, "evil\\x1b[31mred\\x07") != NULL,
	       "the hostile name reaches the screen escaped");
	free(out);
}

int main(void)
{
	struct scenario s;

	if (!tap_ok(scenario_build(&s) == 0, "the scenario is built"))
		return tap_exit_status();
	check_snapshot(&s);
	check_screen();
	check_changes(&s);
	scenario_end(&s);
	check_tracer_gone();
	return tap_exit_status();
}
