#!/usr/bin/env bash
# The system Chromium the browser tests drive (tests/browser), from Debian's packages.
#
#   bash tests/browser/chromium.sh ensure   # installs chromium (and a Japanese font, so
#                                           # screenshots show text) when missing and root
#
# Best effort: without root or a package source it says so and returns 0, and the browser
# tests skip with the reason. Nothing here or in the tests downloads a browser of its own.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

ensure() {
    local wanted=()
    [[ -x "$CHROMIUM" ]] || wanted+=(chromium)
    if command -v fc-list >/dev/null && [[ -z "$(fc-list :lang=ja 2>/dev/null)" ]]; then
        wanted+=(fonts-ipafont-gothic)
    fi
    if [[ ${#wanted[@]} -eq 0 ]]; then
        return 0
    fi
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "browser tests: ${wanted[*]} missing and cannot be installed here" \
            "(need root and apt-get: apt-get install ${wanted[*]}); the tests that need it skip" >&2
        return 0
    fi
    echo "browser tests: installing ${wanted[*]} from the system packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq "${wanted[@]}"; } >&2; then
        echo "browser tests: could not install ${wanted[*]}; the tests that need it skip" >&2
    fi
    return 0
}

case "${1:-ensure}" in
    ensure) ensure ;;
    *) echo "usage: $0 ensure" >&2; exit 2 ;;
esac
