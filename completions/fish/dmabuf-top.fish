# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# fish completion for dmabuf-top: columns come from the tool itself.

function __dmabuf_top_columns
    set -l words (commandline -opc)
    set -l view
    for i in (seq (count $words))
        if contains -- $words[$i] -v --view; and test $i -lt (count $words)
            set view --view $words[(math $i + 1)]
        end
    end
    dmabuf-top $view --list-columns 2>/dev/null | awk '{c = $1; $1 = ""; sub(/^ +/, ""); print c "\t" $0}'
end

complete -c dmabuf-top -f
complete -c dmabuf-top -s d -l delay -x -d 'seconds between refreshes'
complete -c dmabuf-top -s n -l iterations -x -d 'stop after N refreshes'
complete -c dmabuf-top -s b -l batch -d 'plain snapshots on stdout'
complete -c dmabuf-top -s v -l view -x -a 'buffers procs exporters devices tree' -d 'first view'
complete -c dmabuf-top -s o -l output -x -a '(__dmabuf_top_columns)' -d 'columns of the first view'
complete -c dmabuf-top -s s -l sort -x -a '(__dmabuf_top_columns)' -d 'sort by column'
complete -c dmabuf-top -l list-columns -d 'list the columns of the first view'
complete -c dmabuf-top -l pid -x -a '(__fish_complete_pids)' -d 'only buffers held by PID'
complete -c dmabuf-top -l exporter -x -d 'only buffers of this exporter'
complete -c dmabuf-top -l device -x -d 'only buffers attached to this device'
complete -c dmabuf-top -l filter -x -d 'only rows with TEXT in a cell'
complete -c dmabuf-top -l bytes -d 'exact byte counts'
complete -c dmabuf-top -l no-headers -d 'batch mode: no table header'
complete -c dmabuf-top -l source -x -a 'auto bpf debugfs procfs sysfs lab' -d 'sources'
complete -c dmabuf-top -l root -x -a '(__fish_complete_directories)' -d 'read a captured tree'
complete -c dmabuf-top -l replay -r -F -d 'view a report bundle'
complete -c dmabuf-top -l no-events -d 'do not trace live event rates'
complete -c dmabuf-top -l no-color -d 'no colours'
complete -c dmabuf-top -s h -l help -d help
complete -c dmabuf-top -s V -l version -d version
