#!/usr/bin/env bash
# Install the Debian packages the app (runtime), the tests (test) or the multi-process
# setup on one machine (prod: `make prod-local`) need, if missing.
# As root it runs apt-get; otherwise it prints the command to run and fails.
set -euo pipefail

# Badges are rendered by WeasyPrint (Pango) in Latin, Cyrillic and CJK scripts.
runtime=(libmagic1 libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk fonts-dejavu-core)
# pdftoppm turns badge PDFs into images for the tests that decode their QR codes;
# pg_dump and pg_restore back up and restore PostgreSQL (tests/test_backup.py).
test_extra=(chromium poppler-utils postgresql-client)
# nginx in front of several app workers (scripts/prod-local.sh; tests/deploy drives it).
prod_extra=(nginx)

wanted=("${runtime[@]}")
case "${1:-runtime}" in
  runtime) ;;
  test) wanted+=("${test_extra[@]}" "${prod_extra[@]}") ;;
  prod) wanted+=("${prod_extra[@]}") ;;
  *) echo "usage: $0 [runtime|test|prod]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${missing[*]} (Debian package names)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "== installing Debian packages: ${missing[*]} =="
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
