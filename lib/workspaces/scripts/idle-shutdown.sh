#!/bin/bash
# Idle shutdown of a SageMaker workspace (sagemaker-secure-constructs).
#
#   idle-shutdown.sh check   one check: shuts the workspace down if it has been idle long enough
#   idle-shutdown.sh watch   checks every CHECK_INTERVAL_SECONDS until it has shut the workspace down
#
# Idle means: no kernel is busy or starting, and no kernel or terminal of the local Jupyter server
# has had activity for IDLE_TIMEOUT_MINUTES, nor has the watch started in that time.
# Shutting down is one AWS CLI call: a Studio space's app is deleted (its storage stays), a
# notebook instance is stopped (its volume stays).
#
# Settings (environment):
#   IDLE_TIMEOUT_MINUTES     required, a whole number of minutes
#   WORKSPACE_KIND           studio (default) or notebook
#   JUPYTER_URL              the Jupyter server's base URL (default: the app's own local server)
#   RESOURCE_METADATA        the app's metadata file (default /opt/ml/metadata/resource-metadata.json)
#   CHECK_INTERVAL_SECONDS   how often watch checks (default 60)
#   WATCH_STARTED_AT         epoch seconds idleness is counted from at the latest (watch: its start)
#   AWS_CLI                  the AWS CLI command (default aws)
#
# Exit status of check: 0 shut down, 3 not idle, 1 could not tell or could not shut down.
set -uo pipefail

: "${IDLE_TIMEOUT_MINUTES:?IDLE_TIMEOUT_MINUTES must be set}"
WORKSPACE_KIND="${WORKSPACE_KIND:-studio}"
case "$WORKSPACE_KIND" in
  studio) default_url='http://localhost:8888/jupyterlab/default' ;;
  notebook) default_url='https://localhost:8443' ;;
  *) echo "idle-shutdown: WORKSPACE_KIND must be studio or notebook, got '$WORKSPACE_KIND'" >&2; exit 1 ;;
esac
JUPYTER_URL="${JUPYTER_URL:-$default_url}"
RESOURCE_METADATA="${RESOURCE_METADATA:-/opt/ml/metadata/resource-metadata.json}"
CHECK_INTERVAL_SECONDS="${CHECK_INTERVAL_SECONDS:-60}"
AWS_CLI="${AWS_CLI:-aws}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) idle-shutdown: $*"; }

# GET <base>/api/<path> from the local Jupyter server (a notebook instance's uses a self-signed certificate).
jupyter_api() {
  curl --silent --show-error --fail --insecure --max-time 10 "${JUPYTER_URL%/}/api/$1"
}

# The value of a string field of the metadata file ("" when absent).
metadata_field() {
  grep -Eo "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$RESOURCE_METADATA" 2>/dev/null | head -n 1 | sed -E 's/.*"([^"]*)"$/\1/'
}

# Prints the epoch seconds of the latest activity. Returns 2 when a kernel is busy or starting,
# 1 when the server cannot be asked.
latest_activity() {
  local kernels terminals latest stamp seconds
  kernels=$(jupyter_api kernels) || return 1
  # Terminals can be turned off on a server (404): then there are none.
  terminals=$(jupyter_api terminals 2>/dev/null) || terminals='[]'
  if grep -Eq '"execution_state"[[:space:]]*:[[:space:]]*"(busy|starting)"' <<<"$kernels"; then
    return 2
  fi
  latest="${WATCH_STARTED_AT:-0}"
  while read -r stamp; do
    [ -n "$stamp" ] || continue
    seconds=$(date -u -d "$stamp" +%s 2>/dev/null) || continue
    if (( seconds > latest )); then latest=$seconds; fi
  done < <(printf '%s\n%s\n' "$kernels" "$terminals" \
    | grep -Eo '"last_activity"[[:space:]]*:[[:space:]]*"[^"]+"' | sed -E 's/.*"([^"]+)"$/\1/')
  echo "$latest"
}

shut_down() {
  if [ "$WORKSPACE_KIND" = notebook ]; then
    local name
    name=$(metadata_field ResourceName)
    [ -n "$name" ] || { log "no ResourceName in $RESOURCE_METADATA"; return 1; }
    log "stopping notebook instance $name"
    "$AWS_CLI" sagemaker stop-notebook-instance --notebook-instance-name "$name"
  else
    local domain space app type
    domain=$(metadata_field DomainId)
    space=$(metadata_field SpaceName)
    app=$(metadata_field ResourceName)
    type=$(metadata_field AppType)
    [ -n "$domain" ] && [ -n "$space" ] || { log "no DomainId or SpaceName in $RESOURCE_METADATA"; return 1; }
    log "deleting app ${app:-default} (${type:-JupyterLab}) of space $space in domain $domain"
    "$AWS_CLI" sagemaker delete-app --domain-id "$domain" --space-name "$space" \
      --app-type "${type:-JupyterLab}" --app-name "${app:-default}"
  fi
}

check() {
  local latest status now idle_seconds
  latest=$(latest_activity)
  status=$?
  if [ "$status" -eq 2 ]; then log "a kernel is busy"; return 3; fi
  if [ "$status" -ne 0 ]; then log "the Jupyter server at $JUPYTER_URL did not answer"; return 1; fi
  now=$(date -u +%s)
  idle_seconds=$(( now - latest ))
  if (( idle_seconds < IDLE_TIMEOUT_MINUTES * 60 )); then
    log "idle for $(( idle_seconds / 60 )) of ${IDLE_TIMEOUT_MINUTES} minutes"
    return 3
  fi
  log "idle for $(( idle_seconds / 60 )) minutes (limit ${IDLE_TIMEOUT_MINUTES})"
  shut_down || { log "the shutdown call failed"; return 1; }
  return 0
}

watch() {
  export WATCH_STARTED_AT="${WATCH_STARTED_AT:-$(date -u +%s)}"
  while true; do
    if check; then return 0; fi
    sleep "$CHECK_INTERVAL_SECONDS"
  done
}

case "${1:-}" in
  check) check ;;
  watch) watch ;;
  *) echo "usage: $0 check|watch" >&2; exit 1 ;;
esac
