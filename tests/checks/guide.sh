# SPDX-License-Identifier: MIT
# Stage: every C and Python block of examples/asyncio-to-c.md
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# examples/asyncio-to-c.md, the asyncio-to-C guide. Every ```c block is
#    compiled and run, every ```python block runs, and what they print must be
#    the ```text block that follows them (a text block belongs to the code blocks
#    since the previous text block). A C block without its own main() goes
#    between the two halves of the guide's "```c harness" block; a Python block
#    runs after its "```python harness" block (a virtual-clock event loop). Each
#    C block is built four ways: gcc -std=c11 -O1 and clang -std=c11 -O0 with
#    -DAIO_TIME_32 (both run and compared), g++ and clang++ -std=c++17
#    (compiled), each compiler that is not installed said and counted as
#    skipped. Every Python block runs on each CPython version that the guide's
#    paragraph "Every block here is checked" names, with the first of
#    python3.N, $PYTHON and python3 that is that version, and must print the
#    same on each; a version that is not installed is said and counted as
#    skipped, never passed. A block that says "Needs Python 3.N" runs only on
#    the versions from 3.N on.
#    Compiler messages point at the guide's own lines (#line).
# One line per guide section; counts via add_counts.

g_dir="$out/guide"
rm -rf "$g_dir"
mkdir -p "$g_dir"
g_pass=0
g_fail=0

# Split the guide into numbered files and a manifest of
# "kind number expected-output-number first-line section".
g_split='
function slug(h) {
    h = tolower(h); gsub(/[^a-z0-9_.]+/, "-", h); gsub(/^-+|-+$/, "", h)
    return substr(h, 1, 40)
}
function flush(expect,   i) {
    for (i = 1; i <= np; i++) print pk[i], pn[i], expect, pl[i], ps[i] > (dir "/manifest")
    np = 0
}
BEGIN { n = 0; np = 0; fence = 0; section = "intro" }
fence == 0 && /^```/ {
    info = substr($0, 4)
    if (info == "c harness" || info == "python harness") {
        fence = 1; kind = "harness"; file = dir "/harness." (info == "c harness" ? "c" : "py")
        printf "" > file; next
    }
    if (info == "c" || info == "python" || info == "text") {
        n++; fence = 1; kind = info
        file = sprintf("%s/%02d.%s", dir, n, info == "python" ? "py" : info == "c" ? "c" : "out")
        printf "" > file; start = NR + 1; next
    }
    fence = 2; next
}
fence != 0 && /^```$/ {
    if (fence == 1) {
        close(file)
        if (kind == "text") flush(sprintf("%02d", n))
        else if (kind != "harness") { np++; pk[np] = kind; pn[np] = sprintf("%02d", n); pl[np] = start; ps[np] = section }
    }
    fence = 0; next
}
fence == 1 { print > file; next }
fence == 2 { next }
/^## / { flush("-"); h = $0; sub(/^## */, "", h); section = slug(h) }
END { flush("-") }
'
awk -v dir="$g_dir" "$g_split" examples/asyncio-to-c.md
sed -n '1,/the example goes here/p' "$g_dir/harness.c" >"$g_dir/prologue.c"
sed -n '/the example goes here/,$p' "$g_dir/harness.c" | sed 1d >"$g_dir/epilogue.c"

# The CPython versions the guide promises its Python output for, each with
# its interpreter ("3.12:python3.12"); g_py is empty if none is installed.
g_versions=$(awk '/^Every block here is checked/ { p = 1 } p && /^$/ { exit } p' examples/asyncio-to-c.md |
    grep -o '3\.[0-9][0-9]*' | sort -u -t. -k2n)
g_py="" g_py_names=""
[ -z "$g_versions" ] && { echo "[guide] FAILED: the guide's paragraph \"Every block here is checked\" names no CPython version"
                          g_fail=$((g_fail + 1)); }
for g_v in $g_versions; do
    g_found=""
    for g_try in python$g_v ${PYTHON:-} python3; do
        if command -v "$g_try" >/dev/null 2>&1 && "$g_try" -c "import sys
sys.exit(not (sys.implementation.name == 'cpython' and sys.version_info[:2] == (3, ${g_v#3.})))" 2>/dev/null; then
            g_found=$g_try; break
        fi
    done
    if [ -z "$g_found" ]; then
        echo "[guide] skipped: CPython $g_v is not installed (python$g_v): the Python blocks are not checked on it"
        add_skipped 1 "the guide's Python blocks on CPython $g_v"
        continue
    fi
    g_py="$g_py $g_v:$g_found"
    g_py_names="$g_py_names${g_py_names:+, }$("$g_found" -c 'import platform; print(platform.python_version())')"
done
[ -n "$g_py_names" ] && stage_note="CPython $g_py_names"
g_cxx_missing=""
for g_tool in gcc clang g++ clang++; do
    command -v $g_tool >/dev/null 2>&1 || g_cxx_missing="$g_cxx_missing $g_tool"
done
[ -n "$g_cxx_missing" ] && { echo "[guide] skipped: not installed, their builds are not made:$g_cxx_missing"
                              add_skipped "$(echo $g_cxx_missing | wc -w)" "the guide's builds with$g_cxx_missing"; }

# One C block: build each way, run the C builds, compare with the expected output.
g_check_c() { # number first-line expected
    g_src="$g_dir/$1.full.c"
    if grep -q 'int main(' "$g_dir/$1.c"; then
        { echo "#line $2 \"examples/asyncio-to-c.md\""; cat "$g_dir/$1.c"; } >"$g_src"
    else
        { cat "$g_dir/prologue.c"; echo "#line $2 \"examples/asyncio-to-c.md\""; cat "$g_dir/$1.c";
          echo "#line 1 \"guide-harness\""; cat "$g_dir/epilogue.c"; } >"$g_src"
    fi
    for g_cfg in "gcc -std=c11 -O1" "clang -std=c11 -O0 -DAIO_TIME_32" \
                 "g++ -x c++ -std=c++17 -fsyntax-only" "clang++ -x c++ -std=c++17 -fsyntax-only"; do
        g_cc=${g_cfg%% *}
        command -v "$g_cc" >/dev/null 2>&1 || continue
        g_bin="$g_dir/$1.$g_cc"
        case $g_cfg in *syntax-only*) g_o="" ;; *) g_o="-o $g_bin -lm" ;; esac
        # shellcheck disable=SC2086
        if ! $g_cfg $WARN -DAIO_DEBUG -I. "$g_src" $g_o >"$g_dir/$1.log" 2>&1; then
            g_why="$g_cfg: build failed"; sed 's/^/    /' "$g_dir/$1.log" | head -20 >>"$g_dir/why"
            return 1
        fi
        [ -z "$g_o" ] && continue
        if ! timeout 20 "$g_bin" >"$g_dir/$1.$g_cc.got" 2>&1; then
            g_why="$g_cfg: the program failed"; sed 's/^/    /' "$g_dir/$1.$g_cc.got" | tail -5 >>"$g_dir/why"
            return 1
        fi
        if [ "$3" != "-" ] && ! cmp -s "$g_dir/$3.out" "$g_dir/$1.$g_cc.got"; then
            g_why="$g_cfg: output differs from the guide"
            diff "$g_dir/$3.out" "$g_dir/$1.$g_cc.got" | sed 's/^/    /' | head -20 >>"$g_dir/why"
            return 1
        fi
    done
    return 0
}

# One Python block on every version of $g_py that it may run on ("Needs
# Python 3.N": from 3.N on).
g_check_py() { # number first-line expected
    g_need=$(sed -n 's/.*Needs Python 3\.\([0-9][0-9]*\).*/\1/p' "$g_dir/$1.py" | head -n 1)
    cat "$g_dir/harness.py" "$g_dir/$1.py" >"$g_dir/$1.full.py"
    g_ran=0
    for g_vpy in $g_py; do
        g_v=${g_vpy%%:*} g_this_py=${g_vpy#*:}
        [ -n "$g_need" ] && [ "${g_v#3.}" -lt "$g_need" ] && continue
        g_ran=$((g_ran + 1))
        if ! timeout 20 "$g_this_py" -u "$g_dir/$1.full.py" >"$g_dir/$1.py$g_v.got" 2>&1; then
            g_why="Python $g_v (line $2): the program failed"
            sed 's/^/    /' "$g_dir/$1.py$g_v.got" | tail -5 >>"$g_dir/why"
            return 1
        fi
        if [ "$3" != "-" ] && ! cmp -s "$g_dir/$3.out" "$g_dir/$1.py$g_v.got"; then
            g_why="Python $g_v (line $2): output differs from the guide"
            diff "$g_dir/$3.out" "$g_dir/$1.py$g_v.got" | sed 's/^/    /' | head -20 >>"$g_dir/why"
            return 1
        fi
    done
    if [ "$g_ran" -eq 0 ]; then
        echo "[guide] skipped: the Python block at line $2 needs Python 3.$g_need or later, not installed"
        add_skipped 1 "the guide's Python block at line $2 (Python 3.$g_need)"
        g_np=$((g_np - 1))
    fi
    return 0
}

# Report one section: its C and Python blocks together.
g_section=""
g_report() {
    [ -z "$g_section" ] && return
    if [ -n "$g_bad" ]; then
        echo "[guide $g_section] FAILED: $g_bad"
        cat "$g_dir/why"
        g_fail=$((g_fail + 1))
    else
        g_what="$g_nc C"
        [ "$g_np" -gt 0 ] && g_what="$g_what, $g_np Python"
        echo "[guide $g_section] $g_what: output as in the guide"
        g_pass=$((g_pass + 1))
    fi
}
while read -r g_kind g_num g_exp g_line g_sect; do
    if [ "$g_sect" != "$g_section" ]; then
        g_report
        g_section=$g_sect g_bad="" g_nc=0 g_np=0
        : >"$g_dir/why"
    fi
    g_why=""
    case $g_kind in
    c)
        g_nc=$((g_nc + 1))
        g_check_c "$g_num" "$g_line" "$g_exp" || g_bad="$g_bad C block at line $g_line ($g_why);"
        ;;
    python)
        [ -z "$g_py" ] && continue
        g_np=$((g_np + 1))
        g_check_py "$g_num" "$g_line" "$g_exp" || g_bad="$g_bad $g_why;"
        ;;
    esac
done <"$g_dir/manifest"
g_report

add_counts "$g_pass" "$g_fail"
