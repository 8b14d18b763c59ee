# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# fish completion for dmabuf-trace: event names come from the tool itself.

function __dmabuf_trace_events
    dmabuf-trace --list-events 2>/dev/null | awk '{e = $1; $1 = ""; sub(/^ +/, ""); print e "\t" $0}'
end

complete -c dmabuf-trace -f
complete -c dmabuf-trace -s j -l json -d 'one JSON object per event'
complete -c dmabuf-trace -s p -l pid -x -a '(__fish_complete_pids)' -d 'only events of this process'
complete -c dmabuf-trace -s c -l comm -x -d 'only events of tasks with this name'
complete -c dmabuf-trace -l exporter -x -d 'only buffers of this exporter'
complete -c dmabuf-trace -l device -x -d 'only attachments of this device'
complete -c dmabuf-trace -l ino -x -d 'only the buffer with this inode number'
complete -c dmabuf-trace -s e -l events -x -a '(__fish_complete_list , __dmabuf_trace_events)' -d 'only these events'
complete -c dmabuf-trace -s d -l duration -x -d 'stop after SECS seconds'
complete -c dmabuf-trace -s s -l summary -d 'counts and latency histograms, at exit or every SECS'
complete -c dmabuf-trace -l no-latency -d 'map/unmap by one program per call, no latencies'
complete -c dmabuf-trace -l stack -d 'kernel stack of each event'
complete -c dmabuf-trace -s q -l quiet -d 'no event lines, only the end'
complete -c dmabuf-trace -l outstanding -d 'buffers exported while tracing and not released, at the end'
complete -c dmabuf-trace -l buffer-size -x -d 'ring buffer size'
complete -c dmabuf-trace -l list-probes -d 'how each event is traced on this kernel'
complete -c dmabuf-trace -l list-events -d 'the event names'
complete -c dmabuf-trace -s h -l help -d help
complete -c dmabuf-trace -s V -l version -d version
