#!/usr/bin/env bash
# CI smoke test of `make run` from a clean clone: it comes up, /healthz and /admin/login/ answer,
# the static catalog is there, and Ctrl-C (SIGINT) stops every process it started.
set -euo pipefail
# The quickstart is the embedded default: none of CI's service settings may leak into it or into the checks.
unset DATABASE_URL CELERY_BROKER_URL DJANGO_SECRET_KEY LITELLM_PROXY_URL OPENROUTER_ENABLED
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
port=${SMOKE_PORT:-18765}
clone="$work/modelsync"
git clone --quiet "$repo" "$clone"
cd "$clone"
PORT=$port setsid make run >"$work/run.log" 2>&1 &
run_pid=$!
start=$(date +%s)
cleanup() { kill -INT -- -"$run_pid" 2>/dev/null || true; sleep 3; kill -KILL -- -"$run_pid" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$run_pid" 2>/dev/null; then cat "$work/run.log"; echo "make run exited early" >&2; exit 1; fi
  sleep 1
done
ready=$(( $(date +%s) - start ))
# Read each page whole before matching: with pipefail, `curl | grep -q` fails when grep stops reading early.
health=$(curl -fsS "http://127.0.0.1:$port/healthz")
grep -q '"ok"' <<<"$health" || { echo "unhealthy: $health" >&2; cat "$work/run.log"; exit 1; }
login=$(curl -fsS "http://127.0.0.1:$port/admin/login/")
grep -q 'name="username"' <<<"$login" || { echo "no admin login page" >&2; exit 1; }
grep -q "password: " "$work/run.log" || { echo "no login printed" >&2; cat "$work/run.log"; exit 1; }
count=$(MODELSYNC_VAR_DIR="$clone/var" DJANGO_SECRET_KEY=$(cat "$clone/var/secret_key") \
  .venv/bin/python manage.py shell --no-imports -c "from catalog.models import LLMModel; print(LLMModel.objects.filter(is_active=True).count())")
[ "$count" -gt 100 ] || { echo "static catalog missing: $count active models" >&2; cat "$work/run.log"; exit 1; }
echo "smoke: make run from a clean clone served /healthz after ${ready}s with $count active models in the catalog"
kill -INT -- -"$run_pid"
for _ in $(seq 1 20); do kill -0 "$run_pid" 2>/dev/null || break; sleep 1; done
if pgrep -f "$clone/.venv/bin" >/dev/null; then echo "processes left behind after Ctrl-C" >&2; pgrep -af "$clone/.venv/bin"; exit 1; fi
echo "smoke: Ctrl-C stopped every process"
[ ! -e var/modelsync.pid ] || { echo "var/modelsync.pid left behind after Ctrl-C" >&2; exit 1; }
[ "$(stat -c %a var/first-login.txt)" = 600 ] || { echo "var/first-login.txt is not mode 0600" >&2; exit 1; }
grep -q "^password: " var/first-login.txt || { echo "no password kept in var/first-login.txt" >&2; exit 1; }

# Second start, in the background as a user would; `make stop` from another shell stops it, and make reports no
# error (a clean stop is no failure).
PORT=$port setsid make run >"$work/run2.log" 2>&1 &
run_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$run_pid" 2>/dev/null; then cat "$work/run2.log"; echo "second make run exited early" >&2; exit 1; fi
  sleep 1
done
grep -q "kept in .*first-login.txt" "$work/run2.log" || { echo "second run does not say where the login is" >&2; exit 1; }
make stop
status=0
wait "$run_pid" || status=$?
[ "$status" = 0 ] || { echo "make run exited with $status after make stop" >&2; cat "$work/run2.log"; exit 1; }
if grep -q "make: \*\*\*" "$work/run2.log"; then echo "make reported an error after make stop" >&2; exit 1; fi
if pgrep -f "$clone/.venv/bin" >/dev/null; then echo "processes left behind after make stop" >&2; pgrep -af "$clone/.venv/bin"; exit 1; fi
[ ! -e var/modelsync.pid ] || { echo "var/modelsync.pid left behind after make stop" >&2; exit 1; }
trap - EXIT
echo "smoke: make stop stopped a background make run"
rm -rf "$work"
