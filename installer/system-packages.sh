#!/usr/bin/env bash
# Install the Debian/Ubuntu libraries that Qt 6 needs (and Xvfb for screenshots) when any is missing.
# With --test it adds dbus-daemon and dunst, which run the desktop notification test on a
# private session bus (the app itself uses the desktop's own notification service), and
# postgresql, whose server binaries the PostgreSQL tests use for a throwaway cluster.
# On other systems, or without root or sudo, it prints what to install and carries on.
set -euo pipefail

packages=(
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0
  libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(dbus-daemon dunst postgresql)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  sudo_prefix=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_prefix=(sudo)
else
  echo "LeadDesk needs these packages, which are missing: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 0
fi

echo "Installing the system packages LeadDesk needs: ${missing[*]}"
"${sudo_prefix[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
