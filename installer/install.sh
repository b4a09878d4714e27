#!/usr/bin/env bash
# Install Cartable on a Debian 12/13 server: system packages, a `cartable` system user,
# /opt/cartable (virtual environment), /etc/cartable, /var/lib/cartable, systemd units.
# Usage (as root, from a clone of the repository):
#   installer/install.sh --school-name "Collège Jean-Moulin" --uai 0671234A \
#       --admin-login tech --admin-password-file /root/admin-password.txt \
#       [--portal-url https://ent.college-exemple.fr]
# --portal-url is the address people type (printed on the login slips); by default
# https:// and this server's full name.
# Run it again to upgrade: the data and the configuration are kept.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/cartable
ETC=/etc/cartable
DATA=/var/lib/cartable

die() { echo "install.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "lancez ce script en root (sudo)."

# The options of `cartable init`, with --portal-url defaulting to https://<this FQDN>
# (the same default as `cartable init`: Python's socket.getfqdn()).
init_args() {
  INIT_ARGS=("$@")
  local a
  for a in "$@"; do
    case "$a" in --portal-url|--portal-url=*) return 0 ;; esac
  done
  INIT_ARGS+=(--portal-url "https://$(python3 -c 'import socket; print(socket.getfqdn())')")
}
init_args "$@"

echo "1/6 Paquets système"
"$SRC/installer/system-deps.sh" server

echo "2/6 Utilisateur système « cartable »"
id cartable >/dev/null 2>&1 || adduser --system --group --home "$DATA" --no-create-home cartable

echo "3/6 Logiciel dans $PREFIX"
[ -x "$PREFIX/bin/python" ] || python3 -m venv "$PREFIX"
"$PREFIX/bin/pip" install --quiet --upgrade pip
"$PREFIX/bin/pip" install --quiet "$SRC[backup]"   # borg compiled here, a few minutes

echo "4/6 Configuration dans $ETC, données dans $DATA"
install -d -m 0750 -o root -g cartable "$ETC"
if [ ! -f "$ETC/cartable.toml" ]; then
  "$PREFIX/bin/cartable" config example > "$ETC/cartable.toml"
  chmod 0640 "$ETC/cartable.toml"; chgrp cartable "$ETC/cartable.toml"
fi
install -d -m 0750 -o cartable -g cartable "$DATA"
install -d -m 0755 -o root -g root "$DATA/smart"   # written by root only (health.smart_spool_dir)

echo "5/6 Base de données et premier compte technicien"
runuser -u cartable -- env CARTABLE_CONFIG="$ETC/cartable.toml" CARTABLE_DATA_DIR="$DATA" \
  "$PREFIX/bin/cartable" init "${INIT_ARGS[@]}"

echo "6/6 Services systemd"
install -m 0644 "$SRC"/installer/systemd/*.service "$SRC"/installer/systemd/*.timer /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now cartable-web.service cartable-worker.service cartable-smart.timer
echo "Cartable est installé. Portail : http://127.0.0.1:8080 (mettez le proxy inverse"
echo "de installer/nginx/cartable.conf devant). Vérifiez : cartable config check ; cartable diagnose"
