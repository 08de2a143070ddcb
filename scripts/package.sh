#!/usr/bin/env bash
# Builds the Debian package of Rapport (a Release build of the binary, then CPack):
#   scripts/package.sh           the .deb, in build-package/ (PACKAGE_BUILD_DIR to change it)
#   scripts/package.sh --test    the same, then installs it into a fresh folder (dpkg -x) and
#                                runs the installed binary: --version, and check on the
#                                installed example config; the man pages and units are there
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PACKAGE_BUILD_DIR:-$root/build-package}"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DRAPPORT_BUILD_TESTS=OFF \
  -DRAPPORT_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target rapport -j"$(nproc)"
rm -f "$build"/rapport_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb="$(ls "$build"/rapport_*.deb)"
echo "package: $deb ($(du -k "$deb" | cut -f1) KB)"
echo "depends: $(dpkg-deb -f "$deb" Depends)"

if [[ "${1:-}" != "--test" ]]; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
dpkg -x "$deb" "$tmp/root"
fail() { echo "package test: $*" >&2; exit 1; }
bin="$tmp/root/usr/bin/rapport"
[[ -x "$bin" ]] || fail "no /usr/bin/rapport in the package"
version="$("$bin" --version)"
[[ "$version" =~ ^rapport\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}(-dirty)?|unknown)\)$ ]] ||
  fail "--version printed: $version"
for f in usr/share/rapport/rapport.example.toml usr/share/man/man1/rapport.1 \
         usr/share/man/man5/rapport.toml.5 usr/lib/systemd/user/rapport.service \
         usr/lib/systemd/user/rapport-run.service usr/lib/systemd/user/rapport-run.timer \
         usr/lib/systemd/user/rapport@.service; do
  [[ -f "$tmp/root/$f" ]] || fail "missing /$f"
done
grep -q "^ExecStart=/usr/bin/rapport daemon " "$tmp/root/usr/lib/systemd/user/rapport.service" ||
  fail "the daemon unit does not start /usr/bin/rapport"
# The installed example config checks clean on a machine that has what it names.
home="$tmp/home"
mkdir -p "$home/Maildir/new" "$home/Maildir/cur" "$home/Maildir/tmp" "$home/Downloads"
: >"$home/Downloads/typeform-export.csv"
HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
  RAPPORT_VOICEMAIL_SECRET=test RAPPORT_SMTP_PASSWORD=test \
  "$bin" check --config "$tmp/root/usr/share/rapport/rapport.example.toml" ||
  fail "rapport check refused the installed example config"
echo "package test: $version; check passes on the installed example config"
