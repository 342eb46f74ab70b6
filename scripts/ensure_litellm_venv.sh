#!/usr/bin/env bash
# A real LiteLLM proxy in a separate, cached virtualenv (its pins clash with ours), for the integration test.
set -euo pipefail
LITELLM_VENV=${LITELLM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/modelsync/litellm-venv}
LITELLM_VERSION=${LITELLM_VERSION:-1.106.2}
if [ -x "$LITELLM_VENV/bin/litellm" ] && [ -f "$LITELLM_VENV/.version-$LITELLM_VERSION" ]; then
  exit 0
fi
echo "Installing litellm[proxy]==$LITELLM_VERSION into $LITELLM_VENV (cached)..."
rm -rf "$LITELLM_VENV"
python3 -m venv "$LITELLM_VENV"
"$LITELLM_VENV/bin/pip" install --quiet --upgrade pip
"$LITELLM_VENV/bin/pip" install --quiet "litellm[proxy]==$LITELLM_VERSION"
touch "$LITELLM_VENV/.version-$LITELLM_VERSION"
