# shellcheck shell=bash
# Istio Lab Book: the steps that chapters' "prepare" scripts share. Each function is idempotent:
# it checks for its end state first and does only what is missing, so "Catch up" can run from any
# state, including a fresh machine with no cluster.
#
# Versions are pins from content/versions.yaml, written as in labs (a percent sign and the pin's
# name in braces): the runner writes a copy of this file with the pins filled in to
# $ISTIO_LAB_HOME/steps.sh and exports ISTIO_LAB_STEPS.
# A prepare script uses it as:   source "$ISTIO_LAB_STEPS" && lab_reach gateways

set -o pipefail

ISTIO_LAB_HOME=${ISTIO_LAB_HOME:-$HOME/.istio-lab}
export KUBECONFIG=${KUBECONFIG:-$ISTIO_LAB_HOME/kubeconfig}
LAB_ISTIO_DIR="$ISTIO_LAB_HOME/istio"
LAB_SAMPLES="$LAB_ISTIO_DIR/samples"

lab_say() { printf '    %s\n' "$*"; }
lab_fail() {
  printf 'prepare: %s\n' "$*" >&2
  return 1
}

# A kind cluster named %{clusterName} on the pinned node image, its credentials in the book's
# kubeconfig, its node Ready.
lab_cluster() {
  command -v docker >/dev/null || lab_fail "docker is not installed" || return
  docker info >/dev/null 2>&1 || lab_fail "Docker is not running: start it and try again" || return
  command -v kind >/dev/null || lab_fail "kind is not installed: see the 'cluster' chapter" || return
  if kind get clusters 2>/dev/null | grep -qx '%{clusterName}'; then
    lab_say "cluster %{clusterName} exists"
    kind export kubeconfig --name %{clusterName} --kubeconfig "$KUBECONFIG" >/dev/null || return
  else
    lab_say "creating cluster %{clusterName}"
    kind create cluster --name %{clusterName} --image %{kindNodeImage} --kubeconfig "$KUBECONFIG" --wait 120s || return
  fi
  kubectl wait --for=condition=Ready node --all --timeout=120s >/dev/null || return
}

# istioctl %{istio} and its release (samples included) in the workspace, istioctl on PATH.
lab_istioctl() {
  if [ -x "$ISTIO_LAB_HOME/istio-%{istio}/bin/istioctl" ]; then
    lab_say "istioctl %{istio} is downloaded"
  else
    lab_say "downloading Istio %{istio}"
    # -f: an HTTP error fails curl, and pipefail (set above) fails the pipeline with it, instead
    # of sh running an error page.
    (cd "$ISTIO_LAB_HOME" && curl -fsSL https://istio.io/downloadIstio | ISTIO_VERSION=%{istio} sh -) || return
    [ -x "$ISTIO_LAB_HOME/istio-%{istio}/bin/istioctl" ] || lab_fail "the download of Istio %{istio} left no istioctl in $ISTIO_LAB_HOME/istio-%{istio}" || return
  fi
  ln -sfn "istio-%{istio}" "$LAB_ISTIO_DIR"
  mkdir -p "$ISTIO_LAB_HOME/bin"
  ln -sf "$LAB_ISTIO_DIR/bin/istioctl" "$ISTIO_LAB_HOME/bin/istioctl"
  lab_release_images || return
}

# The images the release's samples name, made pullable and fixed. Istio retired the registries
# registry.istio.io and gcr.io/istio-release in December 2026 (istio.io blog, 2026-08-21: the
# move off Google Cloud); its images stay on Docker Hub as docker.io/istio/..., but the samples of
# the 1.31 release still name registry.istio.io/release/... (Bookinfo among them). Fortio's sample
# client floats on :latest_release with imagePullPolicy Always, so it changes under the book and
# cannot start without a network: it is pinned to %{fortio} and pulled only when missing. Safe to
# run again; the cells, Catch up, the cluster harness and `npm run images` all call this one step.
lab_release_images() {
  local samples="$ISTIO_LAB_HOME/istio-%{istio}/samples" file
  [ -d "$samples" ] || lab_fail "no Istio %{istio} release in $ISTIO_LAB_HOME: download it first" || return
  while IFS= read -r -d '' file; do
    if grep -qE 'registry\.istio\.io/release/|gcr\.io/istio-release/' "$file"; then
      sed -i -E 's#(registry\.istio\.io/release|gcr\.io/istio-release)/#docker.io/istio/#g' "$file" || return
    fi
  done < <(find "$samples" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0)
  file="$samples/httpbin/sample-client/fortio-deploy.yaml"
  if [ -f "$file" ] && grep -qE 'fortio/fortio:latest|imagePullPolicy: Always' "$file"; then
    sed -i -E -e 's#(fortio/fortio):latest[A-Za-z_]*#\1:%{fortio}#' -e 's#imagePullPolicy: Always#imagePullPolicy: IfNotPresent#' "$file" || return
  fi
  lab_say "the samples' images: from docker.io/istio, Fortio pinned to %{fortio}"
}

# The demo profile installed, with the default outbound traffic policy, and its three deployments
# rolled out. Another installation (the ambient profile the ambient chapter leaves, or a partial
# one) is removed first, with the ambient-demo namespace enrolled in it: only the demo profile has
# the ingress and egress gateways the sidecar chapters use.
lab_istio_demo() {
  local deployment found=0 fresh=0
  for deployment in istiod istio-ingressgateway istio-egressgateway; do
    kubectl -n istio-system get deployment "$deployment" >/dev/null 2>&1 && found=$((found + 1))
  done
  if [ "$found" -eq 3 ] && ! kubectl -n istio-system get daemonset ztunnel >/dev/null 2>&1; then
    if kubectl -n istio-system get configmap istio -o jsonpath='{.data.mesh}' 2>/dev/null | grep -q REGISTRY_ONLY; then
      lab_say "restoring the default outbound traffic policy (ALLOW_ANY) that the egress chapter changed"
      istioctl install --set profile=demo -y || return
    else
      lab_say "Istio is installed (demo profile)"
    fi
  else
    if [ "$found" -gt 0 ] || kubectl get namespace istio-system >/dev/null 2>&1; then
      lab_say "removing the other installation of Istio (ambient, or a partial one)"
      lab_remove_ambient_demo || return
      lab_remove_upgrade_demo || return
      istioctl uninstall --purge -y || return
      kubectl delete namespace istio-system --ignore-not-found --wait=true >/dev/null || return
    fi
    lab_say "installing Istio %{istio} (demo profile)"
    istioctl install --set profile=demo -y || return
    fresh=1
  fi
  for deployment in istiod istio-ingressgateway istio-egressgateway; do
    kubectl -n istio-system rollout status deployment "$deployment" --timeout 5m >/dev/null || return
  done
  # A new control plane makes a new self-signed root. Pods that outlived the old one keep
  # certificates it signed, and mutual TLS between them and new pods fails: restart them.
  [ "$fresh" = 1 ] && lab_restart_meshed default
  return 0
}

# Restarts the Deployments of a namespace whose pods carry a sidecar, and waits for them.
lab_restart_meshed() {
  local namespace=$1 deployments deployment containers
  deployments=$(kubectl -n "$namespace" get deployments -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}') || return
  [ -n "$deployments" ] || return 0
  containers=$(kubectl -n "$namespace" get pods -o jsonpath='{.items[*].spec.containers[*].name}') || return
  [[ " $containers " == *" istio-proxy "* ]] || return 0
  lab_say "restarting the workloads in $namespace onto the new control plane's certificates"
  for deployment in $deployments; do
    kubectl -n "$namespace" rollout restart deployment "$deployment" >/dev/null || return
  done
  for deployment in $deployments; do
    kubectl -n "$namespace" rollout status deployment "$deployment" --timeout 5m >/dev/null || return
  done
}

# The ambient chapter's namespace gone, its waypoint first: no pod is left enrolled in a data plane
# that is about to be removed.
lab_remove_ambient_demo() {
  if kubectl get namespace ambient-demo >/dev/null 2>&1; then
    lab_say "removing the ambient-demo namespace"
    istioctl waypoint delete --all -n ambient-demo >/dev/null 2>&1
    kubectl delete namespace ambient-demo --ignore-not-found --wait=true >/dev/null || return
  fi
}

# Sidecar injection in "default"; Bookinfo, curl and httpbin running there with their sidecars.
lab_samples() {
  kubectl label namespace default istio-injection=enabled --overwrite >/dev/null || return
  lab_say "deploying Bookinfo, curl and httpbin"
  kubectl apply -f "$LAB_SAMPLES/bookinfo/platform/kube/bookinfo.yaml" >/dev/null || return
  kubectl apply -f "$LAB_SAMPLES/curl/curl.yaml" >/dev/null || return
  kubectl apply -f "$LAB_SAMPLES/httpbin/httpbin.yaml" >/dev/null || return
  local deployment
  for deployment in productpage-v1 details-v1 ratings-v1 reviews-v1 reviews-v2 reviews-v3 curl httpbin; do
    kubectl rollout status deployment "$deployment" --timeout 5m >/dev/null || return
  done
}

# The Kubernetes Gateway API CRDs at the pinned version.
lab_gateway_api_crds() {
  lab_say "installing the Gateway API CRDs %{gatewayApi}"
  # --force-conflicts: cloud-provider-kind, started without --gateway-channel disabled, installs
  # its own CRDs under another field manager; the safe-upgrades policy still refuses a channel mix.
  kubectl apply --server-side --force-conflicts -f https://github.com/kubernetes-sigs/gateway-api/releases/download/%{gatewayApi}/standard-install.yaml >/dev/null || return
}

# Bookinfo behind Istio's ingress gateway (Gateway + VirtualService) and its DestinationRules.
lab_bookinfo_ingress() {
  lab_say "exposing Bookinfo through the ingress gateway"
  kubectl apply -f "$LAB_SAMPLES/bookinfo/networking/bookinfo-gateway.yaml" >/dev/null || return
  kubectl apply -f "$LAB_SAMPLES/bookinfo/networking/destination-rule-all.yaml" >/dev/null || return
}

# The mesh configuration other chapters leave when their Reset is skipped (routes, policies, service
# entries, Telemetry, Gateway API gateways, the egress chapter's curl-direct), removed so that a chapter starts
# from Bookinfo's own workloads only. The demo profile creates none of these, so removing them all
# takes nothing of Istio's own.
lab_mesh_clean() {
  local kinds=virtualservices.networking.istio.io,destinationrules.networking.istio.io,gateways.networking.istio.io,serviceentries.networking.istio.io,sidecars.networking.istio.io,envoyfilters.networking.istio.io,peerauthentications.security.istio.io,authorizationpolicies.security.istio.io,requestauthentications.security.istio.io,telemetries.telemetry.istio.io
  local namespace
  for namespace in default istio-system; do
    kubectl -n "$namespace" delete "$kinds" --all --ignore-not-found >/dev/null || return
  done
  if kubectl get crd httproutes.gateway.networking.k8s.io >/dev/null 2>&1; then
    kubectl -n default delete httproutes.gateway.networking.k8s.io,gateways.gateway.networking.k8s.io --all --ignore-not-found >/dev/null || return
  fi
  kubectl -n default delete deployment curl-direct --ignore-not-found >/dev/null || return
}

# Istio removed from the cluster, as the ambient chapter starts from: the ambient-demo namespace
# first (no pod enrolled in a data plane that goes), then the sidecar chapters' workloads in
# "default" (Bookinfo, curl, httpbin, which would keep sidecars with no control plane), then Istio.
lab_no_istio() {
  lab_remove_ambient_demo || return
  lab_remove_upgrade_demo || return
  kubectl label namespace default istio-injection- >/dev/null 2>&1
  # Bookinfo's objects carry app labels; curl's, httpbin's and the other chapters' Deployments
  # carry none of their own (only their pod templates do), so those go by name.
  kubectl -n default delete deployment,service -l 'app in (productpage,details,ratings,reviews)' --ignore-not-found >/dev/null || return
  kubectl -n default delete deployment curl httpbin httpbin-v2 fortio-deploy curl-direct --ignore-not-found >/dev/null || return
  kubectl -n default delete service curl httpbin fortio --ignore-not-found >/dev/null || return
  if kubectl get namespace istio-system >/dev/null 2>&1; then
    lab_say "removing the installation of Istio"
    command -v istioctl >/dev/null || lab_istioctl || return
    istioctl uninstall --purge -y || return
    kubectl delete namespace istio-system --ignore-not-found --wait=true >/dev/null || return
  fi
}

# istioctl %{istioPrevious}, the previous minor's newest patch, which the upgrade chapter starts from:
# its release next to the book's own in the workspace, its istioctl on PATH as
# istioctl-%{istioPrevious} (the book's istioctl stays the plain "istioctl").
lab_istioctl_previous() {
  local release="$ISTIO_LAB_HOME/istio-%{istioPrevious}"
  if [ -x "$release/bin/istioctl" ]; then
    lab_say "istioctl %{istioPrevious} is downloaded"
  else
    lab_say "downloading Istio %{istioPrevious}"
    (cd "$ISTIO_LAB_HOME" && curl -fsSL https://istio.io/downloadIstio | ISTIO_VERSION=%{istioPrevious} sh -) || return
    [ -x "$release/bin/istioctl" ] || lab_fail "the download of Istio %{istioPrevious} left no istioctl in $release" || return
  fi
  mkdir -p "$ISTIO_LAB_HOME/bin"
  ln -sf "$release/bin/istioctl" "$ISTIO_LAB_HOME/bin/istioctl-%{istioPrevious}"
}

# The upgrade chapter's namespace gone: its pods carry sidecars of whichever revision injected
# them, and would outlive the control planes that are about to be replaced. Its revision tag's
# webhook goes too, in case an uninstall leaves it: it would inject from a revision that is gone.
lab_remove_upgrade_demo() {
  if kubectl get namespace upgrade-demo >/dev/null 2>&1; then
    lab_say "removing the upgrade-demo namespace"
    kubectl delete namespace upgrade-demo --ignore-not-found --wait=true >/dev/null || return
  fi
  kubectl delete mutatingwebhookconfigurations -l istio.io/tag --ignore-not-found >/dev/null || return
}

# What each step is called in the progress line Catch up prints before it.
lab_step_title() {
  case "$1" in
    lab_cluster) printf 'the kind cluster %{clusterName}' ;;
    lab_istioctl) printf 'istioctl %{istio}' ;;
    lab_istio_demo) printf 'Istio %{istio}, demo profile' ;;
    lab_samples) printf 'Bookinfo, curl and httpbin' ;;
    lab_mesh_clean) printf 'no routes or policies left by other chapters' ;;
    lab_remove_ambient_demo) printf 'no ambient-demo namespace' ;;
    lab_bookinfo_ingress) printf 'Bookinfo through the ingress gateway' ;;
    lab_gateway_api_crds) printf 'the Gateway API CRDs' ;;
    lab_no_istio) printf 'no Istio installed' ;;
    lab_istioctl_previous) printf 'istioctl %{istioPrevious}, the previous minor' ;;
    lab_remove_upgrade_demo) printf 'no upgrade-demo namespace' ;;
    lab_release_images) printf "the samples' images pullable and pinned" ;;
    *) printf '%s' "$1" ;;
  esac
}

# Brings the cluster to the state in which a chapter starts, one numbered step at a time
# ("==> [2/4] istioctl ..."), and stops at the first step that fails, naming it. The states
# build on each other:
#   cluster  - nothing (a machine with Docker and kind)
#   install  - the book's kind cluster, with no Istio in it (the install chapter starts there)
#   teardown - the book's kind cluster, whatever it holds
#   gateways - + istioctl, Istio's demo profile, Bookinfo, curl and httpbin with sidecars, and no
#              ingress configuration or policy at all (the gateways chapter builds it)
#   mesh     - + Bookinfo's own routing only: Bookinfo through the ingress gateway, its
#              DestinationRules, the Gateway API CRDs (where traffic, resilience, egress, security, observability and troubleshooting start)
#   ambient  - the cluster and istioctl, with no Istio installed
#   upgrade  - + istioctl %{istioPrevious} next to it, and still no Istio installed
lab_reach() {
  local steps
  case "$1" in
    cluster) steps=() ;;
    install) steps=(lab_cluster lab_no_istio) ;;
    teardown) steps=(lab_cluster) ;;
    gateways) steps=(lab_cluster lab_istioctl lab_istio_demo lab_samples lab_mesh_clean) ;;
    mesh) steps=(lab_cluster lab_istioctl lab_istio_demo lab_samples lab_mesh_clean lab_bookinfo_ingress lab_gateway_api_crds) ;;
    ambient) steps=(lab_cluster lab_istioctl lab_no_istio) ;;
    upgrade) steps=(lab_cluster lab_istioctl lab_istioctl_previous lab_no_istio) ;;
    *)
      lab_fail "unknown state '$1': use cluster, install, teardown, gateways, mesh, ambient or upgrade"
      return
      ;;
  esac
  local total=${#steps[@]} number=0 step
  for step in "${steps[@]}"; do
    number=$((number + 1))
    printf '==> [%d/%d] %s\n' "$number" "$total" "$(lab_step_title "$step")"
    "$step" || lab_fail "step $number of $total ($(lab_step_title "$step")) failed; fix what it printed above and run Catch up again" || return
  done
  printf '==> ready: the cluster is where the "%s" state starts\n' "$1"
}

# Run as a command rather than sourced (bash "$ISTIO_LAB_STEPS" lab_release_images), the file runs
# the one step it is given: how a cell or `npm run images` takes a step without sourcing this file
# into the learner's shell.
if [ -n "${BASH_VERSION:-}" ] && [ "${BASH_SOURCE[0]}" = "$0" ] && [ "$#" -gt 0 ]; then
  case "$1" in
    lab_*) "$@" ;;
    *) lab_fail "not a step: '$1' (the steps are the lab_* functions of this file)" ;;
  esac
fi
