# Istio Lab Book: the rc file of every zsh terminal the runner starts (zsh >= 5.1), found through
# ZDOTDIR. Like the bash one, it replaces the learner's own rc files on purpose, so that KUBECONFIG
# and PATH stay as the runner pinned them. The marks are those of runner/shell/bashrc.

__lab_nonce=$ISTIO_LAB_NONCE
unset ISTIO_LAB_NONCE
__lab_running=0

# preexec runs only when a command line is about to run: never for an empty Enter or a Ctrl-C.
__lab_preexec() {
  __lab_running=1
  printf '\033]133;C;n=%s\007' "$__lab_nonce"
}
__lab_precmd() {
  local code=$?
  if (( __lab_running )); then
    printf '\033]133;D;%s;n=%s\007' "$code" "$__lab_nonce"
    __lab_running=0
  fi
  printf '\033]133;A;n=%s\007' "$__lab_nonce"
}
# A failed command, as in the bash rc file: zsh names the command about to run only to its DEBUG
# trap, which keeps it for the ZERR trap.
TRAPDEBUG() {
  __lab_command=$ZSH_DEBUG_CMD
}
TRAPZERR() {
  local code=$? command=${__lab_command//[[:cntrl:]]/ }
  printf '\033]133;E;%s;%s;n=%s\007' "$code" "${command[1,120]}" "$__lab_nonce"
}
autoload -Uz add-zsh-hook
add-zsh-hook preexec __lab_preexec
add-zsh-hook precmd __lab_precmd

PROMPT='%B%F{cyan}istio-lab%f%b:%B%F{blue}%~%f%b%# '
unsetopt beep
setopt interactive_comments

HISTFILE=${ISTIO_LAB_HOME:-$HOME/.istio-lab}/zsh_history
HISTSIZE=5000
SAVEHIST=5000

alias k=kubectl
cd "${ISTIO_LAB_HOME:-$HOME}" || true
