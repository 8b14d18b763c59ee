/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rnd.h - the unit tests' random inputs: xorshift64 from a fixed seed, so a
 * failing case is the same case on every run. Header-only.
 */
#ifndef DMABUF_TEST_RND_H
#define DMABUF_TEST_RND_H

#include <stdint.h>

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static inline uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

#endif
