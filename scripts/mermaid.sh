#!/usr/bin/env bash
# Mermaid itself, in headless Chromium: what tests/test_docs.py renders each diagram of the committed docs with.
# Installs Debian's chromium and the npm packages of scripts/mermaid/package-lock.json (mermaid, puppeteer-core)
# on a fresh Debian machine (run as root), cached in ${SCHEMAGEN_CACHE:-/var/tmp/schemagen}/mermaid. Idempotent: a
# second `install` only checks the stamp.
#
#   scripts/mermaid.sh install                   install what is missing (root)
#   scripts/mermaid.sh installed                 exit 0 when everything is installed, 1 otherwise
#   scripts/mermaid.sh render OUTDIR FILE.mmd... render each diagram to OUTDIR/<name>.svg (scripts/mermaid/render.mjs)
set -Eeuo pipefail
trap 'printf "mermaid: error: unexpected failure (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${SCHEMAGEN_CACHE:-/var/tmp/schemagen}
DIR=$CACHE/mermaid
CHROMIUM=/usr/bin/chromium

log() { printf 'mermaid: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

stamp() { cat "$HERE/mermaid/package.json" "$HERE/mermaid/package-lock.json" | cksum | cut -d' ' -f1; }

installed() {
  [ -x "$CHROMIUM" ] && command -v node >/dev/null 2>&1 && [ -f "$DIR/.stamp-$(stamp)" ] \
    && [ -f "$DIR/node_modules/mermaid/dist/mermaid.min.js" ] && [ -d "$DIR/node_modules/puppeteer-core" ]
}

apt_install() {  # install Debian packages that are missing, updating the package lists when needed
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >"$DIR/apt.log" 2>&1; then
    apt-get update -q </dev/null >>"$DIR/apt.log" 2>&1 || { tail -20 "$DIR/apt.log" >&2; die "apt-get update failed"; }
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >>"$DIR/apt.log" 2>&1 \
      || { tail -20 "$DIR/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
}

install() {
  mkdir -p "$DIR"
  cp "$HERE/mermaid/render.mjs" "$DIR/render.mjs.tmp" && mv "$DIR/render.mjs.tmp" "$DIR/render.mjs"
  installed && return 0
  [ "$(id -u)" = 0 ] || die "run as root: it installs Debian packages"
  [ -x "$CHROMIUM" ] || apt_install chromium
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  [ -f "$DIR/.stamp-$(stamp)" ] && [ -d "$DIR/node_modules" ] && return 0
  log "installing mermaid and puppeteer-core from npm (pinned by scripts/mermaid/package-lock.json)"
  cp "$HERE/mermaid/package.json" "$HERE/mermaid/package-lock.json" "$DIR/"
  rm -f "$DIR"/.stamp-*
  # puppeteer-core downloads no browser: it drives Debian's chromium
  (cd "$DIR" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error </dev/null >"$DIR/npm.log" 2>&1) \
    || { tail -20 "$DIR/npm.log" >&2; die "npm ci failed (log: $DIR/npm.log)"; }
  touch "$DIR/.stamp-$(stamp)"
  installed || die "installed, yet chromium, node, mermaid or puppeteer-core is missing"
}

main() {
  local cmd=${1:-install}; shift || true
  case $cmd in
    install)
      mkdir -p "$CACHE"
      exec 9>"$CACHE/mermaid.lock"
      flock 9
      install
      log "ready: $($CHROMIUM --version 2>/dev/null || echo chromium), mermaid $(node -p "require('$DIR/node_modules/mermaid/package.json').version")" ;;
    installed) installed ;;
    render)
      installed || die "not installed: run scripts/mermaid.sh install (as root), or make mermaid"
      [ -f "$DIR/render.mjs" ] && cmp -s "$HERE/mermaid/render.mjs" "$DIR/render.mjs" \
        || { cp "$HERE/mermaid/render.mjs" "$DIR/render.mjs.$$" && mv "$DIR/render.mjs.$$" "$DIR/render.mjs"; }
      SCHEMAGEN_CHROMIUM=$CHROMIUM exec node "$DIR/render.mjs" "$@" ;;
    *) die "usage: $0 install|installed|render OUTDIR FILE.mmd..." ;;
  esac
}

main "$@"
