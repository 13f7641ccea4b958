"""Read a regrtest log; record stock's results or compare the fork's.

  regrtest_report.py record LOG PARITY   write PARITY from stock's run
  regrtest_report.py compare LOG PARITY  judge the fork's run against it

PARITY (tests/regrtest-stock.txt) lists every test file that did not pass
on stock CPython 3.13.5 built with the fork's flags on this machine class,
one per line: "<state> <test> -- <reason>".  The fork may fail or skip
exactly those; anything else that does not pass is a regression.

State "may-fail" is written by hand for a test that stock fails in some
environments only (say, with a newer system library); `record` keeps those
lines, since a run where they pass does not make them wrong.
"""

import re
import sys

# Summary blocks regrtest prints after "== Tests result: ... ==", mapped to
# the state we record.  Re-run tests that passed the second time count as
# passed (regrtest's own verdict); "failed" then holds the ones that did not.
BLOCKS = {
    'omitted': 'omitted',
    'skipped': 'skipped',
    'skipped (resource denied)': 'resource-denied',
    'run no tests': 'no-tests',
    'altered the execution environment (env changed)': 'env-changed',
    'failed': 'failed',
}
HEADER = re.compile(r'^(\d+) (?:re-run )?tests? (.*):$')
OK_LINE = re.compile(r'^(?:All )?(\d+) tests? OK\.$')
SKIP_REASON = re.compile(r'^(test[\w.]*) skipped(?: \(resource denied\))? -- (.*)$')
PASSED_LINE = re.compile(r'\] (test[\w.]*) passed\b')
# A failure worth a closer look is not failing for the reason stock does.
NOT_PASSING = ('failed', 'env-changed', 'no-tests', 'omitted')


def parse(path):
    """Return (number of passed test files, {test: state}, {test: reason},
    names of the test files seen passing)."""
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().splitlines()
    reasons, seen_passing = {}, set()
    for line in lines:
        m = SKIP_REASON.match(line.strip())
        if m:
            reasons[m.group(1)] = m.group(2).strip()
        m = PASSED_LINE.search(line)
        if m:
            seen_passing.add(m.group(1))
    starts = [i for i, line in enumerate(lines)
              if line.startswith('== Tests result: ')]
    if not starts:
        sys.exit(f'regrtest_report: {path}: no "== Tests result" line; '
                 'the test run did not finish')
    states, passed, current = {}, 0, None
    for line in lines[starts[-1] + 1:]:
        m = HEADER.match(line)
        if m:
            current = BLOCKS.get(m.group(2), m.group(2))
            continue
        m = OK_LINE.match(line)
        if m:
            passed = int(m.group(1))
            current = None
            continue
        if current and line.startswith('    '):
            for name in line.split():
                states[name] = current
        elif not line.strip():
            continue
        else:
            current = None
    return passed, states, reasons, seen_passing


def read_parity(path):
    expected = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            state, rest = line.split(None, 1)
            name, _, reason = rest.partition(' -- ')
            expected[name.strip()] = (state, reason.strip())
    return expected


def record(log, parity):
    passed, states, reasons, _ = parse(log)
    try:
        old = read_parity(parity)
    except FileNotFoundError:
        old = {}
    kept = {name: entry for name, entry in old.items()
            if entry[0] == 'may-fail' and name not in states}
    with open(parity, 'w', encoding='utf-8') as f:
        f.write('# Test files that do not pass on stock CPython 3.13.5, built with\n'
                '# the same flags on this machine class (written by `make parity`,\n'
                '# reasons for failures written by hand).  The fork may fail or skip\n'
                '# these and no others: `make test` fails on any other.\n'
                f'# Stock: {passed} test files passed.\n')
        for name in sorted(states, key=lambda n: (states[n], n)):
            state = states[name]
            reason = reasons.get(name) or old.get(name, ('', ''))[1]
            if state in NOT_PASSING and not reason:
                reason = 'REASON NEEDED: investigate and explain'
            f.write(f'{state} {name} -- {reason}\n')
        for name, (state, reason) in sorted(kept.items()):
            f.write(f'{state} {name} -- {reason}\n')
    print(f'regrtest_report: stock passed {passed} test files; '
          f'{len(states)} did not pass; wrote {parity}')


def compare(log, parity):
    passed, states, reasons, seen_passing = parse(log)
    expected = read_parity(parity)
    unexpected, tolerated = [], []
    for name, state in sorted(states.items()):
        if name in expected:
            tolerated.append((name, state, expected[name][1]))
        elif state in ('skipped', 'resource-denied'):
            unexpected.append((name, state, reasons.get(name, '')))
        else:
            unexpected.append((name, state, ''))
    fixed = sorted(name for name, (state, _) in expected.items()
                   if state in NOT_PASSING and name in seen_passing)
    if tolerated:
        print(f'Did not pass here, nor on stock ({len(tolerated)}):')
        for name, state, reason in tolerated:
            print(f'    {state:15} {name} -- {reason}')
    if fixed:
        print(f'Passed here though stock does not ({len(fixed)}): '
              + ' '.join(fixed))
    if unexpected:
        print(f'REGRESSIONS against stock ({len(unexpected)}):')
        for name, state, reason in unexpected:
            print(f'    {state:15} {name}' + (f' -- {reason}' if reason else ''))
    failed = sum(1 for _, s, _ in tolerated if s in NOT_PASSING)
    skipped = len(tolerated) - failed
    return passed, len(unexpected), failed, skipped


def main(argv):
    if len(argv) != 4 or argv[1] not in ('record', 'compare'):
        sys.exit(__doc__)
    if argv[1] == 'record':
        record(argv[2], argv[3])
        return 0
    passed, regressions, stock_failed, skipped = compare(argv[2], argv[3])
    print(f'regrtest: {passed} test files passed, {regressions} regressions '
          f'against stock, {stock_failed} failed as on stock, '
          f'{skipped} skipped as on stock')
    return 1 if regressions else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
