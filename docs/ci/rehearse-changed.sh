#!/usr/bin/env bash
# Rehearses the IoTJob manifests that a pull request adds or changes (and the manifests they
# depend on), against a fleet model, and fails the check when an --expect assertion fails.
#
#   docs/ci/rehearse-changed.sh [rehearse options...]
#   e.g. docs/ci/rehearse-changed.sh --failure-rates 0,0.05,0.2 --expect 'exposed<=500@0.2' --html rehearsal.html
#
# Environment:
#   BASE                 the git ref the pull request merges into (default origin/main)
#   MANIFESTS            the manifest directory in the repository (default manifests)
#   FLEET                the fleet model file (docs/fleet-model.md); required
#   IOT_JOBS_CONTROLLER  how to run the CLI (default: npx --no-install iot-jobs-controller)
# Exit: 0 when nothing changed or the rehearsal ran with every assertion holding; 1 when an
# assertion failed; 2 when the input is invalid (the manifests, the fleet model or the options).
set -euo pipefail

base="${BASE:-origin/main}"
dir="${MANIFESTS:-manifests}"
fleet="${FLEET:?set FLEET to the fleet model file}"
read -r -a cli <<<"${IOT_JOBS_CONTROLLER:-npx --no-install iot-jobs-controller}"

mapfile -t changed < <(git diff --name-only --diff-filter=AMR "${base}...HEAD" -- "$dir" | grep -E '\.(ya?ml|json)$' || true)
if [ "${#changed[@]}" -eq 0 ]; then
  echo "rehearse: no manifest under ${dir}/ changed since ${base}"
  exit 0
fi

only=()
for file in "${changed[@]}"; do
  only+=(--only-file "${file#"${dir}"/}")
done
echo "rehearse: ${#changed[@]} changed file(s): ${changed[*]}" >&2
exec "${cli[@]}" rehearse --dir "$dir" --fleet "$fleet" "${only[@]}" "$@"
