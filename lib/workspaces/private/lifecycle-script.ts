import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the shipped scripts are: `lib/workspaces/scripts/` (listed in package.json "files"). */
const SCRIPTS = path.join(__dirname, '..', 'scripts');

/** SageMaker's limit on a lifecycle configuration's content, base64-encoded. */
export const MAX_LIFECYCLE_CONTENT_LENGTH = 16384;

const END_MARKER = 'SAGEMAKER_IDLE_SHUTDOWN_SCRIPT';

/**
 * The idle-shutdown lifecycle script of a workspace, as one bash script: its settings, a
 * here-document that installs `scripts/idle-shutdown.sh`, and `scripts/on-start.sh`, which starts
 * the watch in the background.
 *
 * @param kind `studio` (a JupyterLab app deletes itself) or `notebook` (the instance stops itself)
 */
export function idleShutdownScript(kind: 'studio' | 'notebook', idleMinutes: number): string {
  const checker = fs.readFileSync(path.join(SCRIPTS, 'idle-shutdown.sh'), 'utf8');
  const onStart = fs.readFileSync(path.join(SCRIPTS, 'on-start.sh'), 'utf8');
  if (checker.includes(END_MARKER)) throw new Error(`idle-shutdown.sh must not contain ${END_MARKER}`);
  return [
    '#!/bin/bash',
    `# Idle shutdown after ${idleMinutes} minutes (sagemaker-secure-constructs)`,
    'set -euo pipefail',
    `export IDLE_TIMEOUT_MINUTES=${idleMinutes}`,
    `export WORKSPACE_KIND=${kind}`,
    'IDLE_SHUTDOWN_DIR="${IDLE_SHUTDOWN_DIR:-${HOME:-/root}/.sagemaker-idle-shutdown}"',
    'mkdir -p "$IDLE_SHUTDOWN_DIR"',
    `cat > "$IDLE_SHUTDOWN_DIR/idle-shutdown.sh" <<'${END_MARKER}'`,
    checker.trimEnd(),
    END_MARKER,
    onStart.trimEnd(),
    '',
  ].join('\n');
}

/** The script as a lifecycle configuration's content (base64). */
export function lifecycleContent(script: string): string {
  return Buffer.from(script, 'utf8').toString('base64');
}
