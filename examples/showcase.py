"""The showcase `make run` runs.

It will start many tasklets talking over channels and report what it did
and what it cost.  Tasklets and channels arrive with the scheduler work
(see CHANGELOG.md); until then it shows what the interpreter is.
"""

import platform
import sys

import stackless


def main():
    python, _, slp_version = sys.version.split()[:3]
    print(f'Stackless Python {slp_version} on CPython {python} '
          f'({platform.python_implementation()}, '
          f'{"debug" if stackless.getdebug() else "release"} build)')
    print(f'built-in module: {stackless!r}')
    print(f'compiler: {platform.python_compiler()}')


if __name__ == '__main__':
    main()
