#!/bin/sh
# Builds libparley-example-store.so against the modules of the Parley build that made
# parleyd, into BIN_PATH (default: `swift build --show-bin-path`), and prints its path.
#
#   plugins/example-store/build.sh [BIN_PATH]
#   parleyd text-chat --load-plugin "$(plugins/example-store/build.sh)" --auth passwd-file:users.passwd
#
# The library is not linked with Parley: its references to Parley's symbols stay
# undefined and dlopen resolves them against parleyd (which exports them), so the store
# uses the very types of the parleyd that loads it. Build it again after every rebuild of
# parleyd. See docs/custom-stores.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
bin=${1:-$(cd "$root" && swift build --show-bin-path)}
bin=$(cd "$bin" && pwd -P)
modules="$bin/Modules"
[ -f "$modules/ParleyLauncher.swiftmodule" ] || {
    echo "build.sh: no ParleyLauncher.swiftmodule in $modules: run 'swift build' first" >&2
    exit 1
}
swiftc=${SWIFTC:-$(command -v swiftc)}

# The C modules Parley's modules import (NIO, swift-crypto, Yams, …): every module map
# SwiftPM generated in the build folder or found in a dependency's sources, each with its
# folder on the header path. Maps that nothing imports are never read.
checkouts="$bin/../../checkouts"
[ -d "$checkouts" ] || checkouts="$root/.build/checkouts"
set --
for map in "$bin"/*.build/module.modulemap "$checkouts"/*/Sources/*/include/module.modulemap \
    "$checkouts"/*/Sources/*/module.modulemap "$root"/Sources/*/module.modulemap; do
    [ -f "$map" ] || continue
    set -- "$@" -Xcc "-fmodule-map-file=$map" -Xcc -I -Xcc "$(dirname "$map")"
done
for include in "$checkouts"/*/Sources/*/include; do
    [ -d "$include" ] && set -- "$@" -Xcc -I -Xcc "$include"
done

output="$bin/libparley-example-store.so"
"$swiftc" -emit-library -module-name ParleyExampleStore -parse-as-library -swift-version 6 -g -Onone \
    -I "$modules" -I "$here/CCrypt" -module-cache-path "$bin/ModuleCache" \
    "$@" -Xlinker --allow-shlib-undefined -lcrypt \
    -o "$output" \
    "$here/Crypt.swift" "$here/PasswdFile.swift" "$here/PasswdFileStore.swift" "$here/Plugin.swift"
echo "$output"
