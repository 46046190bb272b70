# Sourced by scripts/run, scripts/test and scripts/install-deps (not a command of its own):
# stops the calling script with a clear message when `swift` is not on PATH or is older
# than the Swift that Parley needs, instead of a compiler error halfway through a build.
#
#   source scripts/require-swift.sh   # then: require_swift NAME-FOR-MESSAGES
#
# The version is read from `swift --version`, whose first line names it on every platform:
#   Swift version 6.3.1 (swift-6.3.1-RELEASE)
#   Apple Swift version 6.3 (swiftlang-6.3.0.123.5 clang-1700.3.19.1)
#   Swift version 6.3-dev (LLVM …, Swift …)

PARLEY_SWIFT_MAJOR=6
PARLEY_SWIFT_MINOR=3
PARLEY_SWIFT_HOME_HINT=/opt/swift/usr/bin   # where this project's machines have it

require_swift_help() {
  local here=""
  [ -x "$PARLEY_SWIFT_HOME_HINT/swift" ] && here=" (this machine has it there)"
  cat >&2 <<EOF
  Parley needs Swift ${PARLEY_SWIFT_MAJOR}.${PARLEY_SWIFT_MINOR} or newer.
  - On this project's machines it is installed in ${PARLEY_SWIFT_HOME_HINT}${here}:
      export PATH=${PARLEY_SWIFT_HOME_HINT}:\$PATH
  - Elsewhere, install a Swift ${PARLEY_SWIFT_MAJOR}.${PARLEY_SWIFT_MINOR} toolchain for Debian 12 as
    https://www.swift.org/install/linux/ describes (choose Debian 12: swiftly, or the
    tarball with the packages it lists), and put its usr/bin first on PATH.
EOF
}

# require_swift_fail HEADLINE OUTPUT: prints HEADLINE, OUTPUT indented, and the help; exits 1.
require_swift_fail() {
  echo "$1" >&2
  printf '%s\n' "$2" | sed 's/^/    /' >&2
  require_swift_help
  exit 1
}

# require_swift NAME: returns when a new enough `swift` is on PATH; otherwise prints why,
# prefixed with NAME, and exits the calling script with status 1.
require_swift() {
  local name=${1:-parley}
  local swift_bin version_text version full major minor
  if ! swift_bin=$(command -v swift); then
    echo "$name: 'swift' is not on PATH." >&2
    require_swift_help
    exit 1
  fi
  if ! version_text=$("$swift_bin" --version 2>&1); then
    require_swift_fail "$name: '$swift_bin --version' failed:" "$version_text"
  fi
  version=$(printf '%s\n' "$version_text" \
    | sed -n 's/.*Swift version \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1.\2/p' | head -n 1)
  if [ -z "$version" ]; then
    require_swift_fail "$name: cannot read a version from '$swift_bin --version', which printed:" \
      "$version_text"
  fi
  full=$(printf '%s\n' "$version_text" \
    | sed -n 's/.*Swift version \([0-9][0-9.]*[^ ]*\).*/\1/p' | head -n 1)
  major=${version%%.*}
  minor=${version#*.}
  if [ "$major" -lt "$PARLEY_SWIFT_MAJOR" ] \
    || { [ "$major" -eq "$PARLEY_SWIFT_MAJOR" ] && [ "$minor" -lt "$PARLEY_SWIFT_MINOR" ]; }; then
    echo "$name: $swift_bin is Swift $full, which is too old." >&2
    require_swift_help
    exit 1
  fi
}
