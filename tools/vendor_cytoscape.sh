#!/usr/bin/env bash
# Vendor cytoscape.js (the HTML report's graph library) into the package, from the npm registry.
# Usage: tools/vendor_cytoscape.sh [VERSION]   (default: the version in src/netverify/report/assets/VENDORED)
# Writes src/netverify/report/assets/cytoscape.min.js, cytoscape.LICENSE and VENDORED (version + sha256).
set -euo pipefail
cd "$(dirname "$0")/.."
assets=src/netverify/report/assets
version="${1:-$(sed -n 's/^cytoscape \([0-9.]*\) .*/\1/p' "$assets/VENDORED")}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "cytoscape@$version" >/dev/null && tar xzf "cytoscape-$version.tgz")
cp "$work/package/dist/cytoscape.min.js" "$assets/cytoscape.min.js"
cp "$work/package/LICENSE" "$assets/cytoscape.LICENSE"
sum="$(sha256sum "$assets/cytoscape.min.js" | cut -d' ' -f1)"
echo "cytoscape $version sha256:$sum (npm pack cytoscape@$version: package/dist/cytoscape.min.js, package/LICENSE)" \
  > "$assets/VENDORED"
cat "$assets/VENDORED"
