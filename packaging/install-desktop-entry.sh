#!/usr/bin/env bash
# Installs (or removes) Sora Studio's desktop entry, icons and AppStream metainfo, so the desk
# shows up in the application menu and software centres with its icon.
#
# Usage: install-desktop-entry.sh [--system | --prefix DIR] [--exec PATH] [--uninstall]
#   (default)      per user, under ${XDG_DATA_HOME:-~/.local/share}
#   --system       for everyone, under /usr/share (run as root)
#   --prefix DIR   under DIR (DIR/applications, DIR/icons/hicolor, DIR/metainfo)
#   --exec PATH    the executable the menu entry starts. Default: the sora-studio executable next
#                  to this script when it runs from a bundle (dist/sora-studio/), else
#                  `sora-studio` found on PATH (a pip install)
#   --uninstall    remove what an install put there
#
# It works from the repository (packaging/, reading ../resources) and from a built bundle (which
# carries a copy of resources/). Afterwards it refreshes the menu and icon caches when
# update-desktop-database and gtk-update-icon-cache are installed.
set -euo pipefail

APP_ID=app.sorastudio.SoraStudio
ICON_SIZES=(16 24 32 48 64 128 256 512)

here="$(cd "$(dirname "$0")" && pwd)"
prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
exec_path=""
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --system) prefix=/usr/share ;;
    --prefix)
      [ $# -ge 2 ] || { echo "install-desktop-entry: --prefix needs a folder" >&2; exit 2; }
      prefix="$2"
      shift
      ;;
    --exec)
      [ $# -ge 2 ] || { echo "install-desktop-entry: --exec needs a path" >&2; exit 2; }
      exec_path="$2"
      shift
      ;;
    --uninstall) uninstall=1 ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    *)
      echo "install-desktop-entry: unknown option '$1' (try --help)" >&2
      exit 2
      ;;
  esac
  shift
done

applications="$prefix/applications"
metainfo="$prefix/metainfo"
hicolor="$prefix/icons/hicolor"

refresh_caches() {
  if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$applications" ]; then
    update-desktop-database -q "$applications" || true
  fi
  # -t: a per-user hicolor folder usually has no index.theme of its own.
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -d "$hicolor" ]; then
    gtk-update-icon-cache -q -t -f "$hicolor" || true
  fi
}

if [ "$uninstall" = 1 ]; then
  rm -f "$applications/$APP_ID.desktop" "$metainfo/$APP_ID.metainfo.xml" \
    "$hicolor/scalable/apps/$APP_ID.svg"
  for size in "${ICON_SIZES[@]}"; do
    rm -f "$hicolor/${size}x${size}/apps/$APP_ID.png"
  done
  refresh_caches
  echo "install-desktop-entry: removed Sora Studio's menu entry from $prefix"
  exit 0
fi

# The resources: next to the script in a bundle, at the repository's top level otherwise.
if [ -f "$here/resources/$APP_ID.desktop" ]; then
  resources="$here/resources"
elif [ -f "$here/../resources/$APP_ID.desktop" ]; then
  resources="$(cd "$here/../resources" && pwd)"
else
  echo "install-desktop-entry: cannot find resources/$APP_ID.desktop next to $here" >&2
  exit 1
fi

if [ -z "$exec_path" ]; then
  if [ -x "$here/sora-studio" ] && [ -f "$here/sora-studio" ]; then
    exec_path="$here/sora-studio"
  else
    exec_path=sora-studio
    if ! command -v sora-studio >/dev/null 2>&1; then
      echo "install-desktop-entry: warning: sora-studio is not on PATH; the menu entry will" \
        "stay hidden until it is (or pass --exec /path/to/sora-studio)" >&2
    fi
  fi
fi
case "$exec_path" in
  /*) ;;
  */*) exec_path="$(cd "$(dirname "$exec_path")" && pwd)/$(basename "$exec_path")" ;;
esac
# Quoting inside Exec= has its own escaping rules; refuse the characters that would need them
# rather than write an entry that launches the wrong thing.
case "$exec_path" in
  *[\"\`\$\\%]* | *$'\n'*)
    echo "install-desktop-entry: the path '$exec_path' has a character (\" \` \$ \\ %) that a" \
      "desktop entry cannot carry safely; move the bundle to a plainer path" >&2
    exit 1
    ;;
esac
exec_value="$exec_path"
case "$exec_path" in
  *" "*) exec_value="\"$exec_path\"" ;;
esac

# For sed's replacement text: & and the | delimiter are special there.
sed_escape() { printf '%s' "$1" | sed -e 's/[&|]/\\&/g'; }

mkdir -p "$applications" "$metainfo" "$hicolor/scalable/apps"
# TryExec takes a bare path (no quoting), Exec a command line.
sed -e "s|^Exec=sora-studio\(.*\)$|Exec=$(sed_escape "$exec_value")\1|" \
  -e "s|^TryExec=.*$|TryExec=$(sed_escape "$exec_path")|" \
  "$resources/$APP_ID.desktop" >"$applications/$APP_ID.desktop.tmp"
chmod 644 "$applications/$APP_ID.desktop.tmp"
mv "$applications/$APP_ID.desktop.tmp" "$applications/$APP_ID.desktop"
install -m 644 "$resources/$APP_ID.metainfo.xml" "$metainfo/$APP_ID.metainfo.xml"
install -m 644 "$resources/icons/sora-studio.svg" "$hicolor/scalable/apps/$APP_ID.svg"
for size in "${ICON_SIZES[@]}"; do
  mkdir -p "$hicolor/${size}x${size}/apps"
  install -m 644 "$resources/icons/sora-studio-$size.png" "$hicolor/${size}x${size}/apps/$APP_ID.png"
done

if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$applications/$APP_ID.desktop"
fi
refresh_caches
echo "install-desktop-entry: installed Sora Studio's menu entry in $prefix (runs $exec_path)"
