"""Run every ```python block of the user guide, each in a fresh interpreter.

Usage: run_examples.py PYTHON [MARKDOWN...]; prints one PASS:/FAIL: line
per example, so docs that stop matching the interpreter fail `make test`.
"""

import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
BLOCK = re.compile(r'^```python\n(.*?)^```', re.S | re.M)


def main():
    python = sys.argv[1]
    docs = sys.argv[2:] or [REPO / 'docs' / 'user-guide.md']
    failed = 0
    for doc in map(pathlib.Path, docs):
        text = doc.read_text()
        for match in BLOCK.finditer(text):
            line = text.count('\n', 0, match.start()) + 1
            name = f'{doc.relative_to(REPO)}:{line}'
            proc = subprocess.run([python, '-X', 'dev', '-c', match[1]],
                                  capture_output=True, text=True,
                                  timeout=120)
            if proc.returncode == 0 and not proc.stderr:
                print(f'PASS: {name}')
            else:
                failed += 1
                print(f'FAIL: {name} (exit {proc.returncode})')
                for out in (proc.stdout, proc.stderr):
                    for text_line in out.splitlines()[-15:]:
                        print(f'    {text_line}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
