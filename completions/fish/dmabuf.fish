# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# fish completion for dmabuf: commands and columns come from the tool itself.

function __dmabuf_commands
    dmabuf help 2>/dev/null | awk '/^Commands/ {on = 1; next} on && /^$/ {exit} on {c = $1; $1 = ""; sub(/^ +/, ""); print c "\t" $0}'
end

function __dmabuf_columns
    set -l cmd (commandline -opc | string match -rv '^-' | sed -n 2p)
    test -n "$cmd"; or set cmd ls
    dmabuf $cmd --list-columns 2>/dev/null | awk '{c = $1; $1 = ""; sub(/^ +/, ""); print c "\t" $0}'
end

complete -c dmabuf -f
complete -c dmabuf -n __fish_use_subcommand -a '(__dmabuf_commands)'
complete -c dmabuf -s j -l json -d 'JSON output'
complete -c dmabuf -s p -l pretty -d 'indented JSON'
complete -c dmabuf -n 'not __fish_seen_subcommand_from report' -s o -l output -x -a '(__dmabuf_columns)' -d 'columns to show'
complete -c dmabuf -l list-columns -d 'list the columns of the command'
complete -c dmabuf -s s -l sort -x -a '(__dmabuf_columns)' -d 'sort by column'
complete -c dmabuf -l no-headers -d 'omit the table header'
complete -c dmabuf -l pid -x -a '(__fish_complete_pids)' -d 'only buffers held by PID'
complete -c dmabuf -l exporter -x -d 'only buffers of this exporter'
complete -c dmabuf -l device -x -d 'only buffers attached to this device'
complete -c dmabuf -l min-size -x -d 'only buffers of at least SIZE'
complete -c dmabuf -l bytes -d 'exact byte counts'
complete -c dmabuf -l source -x -a 'auto bpf debugfs procfs sysfs lab' -d 'sources'
complete -c dmabuf -l root -r -F -d 'read a captured tree or a report'
complete -c dmabuf -s h -l help -d help
complete -c dmabuf -s V -l version -d version
# report's own options: -o is the archive, not columns
complete -c dmabuf -n '__fish_seen_subcommand_from report' -s o -l output -r -F -d 'the archive'
complete -c dmabuf -n '__fish_seen_subcommand_from report' -l trace -x -d 'then trace the buffers for SECONDS'
complete -c dmabuf -n '__fish_seen_subcommand_from report' -l redact -d 'comms, command lines, buffer names as stable hashes'
