"""Imports across tasklets: the module lock belongs to a tasklet, as it
belongs to a thread in stock CPython (user guide, "Imports"; the patch
to importlib._bootstrap).  A tasklet that imports a module another
tasklet is still executing waits for it, letting the others run; cycles
of such waits are import deadlocks, resolved as for threads; a tasklet
killed while it waits leaves no lock behind.

Each test writes its modules to a fresh directory and runs in a child
interpreter, so that nothing is imported twice across tests.
"""

import os
import tempfile
import textwrap
import unittest

from .support import StacklessTestCase, requires_hard_switch


# A module body runs under the import machinery's C code: a tasklet
# switching there needs a hard switch.
@requires_hard_switch
class ImportAcrossTaskletsTest(StacklessTestCase):

    def run_with_modules(self, modules, script, **kwargs):
        with tempfile.TemporaryDirectory() as d:
            for name, body in modules.items():
                with open(os.path.join(d, name + '.py'), 'w') as f:
                    f.write(textwrap.dedent(body))
            return self.run_script(
                'import sys; sys.path.insert(0, %r)\n' % d
                + textwrap.dedent(script), **kwargs)

    def test_others_wait_for_the_module(self):
        # The module body switches: the other importers see it whole.
        out = self.run_with_modules({'slow': '''
            import stackless
            value = None
            stackless.schedule()
            stackless.schedule()
            value = 42
        '''}, '''
            import stackless
            seen = []
            def importer(i):
                import slow
                seen.append((i, slow.value))
            for i in range(3):
                stackless.tasklet(importer)(i)
            stackless.run()
            print(sorted(seen))
        ''')
        self.assertEqual(out, ['[(0, 42), (1, 42), (2, 42)]'])

    def test_main_waits_for_a_tasklet(self):
        out = self.run_with_modules({'slow': '''
            import stackless
            stackless.schedule()
            value = 'done'
        '''}, '''
            import stackless
            def importer():
                import slow
            stackless.tasklet(importer)()
            stackless.schedule()        # importer now executes slow
            import slow                 # main waits, importer finishes
            print(slow.value, stackless.getruncount())
        ''')
        self.assertEqual(out, ['done 1'])

    def test_failed_import_is_retried_by_the_waiter(self):
        # As with threads: the module that failed is gone from
        # sys.modules, and the waiting tasklet executes it afresh.
        out = self.run_with_modules({'flaky': '''
            import stackless
            attempt = stackless.current.tempval
            stackless.schedule()
            if attempt == 'first':
                raise ValueError('first attempt fails')
        '''}, '''
            import stackless
            log = []
            def importer(name):
                stackless.current.tempval = name
                try:
                    import flaky
                    log.append((name, 'ok'))
                except ValueError:
                    log.append((name, 'ValueError'))
            stackless.tasklet(importer)('first')
            stackless.tasklet(importer)('second')
            stackless.run()
            print(log)
        ''')
        self.assertEqual(out, ["[('first', 'ValueError'), "
                               "('second', 'ok')]"])

    def test_cycle_between_tasklets(self):
        # a imports b, b imports a, started from two tasklets at once:
        # an import deadlock, broken as for threads -- one of them sees
        # the other module partly made; nobody hangs.
        out = self.run_with_modules({
            'mod_a': '''
                import stackless
                stackless.schedule()
                import mod_b
                name = 'a'
            ''',
            'mod_b': '''
                import stackless
                stackless.schedule()
                import mod_a
                name = 'b'
            '''}, '''
            import stackless
            done = []
            def importer(which):
                __import__(which)
                done.append(which)
            stackless.tasklet(importer)('mod_a')
            stackless.tasklet(importer)('mod_b')
            stackless.run()
            import mod_a, mod_b
            print(sorted(done), mod_a.name, mod_b.name)
        ''')
        self.assertEqual(out, ["['mod_a', 'mod_b'] a b"])

    def test_waiter_killed(self):
        out = self.run_with_modules({'slow': '''
            import stackless
            stackless.schedule_remove()     # paused until told
            value = 1
        '''}, '''
            import stackless, sys
            def importer():
                import slow
            first = stackless.tasklet(importer)()
            waiter = stackless.tasklet(importer)()
            stackless.run()             # first pauses in slow's body
            print(waiter.blocked)       # waiting for the module lock
            waiter.kill()
            print(waiter.alive)
            first.insert()
            stackless.run()
            import slow
            print(slow.value)
        ''')
        self.assertEqual(out, ['True', 'False', '1'])

    def test_holder_never_finishes(self):
        # The tasklet executing the module is blocked for good: a main
        # that waits for the module gets the deadlock error, not a hang.
        out = self.run_with_modules({'stuck': '''
            import stackless
            stackless.channel().receive()
        '''}, '''
            import stackless
            def importer():
                import stuck
            stackless.tasklet(importer)()
            stackless.schedule()
            try:
                import stuck
            except RuntimeError as e:
                print('Deadlock' in str(e))
        ''')
        self.assertEqual(out, ['True'])


if __name__ == '__main__':
    unittest.main()
