# SPDX-License-Identifier: MIT
"""The README's build commands, and what their warnings catch.

    python3 tests/checks/warnings.py BUILD_DIR

The README shows, below its first example, a gcc and a clang command with the
warnings that catch part of the coroutine rules. For each of them (its
compiler installed):
1. the README's example builds with it and -Werror;
2. tests/lint/corpus/compiler_warnings.c, one coroutine mistake per function,
   gets exactly the warnings its `warns:` comments list ("gcc -Wswitch" on
   the line a warning is about: where it is, or for one inside the header's
   macros the first line of that file among its notes), and no other.
   At -O0, gcc gives the same but -Wmaybe-uninitialized, clang the same.
3. the compiler messages the README's table of mistakes quotes for a
   declaration with an initialiser and a local read after an await are what
   gcc, clang and g++ (C++17) say on that file;
4. tests/lint/README.md's count of the corpus files with findings about
   locals on which each command warns about a local (-W...uninitialized,
   -Wjump-misses-init, -Wdangling-pointer) is what they do.
The corpus file says which compiler versions its comments were written for;
with another version a warning it lists must still come, and one it does not
list (or another count) is only reported.
Prints one line per check: "ok ...", "FAILED ..." (details indented below it)
or "skipped ..." (the compiler is not installed).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = "tests/lint/corpus/compiler_warnings.c"
DIAG = re.compile(r"^(.*?):(\d+):(?:\d+:)? (warning|error|note): (.*)$")
FLAG = re.compile(r"\[(-W[^\]=]+)(?:=[^\]]*)?\]$")
WARNS = re.compile(r"warns:\s*([^*]*?)\s*\*/")


def readme_commands():
    """The gcc and clang commands of the README's first ```sh block after its
    first ```c block: {compiler: [flags]}."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = lines.index("```c")
    i = lines.index("```", i + 1)
    i = lines.index("```sh", i + 1)
    commands = {}
    for line in lines[i + 1:lines.index("```", i + 1)]:
        words = shlex.split(line.split("&&")[0], comments=True)
        if words and words[0] in ("gcc", "clang"):
            commands[words[0]] = [w for w in words[1:] if not w.endswith(".c") and w not in ("-o", "a.out")]
    return commands


def expected():
    """{(compiler, line, flag)} from the corpus file's `warns:` comments, and
    the compiler versions it was written for: {compiler: major}."""
    want = set()
    versions = {}
    with open(os.path.join(ROOT, CORPUS), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            for m in WARNS.finditer(line):
                for item in m.group(1).split(";"):
                    words = item.split()
                    if not words:
                        continue
                    for flag in words[1:]:
                        want.add((words[0], n, flag))
            for cc, v in re.findall(r"\b(gcc|clang) (\d+)\b", line if "Written for" in line else ""):
                versions[cc] = int(v)
    return want, versions


def major(cc):
    out = subprocess.run([cc, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = out.stdout.decode(errors="replace")
    m = re.search(r"clang version (\d+)", text) if cc == "clang" else re.search(r"\) (\d+)\.", text)
    return int(m.group(1)) if m else None


def got(cc, flags, path=CORPUS):
    """{(compiler, line, flag)} for a file of the corpus, and the errors if any."""
    p = subprocess.run([cc] + flags + ["-I.", "-c", path, "-o", os.devnull], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    found, errors, group = set(), [], None

    def close(g):
        if g is None:
            return
        lines = [ln for where, ln in g["where"] if os.path.normpath(where) == os.path.normpath(path)]
        found.add((cc, lines[0] if lines else 0, g["flag"]))

    for text in p.stdout.decode(errors="replace").split("\n"):
        m = DIAG.match(text)
        if not m:
            continue
        at, line, kind, message = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        if kind == "note":
            if group is not None:
                group["where"].append((at, line))
            continue
        close(group)
        group = None
        if kind == "error":
            errors.append(text)
            continue
        f = FLAG.search(message)
        group = {"flag": f.group(1) if f else "(no flag)", "where": [(at, line)]}
    close(group)
    return found, errors


def readme_quotes():
    """The messages README.md's table of mistakes quotes in its rows about a
    declaration with an initialiser and a local read after an await."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        rows = [line.split("|") for line in f.read().split("\n") if line.startswith("| ")]
    quotes = []
    for row in rows:
        if len(row) > 3 and ("initialiser after" in row[1] or "read after an await" in row[1]):
            quotes += [q for q in re.findall(r"`([^`]+)`", row[2]) if not q.startswith("-W")]
    return quotes


LOCALS = re.compile(r"expect:[^*]*(\S after \d|init \S+ skipped)")
ABOUT_LOCALS = re.compile(r"uninitialized|jump-misses-init|dangling-pointer")


def corpus_locals(commands):
    """Over the corpus files with a finding about a local (read after an await,
    its address used by one, an initialiser skipped): on how many each
    compiler, with the README's command (as C++17 for a .cpp file), warns
    about a local (-W...uninitialized, -Wjump-misses-init, -Wdangling-pointer).
    Returns (files, {compiler: count}, neither)."""
    corpus = os.path.join(ROOT, "tests", "lint", "corpus")
    files, counts, neither = 0, {"gcc": 0, "clang": 0}, 0
    for name in sorted(os.listdir(corpus)):
        path = "tests/lint/corpus/" + name
        if not name.endswith((".c", ".cpp")) or name == os.path.basename(CORPUS):
            continue
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            if not LOCALS.search(f.read()):
                continue
        files += 1
        any_cc = False
        for cc in ("gcc", "clang"):
            flags = commands[cc]
            tool = cc
            if name.endswith(".cpp"):
                tool = {"gcc": "g++", "clang": "clang++"}[cc]
                flags = ["-x", "c++", "-std=c++17"] + [f for f in flags if not f.startswith("-std=")
                                                       and f != "-Wjump-misses-init"]
            found, _ = got(tool, flags, path)
            if any(ABOUT_LOCALS.search(flag) for _, _, flag in found):
                counts[cc] += 1
                any_cc = True
        neither += 0 if any_cc else 1
    return files, counts, neither


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build/tests"
    commands = readme_commands()
    want, versions = expected()
    status = 0
    for cc in ("gcc", "clang"):
        if cc not in commands:
            print("FAILED the README shows no %s command in the sh block below its first example" % cc)
            status = 1
            continue
        flags = commands[cc]
        shown = " ".join([cc] + flags)
        if shutil.which(cc) is None:
            print("skipped %s: not installed" % shown)
            continue
        # 1. the README's example, warning-free
        example = os.path.join(out, "readme_example.c")
        p = subprocess.run([cc] + flags + ["-Werror", "-I.", example, "-o", os.path.join(out, "readme_example_" + cc)],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode == 0:
            print("ok %s: the README's example builds without a warning" % shown)
        else:
            print("FAILED %s: the README's example does not build warning-free:" % shown)
            for line in p.stdout.decode(errors="replace").split("\n")[:20]:
                print("    " + line)
            status = 1
        # 2. the mistakes, and exactly the warnings the corpus file lists
        found, errors = got(cc, flags)
        mine = {w for w in want if w[0] == cc}
        missing, extra = sorted(mine - found), sorted(found - mine)
        v = major(cc)
        same = v is not None and versions.get(cc) == v
        if errors or missing or (extra and same):
            print("FAILED %s on %s (%s %s; its comments were written for %s %s):" %
                  (shown, CORPUS, cc, v, cc, versions.get(cc)))
            for e in errors[:10]:
                print("    error: " + e)
            for _, line, flag in missing:
                print("    missing: line %d: %s" % (line, flag))
            for _, line, flag in extra:
                print("    extra:   line %d: %s" % (line, flag))
            status = 1
        else:
            lines = sorted({line for _, line, _ in mine})
            print("ok %s: %s gets exactly the %d warnings its comments list (lines %s)" %
                  (shown, CORPUS, len(mine), ", ".join(str(x) for x in lines)))
            for _, line, flag in extra:
                print("    (%s %s, not %s: also line %d: %s)" % (cc, v, versions.get(cc), line, flag))
        # at -O0: gcc's -Wmaybe-uninitialized needs optimisation, clang's warnings do not
        o0, _ = got(cc, [f for f in flags if not f.startswith("-O")] + ["-O0"])
        want_o0 = {w for w in mine if not (cc == "gcc" and w[2] == "-Wmaybe-uninitialized")}
        if o0 == want_o0 or (not same and want_o0 <= o0):
            print("ok %s at -O0 instead: %s" % (cc, "the same but -Wmaybe-uninitialized" if cc == "gcc"
                                                 else "the same warnings"))
        else:
            print("FAILED %s at -O0 instead: %s" % (cc, ", ".join("line %d %s" % (ln, fl) for _, ln, fl in
                                                                  sorted(o0 ^ want_o0))))
            status = 1
    # 3. what the README's table of mistakes quotes from the compilers about
    # these mistakes: their messages on the same file (C++: g++)
    quotes = readme_quotes()
    texts = []
    for cc, extra in (("gcc", commands.get("gcc")), ("clang", commands.get("clang")),
                      ("g++", ["-x", "c++", "-std=c++17"])):
        if shutil.which(cc) and extra is not None:
            p = subprocess.run([cc] + extra + ["-I.", "-c", CORPUS, "-o", os.devnull], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            texts.append(p.stdout.decode(errors="replace").replace("\u2018", "'").replace("\u2019", "'"))
    if len(texts) == 3:
        absent = [q for q in quotes if not any(q in t for t in texts)]
        if absent:
            print("FAILED README.md's table of mistakes quotes what gcc, clang and g++ do not say on %s: %s"
                  % (CORPUS, "; ".join(absent)))
            status = 1
        else:
            print("ok README.md's table of mistakes: the %d compiler messages it quotes for locals and "
                  "initialisers are what gcc, clang and g++ say (%s)" % (len(quotes), "; ".join(quotes)))
    else:
        print("skipped the compiler messages README.md quotes: gcc, clang and g++ are needed")
    # 4. the coroutine checker's README: how much of the corpus the warnings see
    if all(shutil.which(cc) for cc in ("gcc", "g++", "clang", "clang++")) and "gcc" in commands and "clang" in commands:
        files, counts, neither = corpus_locals(commands)
        same = all(major(cc) == versions.get(cc) for cc in ("gcc", "clang"))
        with open(os.path.join(ROOT, "tests", "lint", "README.md"), encoding="utf-8") as f:
            m = re.search(r"of\s+the\s+(\d+)\s+corpus\s+files\s+with\s+findings\s+about\s+locals,\s+gcc\s+warns"
                          r"\s+on\s+(\d+)\s+and\s+clang\s+on\s+(\d+),\s+neither\s+on\s+(\d+)", f.read())
        said = [int(x) for x in m.groups()] if m else None
        run = [files, counts["gcc"], counts["clang"], neither]
        what = ("the corpus files with findings about locals: %d; the README's gcc command warns about a local "
                "on %d, clang's on %d, neither on %d" % tuple(run))
        if said == run:
            print("ok %s, as tests/lint/README.md says" % what)
        elif not same:
            print("ok %s (tests/lint/README.md says %s, for gcc %s and clang %s)" %
                  (what, said, versions.get("gcc"), versions.get("clang")))
        else:
            print("FAILED %s; tests/lint/README.md says %s" % (what, "%s, %s, %s, %s" % tuple(said) if said else
                  "nothing (no \"of the N corpus files with findings about locals, gcc warns on N and clang on N, "
                  "neither on N\")"))
            status = 1
    else:
        print("skipped the corpus's figures in tests/lint/README.md: gcc, g++, clang and clang++ are needed")
    return status


if __name__ == "__main__":
    sys.exit(main())
