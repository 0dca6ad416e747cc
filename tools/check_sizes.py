#!/usr/bin/env python3
"""The size rules of docs/architecture.md: no source file in core/ over 500 lines, no function in core/
over 80 lines, no file in web/ over 400 lines. Exceptions are read from the table under "## Size rules"
in docs/architecture.md (rows `| path | what | why |`), so an exception is always written down with its
reason.

A function is found the way the project writes them (clang-format, Google style): a line ending in `{`
whose text before the brace closes a parameter list and is not a control statement or a lambda, ended
by the first later line holding only `}` (or `};`) at the indentation of the signature's first line (a
signature wrapped over several lines is read back to the line that opens its parameter list). Usage:
  check_sizes.py ROOT        exit 0 when every rule holds, 1 with one line per violation
"""
import pathlib
import re
import sys

CORE_FILE_LIMIT = 500
CORE_FUNCTION_LIMIT = 80
WEB_FILE_LIMIT = 400
CONTROL = re.compile(r'^(if|for|while|switch|else|do|catch|try|return|case|default)\b|^\}?\s*else\b')


def exceptions(root):
    doc = (root / 'docs' / 'architecture.md').read_text(encoding='utf-8')
    section = doc.split('## Size rules', 1)[-1].split('\n## ', 1)[0]
    return {m.group(1) for m in re.finditer(r'^\|\s*`([^`]+)`\s*\|', section, re.M)}


def functions(lines):
    """(first line number, length, signature) of every function body in a C++ file."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.endswith('{') or CONTROL.match(stripped) or '](' in stripped or '[&' in stripped:
            continue
        head = stripped[:-1].rstrip()
        if not (head.endswith(')') or head.endswith('const') or head.endswith('override') or
                head.endswith('noexcept')) or head.startswith(('namespace', 'struct', 'class', 'enum', 'union')):
            continue
        # A signature wrapped over several lines: start at the line that opens its parameter list.
        first = i
        while head.count('(') < head.count(')') and first > 0:
            first -= 1
            head = lines[first].strip() + ' ' + head
        if '=' in head.split('(')[0]:
            continue  # an initialiser such as `static const X k = f(...) {` is not a function
        indent = len(lines[first]) - len(lines[first].lstrip())
        for j in range(i + 1, len(lines)):
            other = lines[j]
            if other.strip() in ('}', '};') and len(other) - len(other.lstrip()) == indent:
                yield first + 1, j - first + 1, head[:80]
                break


def main(root):
    allowed = exceptions(root)
    problems = []
    for path in sorted((root / 'core').rglob('*.[ch]pp')):
        rel = path.relative_to(root).as_posix()
        lines = path.read_text(encoding='utf-8').split('\n')
        if len(lines) > CORE_FILE_LIMIT and rel not in allowed:
            problems.append(f'{rel}: {len(lines)} lines (limit {CORE_FILE_LIMIT})')
        for start, length, head in functions(lines):
            if length > CORE_FUNCTION_LIMIT and f'{rel}:{head.split("(")[0].split()[-1]}' not in allowed:
                problems.append(f'{rel}:{start}: function of {length} lines (limit {CORE_FUNCTION_LIMIT}): {head}')
    for path in sorted((root / 'web').rglob('*')):
        if path.suffix not in ('.js', '.mjs', '.css', '.html') or 'node_modules' in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        count = len(path.read_text(encoding='utf-8').split('\n'))
        if count > WEB_FILE_LIMIT and rel not in allowed:
            problems.append(f'{rel}: {count} lines (limit {WEB_FILE_LIMIT})')
    for p in problems:
        print(p)
    print(f'size rules: {len(problems)} violation(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else '.').resolve()))
