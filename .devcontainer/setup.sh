#!/usr/bin/env bash
# Installs the labs' command-line tools in the dev container at the versions the book pins in
# content/versions.yaml: kind, kubectl and istioctl. Run once, when the container is created
# (devcontainer.json's postCreateCommand, after npm ci). Docker comes from the docker-in-docker
# feature, Node 24 and zsh from the others.
# ISTIO_LAB_TOOLS_DIR puts the tools elsewhere than /usr/local/bin (the tests use it).
set -euo pipefail
cd "$(dirname "$0")/.."

tools_dir="${ISTIO_LAB_TOOLS_DIR:-/usr/local/bin}"
pins="$(node --experimental-strip-types scripts/pins.ts istio kind kubernetes)"
pin_istio="" pin_kind="" pin_kubernetes=""
eval "$pins"

case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *)
    echo "setup: no kind, kubectl or istioctl builds for $(uname -m); use an amd64 or arm64 machine" >&2
    exit 1
    ;;
esac

# Writes into tools_dir, through sudo when this user cannot.
put() {
  local from=$1 name=$2
  chmod 0755 "$from"
  if [ -w "$tools_dir" ]; then
    mv "$from" "$tools_dir/$name"
  else
    sudo install -m 0755 "$from" "$tools_dir/$name"
    rm -f "$from"
  fi
  echo "setup: $name -> $tools_dir/$name"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

curl -fsSL -o "$work/kind" "https://kind.sigs.k8s.io/dl/${pin_kind}/kind-linux-${arch}"
put "$work/kind" kind

curl -fsSL -o "$work/kubectl" "https://dl.k8s.io/release/${pin_kubernetes}/bin/linux/${arch}/kubectl"
put "$work/kubectl" kubectl

curl -fsSL -o "$work/istioctl.tar.gz" \
  "https://github.com/istio/istio/releases/download/${pin_istio}/istioctl-${pin_istio}-linux-${arch}.tar.gz"
tar -xzf "$work/istioctl.tar.gz" -C "$work" istioctl
put "$work/istioctl" istioctl

echo "setup: kind ${pin_kind}, kubectl ${pin_kubernetes}, istioctl ${pin_istio} installed"
