#!/usr/bin/env bash
# PDFs per second through the process pool with 2 workers, for 20 seconds (docs/performance.md, "PDF rendering").
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python -m bench.pdf.measure --workers "${WORKERS:-2}" --seconds "${SECONDS_TO_RUN:-20}" "$@"
