#!/usr/bin/env bash
# Starts the book in the dev container, each time the container starts (postStartCommand): raises
# the inotify limits kind needs, waits for Docker, and starts the runner in the background, which
# builds the book first if its sources changed. Behind a forwarded port, the runner is told the
# address the browser uses (--public-url), so it trusts that host and origin and prints its
# link there; it still listens on 127.0.0.1 only.
# The workspace is the learner's alone (0700), and so is the runner's log (0600), which holds no
# token: the link is printed from runner.json (0600), once this start's runner has written it.
#   start.sh           start the runner (if it is not running) and print its link
#   start.sh --link    only print the link (each new terminal runs it: see terminal_hook)
#   start.sh --print-command   print the runner command it would start, and nothing else
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

port=4321
home="${ISTIO_LAB_HOME:-$HOME/.istio-lab}"
log="$home/runner.log"

# The browser's address for the runner: in GitHub Codespaces, the forwarded port's own name;
# elsewhere (VS Code Dev Containers, DevPod), the editor forwards the port to the learner's
# localhost, which the runner trusts already.
public_url() {
  if [ -n "${CODESPACE_NAME:-}" ] && [ -n "${GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN:-}" ]; then
    printf 'https://%s-%s.%s' "$CODESPACE_NAME" "$port" "$GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN"
  fi
}

runner_command() {
  local url
  url="$(public_url)"
  printf '%s\n' npm start -- --port "$port"
  if [ -n "$url" ]; then printf '%s\n' --public-url "$url"; fi
}

# What runner.json says, field by field ("" when there is no such file or field).
runner_field() {
  node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]] ?? "") } catch {}' "$home/runner.json" "$1" 2>/dev/null
}

# Whether the runner that runner.json names is running (a file left by a runner that stopped
# names a dead process, or another program that took its pid).
runner_running() {
  local pid
  pid="$(runner_field pid)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'runner/'
}

print_link() {
  local token url
  token="$(runner_field token)"
  url="$(public_url)"
  # The runner's own address for the browser (a fresh origin at each start), else its URL.
  [ -n "$url" ] || url="$(runner_field book)"
  [ -n "$url" ] || url="$(runner_field url)"
  url="${url%/}"
  if [ -n "$token" ] && runner_running; then
    printf '\nIstio Lab Book: open %s/?token=%s\n(the runner log is %s)\n\n' "$url" "$token" "$log"
  else
    printf '\nIstio Lab Book is not running yet: see %s, or start it with: bash .devcontainer/start.sh\n\n' "$log"
  fi
}

# Each new interactive terminal prints the link, as the README says: a line in ~/.bashrc and
# ~/.zshrc (added once) that runs this script with --link.
terminal_hook() {
  local script rc line
  script="$(pwd)/.devcontainer/start.sh"
  line="case \$- in *i*) bash '$script' --link ;; esac # istio-lab-book link"
  for rc in "$HOME/.bashrc" "$HOME/.zshrc"; do
    grep -qs 'istio-lab-book link' "$rc" || printf '%s\n' "$line" >>"$rc"
  done
}

case "${1:-}" in
  --print-command)
    runner_command
    exit 0
    ;;
  --link)
    print_link
    exit 0
    ;;
esac

# The workspace holds the learner's kubeconfig, progress and the runner's token: theirs alone.
mkdir -p "$home"
chmod 0700 "$home"
terminal_hook

# kind's nodes share this kernel's inotify limits (see the cluster chapter); the docker-in-docker
# container is privileged, so it may raise them. Best effort: the Doctor says if they stay low.
sudo sysctl -q -w fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512 ||
  echo "start: could not raise the inotify limits; npm run doctor shows the fix" >&2

# dockerd starts with the container, a little after it.
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null 2>&1 ||
  echo "start: Docker is not up yet; npm run doctor shows the fix" >&2

if runner_running; then
  echo "start: the runner is already running"
else
  # A runner.json left from before (a stopped codespace, a runner killed hard) names a dead
  # runner and token: this start waits for the one its own runner writes.
  rm -f "$home/runner.json"
  (umask 077 && : >"$log")
  chmod 0600 "$log"
  mapfile -t command < <(runner_command)
  # The log keeps what the runner prints but its token, which runner.json (0600) holds.
  (
    trap '' HUP
    "${command[@]}" 2>&1 </dev/null |
      sed -u -E 's/(token=)[A-Za-z0-9_-]+/\1<hidden: bash .devcontainer\/start.sh --link prints it>/g' \
        >>"$log"
  ) >/dev/null 2>&1 &
  # The runner writes runner.json once it listens; the first build takes a minute.
  for _ in $(seq 1 "${ISTIO_LAB_START_WAIT:-180}"); do
    [ -s "$home/runner.json" ] && grep -q '"token"' "$home/runner.json" && break
    sleep 1
  done
fi
print_link
