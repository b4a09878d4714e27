#!/usr/bin/env bash
# The one list of the Debian packages Cartable needs, by use:
#   run     what `make run` needs: a virtual environment, what borgbackup compiles
#           against (C compiler, headers of acl, OpenSSL, lz4, zstd, xxhash), PDF fonts;
#   test    run's, plus the tools the test suite drives for real: Chromium (browser tests),
#           smartctl, upsc, pdftotext, ssh/sshd (off-site backups), mkfs/losetup/mount
#           (removable disks), wrk (benchmarks), sudo (its own test, as a non-root user),
#           GNU time (a hostile import's peak memory);
#   server  run's, plus what installer/install.sh and the services use on a school server.
# Usage: installer/system-deps.sh [run|test|server] [--list|--check]   (default: run;
#        --list only prints the profile's packages, one a line; --check installs nothing,
#        says how many are installed, or names the missing ones and exits with status 3)
# CARTABLE_EXTRA_DEBS="pkg1 pkg2" adds packages to the list.
#
# It asks dpkg which are missing and, only then, installs them with apt-get (as root, or
# through `sudo -n` when that needs no password). When it cannot, it prints the one
# command to run and exits with status 2; when apt-get fails, status 1. Nothing missing:
# silent, exit 0, in a fraction of a second.
set -euo pipefail

profile=${1:-run}
option=${2:-}

RUN_DEBS="python3-venv python3-dev build-essential pkg-config libacl1-dev libssl-dev
  liblz4-dev libzstd-dev libxxhash-dev fonts-dejavu-core"
TEST_DEBS="chromium smartmontools nut-client poppler-utils openssh-client openssh-server
  wrk e2fsprogs mount util-linux sudo time"
SERVER_DEBS="adduser smartmontools nut-client openssh-client"

case "$profile" in
  run) wanted="$RUN_DEBS" ;;
  test) wanted="$RUN_DEBS $TEST_DEBS" ;;
  server) wanted="$RUN_DEBS $SERVER_DEBS" ;;
  -h | --help)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "system-deps.sh : profil inconnu « $profile » (run, test ou server)." >&2
    echo "system-deps.sh: unknown profile '$profile' (run, test or server)." >&2
    exit 64
    ;;
esac
# shellcheck disable=SC2086 # word splitting of the lists is wanted
set -- $wanted ${CARTABLE_EXTRA_DEBS:-}
if [ "$option" = "--list" ]; then
  printf '%s\n' "$@"
  exit 0
fi

# One dpkg-query call for every package; those it doesn't list as installed are missing.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
  awk '$NF == "installed" && $(NF-1) == "ok" {print $1}' || true)
missing=()
for pkg in "$@"; do
  if ! grep -qxF -- "$pkg" <<<"$installed" && [[ " ${missing[*]} " != *" $pkg "* ]]; then
    missing+=("$pkg")
  fi
done
if [ "$option" = "--check" ]; then
  if [ ${#missing[@]} -eq 0 ]; then
    echo "system-deps.sh : les $# paquets Debian du profil $profile sont installés." >&2
    exit 0
  fi
  echo "system-deps.sh : paquets Debian manquants (profil $profile) : ${missing[*]}" >&2
  echo "system-deps.sh: missing Debian packages ($profile profile): ${missing[*]}" >&2
  exit 3
fi
[ ${#missing[@]} -eq 0 ] && exit 0

install_cmd="apt-get install -y --no-install-recommends ${missing[*]}"
tell() {
  # $1: French line, $2: English line; then the one command to run.
  {
    echo "system-deps.sh : $1"
    echo "system-deps.sh: $2"
    echo "Lancez / run:"
    if [ "$(id -u)" -eq 0 ]; then
      echo "  apt-get update && $install_cmd"
    elif command -v sudo >/dev/null 2>&1; then
      echo "  sudo apt-get update && sudo $install_cmd"
    else
      echo "  su -c 'apt-get update && $install_cmd'"
    fi
    echo "puis relancez la commande / then run the command again."
  } >&2
}

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  tell "paquets Debian manquants (${missing[*]}) et pas de droits root pour les installer." \
    "missing Debian packages (${missing[*]}) and no root rights to install them."
  exit 2
fi

echo "system-deps.sh : installation de ${missing[*]} (apt-get)…" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
  ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  tell "apt-get n'a pas pu installer ${missing[*]} (message ci-dessus)." \
    "apt-get could not install ${missing[*]} (message above)."
  exit 1
fi
