#!/usr/bin/env bash
# `make stop`: ask the running `make run` to stop (SIGTERM: it stops its gunicorn, worker and beat), then wait.
set -euo pipefail
cd "$(dirname "$0")/.."
pid_file="${MODELSYNC_VAR_DIR:-$PWD/var}/modelsync.pid"
if [ ! -s "$pid_file" ] || ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "modelsync is not running (no live pid in $pid_file)."
  rm -f "$pid_file"
  exit 0
fi
pid=$(cat "$pid_file")
kill -TERM "$pid"
for _ in $(seq 1 30); do
  kill -0 "$pid" 2>/dev/null || { echo "modelsync (pid $pid) stopped."; exit 0; }
  sleep 1
done
echo "modelsync (pid $pid) did not stop within 30 s; kill -KILL $pid and its children by hand." >&2
exit 1
