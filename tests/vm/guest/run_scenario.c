/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * run_scenario: builds the scenario of scenario.h, prints what it made, then
 * holds it until killed (or for SECONDS when given). For the demo and for
 * poking at a guest by hand.
 */
#include <stdlib.h>

#include "scenario.h"

static void on_term(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct scenario s;
	int i, seconds = argc > 1 ? atoi(argv[1]) : 0;

	if (scenario_build(&s))
		return 1;
	printf("scenario ready (pid %d, holder child %d):\n", (int)getpid(), (int)s.child);
	for (i = 0; i < SCN__COUNT; i++) {
		const struct scn_buffer *b = &s.buf[i];

		if (!b->present)
			continue;
		printf("  %-9s ino %-6llu %6llu bytes  %s%s\n", b->label, (unsigned long long)b->ino,
		       (unsigned long long)b->size,
		       b->lab_mode == DMABUF_LAB_EXP_DYNAMIC ? "lab dynamic" :
		       b->lab_mode >= 0 ? "lab static" : "foreign",
		       b->fd < 0 ? ", kernel-held" : "");
	}
	fflush(stdout);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (seconds > 0)
		sleep((unsigned int)seconds);
	else
		pause();
	scenario_end(&s);
	return 0;
}
