/**
 * Every terminal's pty master is open in the runner, and node-pty does not mark it
 * close-on-exec: a shell or a check would inherit the masters of the terminals opened before it,
 * and any program a cell runs could type into those terminals. So each shell and each check
 * starts by closing every descriptor above 2 (bash keeps 255 for itself in an interactive shell)
 * before it runs anything: this bash text, prepended to a check's script and run ahead of a
 * terminal's shell. It reads /proc/<pid>/fd on Linux and /dev/fd elsewhere.
 */
export const closeInherited =
  '__lab_d=/proc/$$/fd; [ -d "$__lab_d" ] || __lab_d=/dev/fd; ' +
  'for __lab_f in "$__lab_d"/*; do __lab_f=${__lab_f##*/}; ' +
  'case $__lab_f in 0|1|2|255|*[!0-9]*) ;; *) eval "exec $__lab_f>&-" 2>/dev/null ;; esac; done; ' +
  'unset __lab_d __lab_f';

/** A command that starts `file args…` by way of bash, with nothing inherited above fd 2. */
export function withoutInherited(
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  return { file: 'bash', args: ['-c', `${closeInherited}; exec "$@"`, 'lab-shell', file, ...args] };
}
