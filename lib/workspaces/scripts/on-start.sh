# Lifecycle configuration body (sagemaker-secure-constructs). The construct puts in front of it:
# the settings (IDLE_TIMEOUT_MINUTES, WORKSPACE_KIND) and a here-document that writes
# idle-shutdown.sh to $IDLE_SHUTDOWN_DIR. It must return quickly (a notebook instance's on-start
# script has 5 minutes), so the watch runs in the background and outlives this script; its process
# ID is in idle-shutdown.pid, and a watch already running is not started twice.
chmod 0755 "$IDLE_SHUTDOWN_DIR/idle-shutdown.sh"
pid_file="$IDLE_SHUTDOWN_DIR/idle-shutdown.pid"
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "idle shutdown: already watching (process $(cat "$pid_file"))"
  exit 0
fi
nohup "$IDLE_SHUTDOWN_DIR/idle-shutdown.sh" watch >> "$IDLE_SHUTDOWN_DIR/idle-shutdown.log" 2>&1 < /dev/null &
echo $! > "$pid_file"
echo "idle shutdown after ${IDLE_TIMEOUT_MINUTES} minutes: watching (log: $IDLE_SHUTDOWN_DIR/idle-shutdown.log)"
