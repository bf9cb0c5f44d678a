# SPDX-License-Identifier: MIT
# Stage: every public name of the header is documented in the API reference
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# Every public name of aio_timeout.h is documented in docs/api.md
# (tests/checks/api_names.py says which names count: the AIO_API functions,
# the aio_* types, the AIO_* macros, configuration knobs and enum constants,
# not the AIO__/aio__ internals or the include guards), shown in `code` in the
# reference's text or tables, not only in an example. One check. And its last
# section gives every public function's signature as the header declares it
# (tools/signatures.py writes it; --check compares). A second check.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[api-doc] skipped: python3 is not installed"
    add_skipped 1 "api-doc (python3)"
elif api_msg=$(python3 tests/checks/api_names.py aio_timeout.h docs/api.md 2>&1); then
    echo "[api-doc] $(echo "$api_msg" | tail -n 1)"
    add_counts 1 0
else
    echo "[api-doc] FAILED:"; echo "$api_msg" | head -n 30 | sed 's/^/    /'
    add_counts 0 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "[api-doc] skipped: python3 is not installed"
    add_skipped 1 "api-doc signatures (python3)"
elif sig_msg=$(python3 tools/signatures.py --check 2>&1); then
    echo "[api-doc] $sig_msg"
    add_counts 1 0
else
    echo "[api-doc] FAILED: $sig_msg"
    add_counts 0 1
fi
