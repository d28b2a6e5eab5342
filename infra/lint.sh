#!/usr/bin/env bash
# Build and lint every Bicep file under infra/ with the Bicep CLI pinned in infra/Infra.proj.
#
#   bash infra/lint.sh            (from any directory)
#
# * `dotnet restore infra/Infra.proj` fetches Azure.Bicep.CommandLine.linux-x64 from NuGet.
# * Each .bicep file is compiled (`bicep build`, ARM JSON written to a temp dir, never into the
#   repo) and linted (`bicep lint`) with infra/bicepconfig.json, where every rule is an error.
# * infra/main.parameters.json is checked against the compiled main template's parameters.
# * Any error or warning (including BCP081 "type not available") fails the script.
# Last line on success:  bicep: N files built and linted, 0 problems
set -euo pipefail

infra_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
proj="$infra_dir/Infra.proj"
package_id="azure.bicep.commandline.linux-x64"

fail() {
  echo "bicep: $*" >&2
  exit 1
}

command -v dotnet >/dev/null 2>&1 || fail "dotnet SDK not found on PATH"

# --- 1. Restore the Bicep CLI -------------------------------------------------------------
version="$(sed -n 's:.*<BicepVersion>\(.*\)</BicepVersion>.*:\1:p' "$proj" | head -n 1)"
[[ -n "$version" ]] || fail "could not read <BicepVersion> from $proj"

restore_log="$(mktemp)"
if ! dotnet restore "$proj" --nologo >"$restore_log" 2>&1; then
  cat "$restore_log" >&2
  rm -f "$restore_log"
  fail "dotnet restore $proj failed"
fi
rm -f "$restore_log"

# --- 2. Locate the binary in the NuGet global packages folder -----------------------------
packages_dir="${NUGET_PACKAGES:-}"
if [[ -z "$packages_dir" ]]; then
  packages_dir="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p' | head -n 1)"
fi
[[ -n "$packages_dir" ]] || fail "could not determine the NuGet global packages folder"
bicep="${packages_dir%/}/$package_id/$version/tools/bicep"
[[ -f "$bicep" ]] || fail "Bicep CLI not found at $bicep after restore"
[[ -x "$bicep" ]] || chmod +x "$bicep"

actual_version="$("$bicep" --version 2>/dev/null | head -n 1)"
[[ "$actual_version" == *"$version"* ]] || fail "expected Bicep CLI $version, got: $actual_version"

# --- 3. Build and lint every file ---------------------------------------------------------
out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT

mapfile -t files < <(find "$infra_dir" -name '*.bicep' -not -path '*/obj/*' -not -path '*/bin/*' | LC_ALL=C sort)
[[ ${#files[@]} -gt 0 ]] || fail "no .bicep files under $infra_dir"

# A diagnostic line looks like: /path/file.bicep(12,3) : Warning rule-or-code: message
diag_pattern=': (Error|Warning|Info) [A-Za-z0-9-]+:'
problems=0
failed_files=0

for file in "${files[@]}"; do
  rel="${file#"$infra_dir"/}"
  json="$out_dir/${rel%.bicep}.json"
  mkdir -p "$(dirname "$json")"

  file_log="$out_dir/${rel//\//_}.log"
  rc=0
  "$bicep" build "$file" --outfile "$json" >"$file_log" 2>&1 || rc=$?
  "$bicep" lint "$file" >>"$file_log" 2>&1 || rc=$?

  # build and lint report the same diagnostics; count each one once.
  count="$({ grep -E "$diag_pattern" "$file_log" || true; } | sort -u | wc -l | tr -d ' ')"
  if [[ "$rc" -ne 0 || "$count" -ne 0 ]]; then
    failed_files=$((failed_files + 1))
    [[ "$count" -eq 0 ]] && count=1 # non-zero exit without a parsable diagnostic
    problems=$((problems + count))
    echo "bicep: $rel: $count problem(s)" >&2
    sort -u "$file_log" >&2
  fi
done

# --- 4. main.parameters.json must match main.bicep's parameters ---------------------------
params_file="$infra_dir/main.parameters.json"
main_json="$out_dir/main.json"
if [[ -f "$params_file" && -f "$main_json" ]]; then
  if command -v python3 >/dev/null 2>&1; then
    if ! python3 - "$main_json" "$params_file" >&2 <<'PY'; then
import json, sys
template = json.load(open(sys.argv[1]))["parameters"]
supplied = json.load(open(sys.argv[2]))["parameters"]
errors = [f"main.parameters.json: '{n}' is not a parameter of main.bicep" for n in supplied if n not in template]
errors += [f"main.parameters.json: required parameter '{n}' has no value" for n, p in template.items()
           if "defaultValue" not in p and n not in supplied]
for e in errors:
    print(f"bicep: {e}")
sys.exit(1 if errors else 0)
PY
      problems=$((problems + 1))
      failed_files=$((failed_files + 1))
    fi
  else
    echo "bicep: python3 not found; main.parameters.json check skipped" >&2
  fi
fi

if [[ "$problems" -ne 0 ]]; then
  echo "bicep: ${#files[@]} files built and linted, $problems problems in $failed_files file(s)" >&2
  exit 1
fi
echo "bicep: ${#files[@]} files built and linted, 0 problems"
