#!/usr/bin/env bash
# Starts supportbot (action server, Rasa server, gateway) under honcho; `make run` calls it after
# building what is missing. Ctrl-C stops everything.
#
# Secrets come from the environment. Outside production, an unset SUPPORTBOT_WIDGET_SECRET,
# SUPPORTBOT_ADMIN_TOKEN, SUPPORTBOT_ACTIONS_SECRET (gateway -> action server identity) or
# SUPPORTBOT_RASA_TOKEN (Rasa's HTTP API) gets a random value for this run only (the admin token is
# printed below, for shop sync and other machine calls; people sign in to the console by name);
# in production a missing secret stops the start.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PWD/.venv/bin:$PATH"
# The shared defaults (offline, quiet); a value already in the environment wins.
while IFS='=' read -r name value; do
  [[ "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]] && export "$name=${!name:-$value}"
done < defaults.env
export PYTHONUNBUFFERED=1
# One compute thread per process: three processes share the cores, and multi-threaded torch/TF
# inference under contention was measured 8x slower (a MiniLM query: 254 ms on 2 threads, 31 ms on 1).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
export SUPPORTBOT_HOST="${SUPPORTBOT_HOST:-127.0.0.1}"
export SUPPORTBOT_PORT="${SUPPORTBOT_PORT:-8000}"
env_name="${SUPPORTBOT_ENV:-development}"

if ! command -v honcho >/dev/null; then
  echo "run.sh: honcho is missing from .venv; run 'make install'" >&2
  exit 1
fi
if [ ! -f models/rasa/supportbot.tar.gz ]; then
  echo "run.sh: no Rasa model at models/rasa/supportbot.tar.gz; run 'make train' (or 'make run')" >&2
  exit 1
fi

random_secret() { python -c 'import secrets; print(secrets.token_urlsafe(32))'; }

generated_admin=""
for name in SUPPORTBOT_WIDGET_SECRET SUPPORTBOT_ADMIN_TOKEN SUPPORTBOT_ACTIONS_SECRET SUPPORTBOT_RASA_TOKEN; do
  if [ -z "${!name:-}" ]; then
    if [ "$env_name" = "production" ]; then
      echo "run.sh: $name is not set; production never runs on a generated secret" >&2
      exit 1
    fi
    export "$name=$(random_secret)"
    [ "$name" = SUPPORTBOT_ADMIN_TOKEN ] && generated_admin=1
  fi
done

# Refuse an unsafe configuration before starting anything (e.g. SUPPORTBOT_DEMO=on on 0.0.0.0);
# prints whether the demo sign-in is on.
demo_enabled="$(python -c 'from bot.config import get_settings as g; s = g(); s.check_production_secrets(); print(s.demo_enabled)' 2>&1)" || {
  echo "run.sh: ${demo_enabled##*Error: }" >&2
  exit 1
}

# Rasa's SQL tracker store lives in the same database as orders and conversations; endpoints.yml
# reads the URL from this variable (the default database is var/supportbot.db).
SUPPORTBOT_TRACKER_DB_URL="$(python -c 'from bot.config import get_settings; print(get_settings().database_url)')"
export SUPPORTBOT_TRACKER_DB_URL

base="http://${SUPPORTBOT_HOST}:${SUPPORTBOT_PORT}"
[ "$SUPPORTBOT_HOST" = "0.0.0.0" ] && base="http://127.0.0.1:${SUPPORTBOT_PORT}"
cat <<BANNER

  supportbot is starting (Rasa takes a minute to load its model; ${base}/healthz says when it is ready)

  demo shop with the chat widget   ${base}/
  agent console                    ${base}/agent   (reports: ${base}/agent/reports)
BANNER
# Agents sign in to the console by name; the first admin is made on the command line.
admins="$(python -c 'from bot.agents import AgentDirectory; from bot.config import get_settings; print(AgentDirectory.from_url(get_settings().database_url).count_active("admin"))' 2>/dev/null || echo 0)"
if [ "$admins" = "0" ]; then
  echo "  agent console sign-in            no admin yet: create the first one in another terminal with"
  echo "                                     .venv/bin/supportbot agents add YOUR-NAME --role admin"
  echo "                                   (it prints a one-time password; admins add agents the same way)"
else
  echo "  agent console sign-in            your agent name and password (supportbot agents add NAME makes more)"
fi
if [ -n "$generated_admin" ]; then
  echo "  admin token (machines only)      ${SUPPORTBOT_ADMIN_TOKEN}   (generated for this session)"
else
  echo "  admin token (machines only)      the value of SUPPORTBOT_ADMIN_TOKEN"
fi
echo "  metrics                          ${base}/metrics"
if [ "$demo_enabled" != True ]; then
  echo "  demo sign-in                     off (reachable from other machines, production or SUPPORTBOT_DEMO=off)"
fi
if [ "$SUPPORTBOT_HOST" = "0.0.0.0" ]; then
  echo "  other machines must call it by a name in SUPPORTBOT_ALLOWED_HOSTS or SUPPORTBOT_PUBLIC_URL"
fi
echo

exec honcho start -f Procfile
