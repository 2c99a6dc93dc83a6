#!/usr/bin/env bash
# `make run`: the SMEV 3 stand (bus, portal, provider agencies) and Okno side
# by side, on one PostgreSQL database (the stand keeps to schema smevstand).
#   Okno:                         http://localhost:8080
#   the applicant's cabinet:      http://localhost:8075/cabinet/
# The portal files an application every OKNO_DEMO_RATE (default 1/m); file one
# at once with: curl -X POST http://127.0.0.1:8075/portal/applications
set -euo pipefail
cd "$(dirname "$0")/.."
DATABASE_URL="$(scripts/devdb.sh okno)"
export DATABASE_URL
mkdir -p .data/bin
go build -o .data/bin/okno ./cmd/server
go build -o .data/bin/smevstand ./cmd/smevstand
.data/bin/okno migrate

stand_addr=${SMEVSTAND_LISTEN:-127.0.0.1:8075}
SMEVSTAND_DATABASE_URL="$DATABASE_URL" .data/bin/smevstand -listen "$stand_addr" -keys .data/stand \
  -portal-rate "${OKNO_DEMO_RATE:-1/m}" &
stand=$!
trap 'kill "$stand" 2>/dev/null; wait "$stand" 2>/dev/null' EXIT

OKNO_DEMO="${OKNO_DEMO:-true}" \
OKNO_SMEV_URL="${OKNO_SMEV_URL:-http://$stand_addr/smev}" \
OKNO_SMEV_FILES_URL="${OKNO_SMEV_FILES_URL:-http://$stand_addr/files/}" \
OKNO_SMEV_KEYS_DIR="${OKNO_SMEV_KEYS_DIR:-.data/stand}" \
  .data/bin/okno
