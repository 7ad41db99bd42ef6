#!/usr/bin/env bash
# Debian packages the test suite needs: headless Chromium and LibreOffice Writer re-publish the
# synthetic city as PDFs (issue 11) and Chromium opens the analysts' report (issue 14), Noto CJK
# renders Chinese text, docker-compose validates docker-compose.yaml without an engine (issue 15).
# Installs only what is missing; one `apt-get update` first. Without root or apt-get it says what
# is missing and the tests that need it skip, naming the package.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
{ command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; } || need+=(fonts-noto-cjk)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: missing Debian packages: ${need[*]} (install them as root with apt-get; tests that need them skip)" >&2
  exit 0
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "warning: apt-get update failed; ${need[*]} not installed" >&2; exit 0; }
apt-get install -y -qq "${need[@]}" >/dev/null || echo "warning: apt-get install ${need[*]} failed; tests that need them skip" >&2
exit 0
