# SPDX-License-Identifier: MIT
# Stage: one version everywhere: the header, CHANGELOG.md's top heading, the packages, the docs
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The version a user reads is the one they get (tests/checks/version.py says
# each in full): the header's AIO_VERSION_STRING, its parts, AIO_VERSION and
# its top comment agree; CHANGELOG.md's first version heading is that version;
# library.json, library.properties, CMakeLists.txt and the Makefile (which
# fills in the installed pkg-config and CMake files) give it; docs/api.md
# gives it, and the CMake requests the README and the find-package consumer
# write ask for its MAJOR.MINOR. Four checks.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[version] skipped: python3 is not installed (its 4 checks)"
    add_skipped 4 "version (python3)"
else
    python3 tests/checks/version.py >"$out/version.out" 2>&1
    version_pass=0
    version_fail=0
    while IFS= read -r version_line; do
        case $version_line in
        "ok "*) version_pass=$((version_pass + 1)); echo "[version] ${version_line#ok }" ;;
        "FAILED "*) version_fail=$((version_fail + 1)); echo "[version] $version_line" ;;
        *) echo "$version_line" ;;
        esac
    done <"$out/version.out"
    # (a script that died before its checks: one failure, its output above)
    [ $((version_pass + version_fail)) -eq 0 ] && version_fail=1
    add_counts "$version_pass" "$version_fail"
fi
