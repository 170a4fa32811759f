#!/usr/bin/env bash
# A CycloneDX SBOM (sbom.cdx.json) of the project's pinned environment (.venv), for an operator to
# scan with the vulnerability tool and advisory source of their choice (docs/deployment.md).
# The generator (cyclonedx-bom) lives in a venv of its own (.venv-sbom): it needs a newer
# `packaging` than Rasa 3.6 allows, and it must not change the environment it describes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || scripts/setup.sh
if [ ! -x .venv-sbom/bin/cyclonedx-py ]; then
  "$(.venv/bin/python -c 'import sys; print(sys.base_prefix)')/bin/python3" -m venv .venv-sbom
  .venv-sbom/bin/python -m pip install --quiet --disable-pip-version-check cyclonedx-bom==7.5.0
fi
.venv-sbom/bin/cyclonedx-py environment --output-format JSON --output-file sbom.cdx.json .venv/bin/python
echo "wrote sbom.cdx.json ($(.venv-sbom/bin/python -c 'import json; print(len(json.load(open("sbom.cdx.json"))["components"]))') components)"
