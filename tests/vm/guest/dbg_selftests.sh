#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The kernel's own dma-buf selftests (CONFIG_DMABUF_SELFTESTS), where the test
# kernel has them. dma_fence_chain/wait_backward is skipped: about 3 minutes
# under KASAN. The module runs the tests when loaded and fails to load when
# one fails.
ko=/lib/modules/extra/dmabuf_selftests.ko
if [ ! -f "$ko" ]; then
	echo "ok - dma-buf selftests # SKIP this kernel was not built with CONFIG_DMABUF_SELFTESTS"
	exit 0
fi
if insmod "$ko" 'st_filter=!dma_fence_chain/wait_backward'; then
	echo "ok - the kernel's dma-buf selftests pass"
	rmmod dmabuf_selftests 2>/dev/null
else
	echo "not ok - the kernel's dma-buf selftests pass"
	dmesg | grep -iE 'selftest|dma-buf' | tail -n 20 | sed 's/^/# /'
fi
