#!/usr/bin/env bash
# `make run`: the embedded quickstart. SQLite + kombu's filesystem broker, so no server is needed;
# a real Celery worker and beat run beside gunicorn. Ctrl-C (or `make stop`, from another shell or when it runs in
# the background) stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
BIN="$VENV/bin"
export DJANGO_SETTINGS_MODULE=config.settings.base
export MODELSYNC_VAR_DIR=${MODELSYNC_VAR_DIR:-$PWD/var}
export PORT=${PORT:-8000}
mkdir -p "$MODELSYNC_VAR_DIR"/broker/{queue,processed,control} "$MODELSYNC_VAR_DIR/log"
pid_file="$MODELSYNC_VAR_DIR/modelsync.pid"
if [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "modelsync is already running (pid $(cat "$pid_file")); stop it with: make stop" >&2
  exit 1
fi
echo $$ >"$pid_file"

# A random secret key, made once and kept with the data (never a fixed default).
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  key_file="$MODELSYNC_VAR_DIR/secret_key"
  [ -s "$key_file" ] || (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$key_file")
  DJANGO_SECRET_KEY=$(cat "$key_file")
  export DJANGO_SECRET_KEY
fi

manage() { "$BIN/python" manage.py "$@"; }

manage migrate --noinput -v0  # also creates the environment's sources and the sync schedule
manage collectstatic --noinput -v0
password_line=$(manage quickstart_admin)
echo "First sync (the worker and beat keep it current from now on)..."
manage sync_models || echo "The first sync did not succeed; see the sync runs in admin."

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping modelsync..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  rm -f "$pid_file"
}
# Ctrl-C (INT) and `make stop` (TERM) are the expected ways to end: after stopping everything, exit 0, so make
# reports no error (bash would otherwise exit 130/143 from the interrupted wait). Any other end keeps its status.
trap 'stop; exit 0' INT TERM
trap stop EXIT

"$BIN/celery" -A config worker --loglevel=INFO --concurrency=2 >"$MODELSYNC_VAR_DIR/log/worker.log" 2>&1 &
pids+=($!)
"$BIN/celery" -A config beat --loglevel=INFO --pidfile= \
  --schedule="$MODELSYNC_VAR_DIR/celerybeat-schedule" >"$MODELSYNC_VAR_DIR/log/beat.log" 2>&1 &
pids+=($!)
export PROMETHEUS_MULTIPROC_DIR="$MODELSYNC_VAR_DIR/prometheus"  # gunicorn's workers share their metrics here
"$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" --config python:config.gunicorn --workers 2 --access-logfile - &
pids+=($!)

cat <<MSG

modelsync is running:
  Admin:        http://127.0.0.1:$PORT/admin/
  API:          http://127.0.0.1:$PORT/api/v1/models/
  API docs:     http://127.0.0.1:$PORT/api/docs/
  Health:       http://127.0.0.1:$PORT/healthz
  Metrics:      http://127.0.0.1:$PORT/metrics (Prometheus; loopback or MODELSYNC_METRICS_TOKEN)
  $password_line
  Worker and beat logs: $MODELSYNC_VAR_DIR/log/
Press Ctrl-C to stop (or run \`make stop\`; the pid is in $pid_file).
MSG
wait -n "${pids[@]}"
