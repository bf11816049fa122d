#!/usr/bin/env bash
# Installs what gilbench needs on Debian 12 (apt). Idempotent: packages already present are
# skipped quickly. Needs root (or sudo).
set -euo pipefail
PKGS=(build-essential cmake git pkg-config
      openmpi-bin libopenmpi-dev libhdf5-dev libhdf5-openmpi-dev hdf5-tools libcli11-dev
      libgtest-dev libgmock-dev googletest libbenchmark-dev
      python3 libpython3.11 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-scipy python3-pytest python3-yaml
      jupyter-nbconvert python3-ipykernel  # the notebook test (analysis/notebooks)
      chromium chromium-driver python3-selenium  # ctest analysis.browser_report: the HTML report in a real browser
      munge slurmctld slurmd slurm-client
      clang-format pyflakes3  # scripts/lint.sh
      gdb)  # the Slurm tests print the stacks of a hung job with it
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# No service starts from package scripts (containers/chroots have no init); tests start their own.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
