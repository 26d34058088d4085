#!/usr/bin/env bash
# Starts the book in the dev container, each time the container starts (postStartCommand): raises
# the inotify limits kind needs, waits for Docker, and starts the runner in the background, which
# builds the book first if its sources changed. Behind a forwarded port, the runner is told the
# address the browser uses (--public-url), so it trusts that host and origin and prints its
# link there; it still listens on 127.0.0.1 only.
#   start.sh           start the runner (if it is not running) and print its link
#   start.sh --link    only print the link (postAttachCommand, for each new terminal window)
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

print_link() {
  local token url
  token="$(node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).token) } catch {}' "$home/runner.json" 2>/dev/null)"
  url="$(public_url)"
  url="${url:-http://127.0.0.1:$port}"
  if [ -n "$token" ]; then
    printf '\nIstio Lab Book: open %s/?token=%s\n(the runner log is %s)\n\n' "$url" "$token" "$log"
  else
    printf '\nIstio Lab Book is not running yet: see %s, or start it with: bash .devcontainer/start.sh\n\n' "$log"
  fi
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

mkdir -p "$home"

# kind's nodes share this kernel's inotify limits (see the cluster chapter); the docker-in-docker
# container is privileged, so it may raise them. Best effort: the Doctor says if they stay low.
sudo sysctl -q -w fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512 ||
  echo "start: could not raise the inotify limits; npm run doctor shows the fix" >&2

# dockerd starts with the container, a little after it.
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null 2>&1 ||
  echo "start: Docker is not up yet; npm run doctor shows the fix" >&2

if pgrep -f "runner/start.js" >/dev/null 2>&1; then
  echo "start: the runner is already running"
else
  mapfile -t command < <(runner_command)
  nohup "${command[@]}" >"$log" 2>&1 &
  # The runner writes runner.json once it listens; the first build takes a minute.
  for _ in $(seq 1 180); do
    [ -s "$home/runner.json" ] && grep -q '"token"' "$home/runner.json" && break
    sleep 1
  done
fi
print_link
