# Lifecycle configuration body (sagemaker-secure-constructs). The construct puts in front of it:
# the settings (IDLE_TIMEOUT_MINUTES, WORKSPACE_KIND) and a here-document that writes
# idle-shutdown.sh to $IDLE_SHUTDOWN_DIR. It must return quickly (a notebook instance's on-start
# script has 5 minutes), so the watch runs in the background and outlives this script.
chmod 0755 "$IDLE_SHUTDOWN_DIR/idle-shutdown.sh"
nohup "$IDLE_SHUTDOWN_DIR/idle-shutdown.sh" watch >> "$IDLE_SHUTDOWN_DIR/idle-shutdown.log" 2>&1 < /dev/null &
echo "idle shutdown after ${IDLE_TIMEOUT_MINUTES} minutes: watching (log: $IDLE_SHUTDOWN_DIR/idle-shutdown.log)"
