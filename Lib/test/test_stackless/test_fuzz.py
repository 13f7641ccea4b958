"""The random fuzzer (fuzz.py) over fixed seeds, in a child interpreter.

A quick run for `make test`; `make fuzz` runs many more seeds and
operations, also under the debug and AddressSanitizer builds.  The
seeds, and so the operations, are the same on every run.
"""

import os
import subprocess
import sys
import unittest

from .support import StacklessTestCase, SUBPROCESS_TIMEOUT

FUZZ = os.path.join(os.path.dirname(__file__), 'fuzz.py')


class FuzzTest(StacklessTestCase):

    def fuzz(self, seeds, ops):
        proc = subprocess.run(
            [sys.executable, '-X', 'faulthandler', FUZZ, seeds,
             '--ops', str(ops), '--seconds', '30'],
            capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
        done = [line for line in proc.stdout.splitlines()
                if line.startswith('FUZZ seed=')]
        detail = 'rc=%d after %s\n%s' % (
            proc.returncode, done[-1:] or 'no seed',
            proc.stderr[-3000:])
        self.assertEqual(proc.returncode, 0, detail)
        self.assertIn('FUZZ total ops=', proc.stdout, detail)
        return proc.stdout.splitlines()[-1]

    def test_seeds(self):
        # 60 seeds, half of them starting in hard mode; every seed makes
        # its 3000 calls, so the total says the run was complete.
        total = self.fuzz('0-59', 3000)
        self.assertEqual(total, 'FUZZ total ops=180000 seeds=60')


if __name__ == '__main__':
    unittest.main()
