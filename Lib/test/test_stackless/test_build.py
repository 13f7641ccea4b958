"""The interpreter identifies as Stackless, yet stays CPython to tools."""

import importlib.util
import platform
import shutil
import subprocess
import sys
import sysconfig
import unittest

import stackless


class VersionMarkerTest(unittest.TestCase):

    def test_sys_version_carries_marker(self):
        python, marker, slp_version = sys.version.split()[:3]
        self.assertEqual(python, platform.python_version())
        self.assertEqual(marker, 'Stackless')
        self.assertTrue(slp_version.startswith(python + '-slp.'),
                        slp_version)

    def test_platform_parses_sys_version(self):
        # platform must see through the marker, or every tool that asks
        # it for the implementation or version would break.
        self.assertEqual(platform.python_implementation(), 'CPython')
        self.assertEqual(platform.python_version_tuple(),
                         tuple(str(n) for n in sys.version_info[:3]))
        self.assertTrue(platform.python_compiler())

    def test_platform_parses_marker_forms(self):
        parse = platform._sys_version
        for text in (
            '3.13.5 Stackless 3.13.5-slp.0 (main, Nov 22 2026, 03:07:05) '
            '[GCC 12.2.0]',
            '3.13.5 Stackless 3.13.5-slp.12 experimental free-threading '
            'build (main, Nov 22 2026, 03:07:05) [Clang 14.0.6]',
            '3.13.5 (main, Nov 22 2026, 03:07:05) [GCC 12.2.0]',
        ):
            with self.subTest(text=text):
                name, version, *_, compiler = parse(text)
                self.assertEqual((name, version), ('CPython', '3.13.5'))
                self.assertIn(compiler[:3], ('GCC', 'Cla'))

    def test_implementation_stays_cpython(self):
        # Extensions and packaging tools key off these; they must not change.
        self.assertEqual(sys.implementation.name, 'cpython')
        self.assertEqual(sys.implementation.cache_tag, 'cpython-313')


class BuiltinModuleTest(unittest.TestCase):

    def test_builtin(self):
        self.assertIn('stackless', sys.builtin_module_names)
        self.assertFalse(hasattr(stackless, '__file__'))

    def test_getdebug_matches_build(self):
        self.assertIs(stackless.getdebug(),
                      bool(sysconfig.get_config_var('Py_DEBUG')))

    def test_getdebug_takes_no_arguments(self):
        with self.assertRaises(TypeError):
            stackless.getdebug(1)


class SystemLibrariesTest(unittest.TestCase):
    # The fork promises to use the system's libffi, expat, zlib and OpenSSL,
    # not copies bundled with CPython: security updates come from Debian.

    def needed_libraries(self, module):
        path = importlib.util.find_spec(module).origin
        ldd = shutil.which('ldd')
        self.assertIsNotNone(ldd, 'ldd (libc-bin) is part of every Debian')
        out = subprocess.run([ldd, path], capture_output=True, text=True,
                             check=True).stdout
        return {line.split()[0] for line in out.splitlines() if '=>' in line}

    def test_extension_modules_link_system_libraries(self):
        for module, library in (('_ctypes', 'libffi.so.8'),
                                ('pyexpat', 'libexpat.so.1'),
                                ('zlib', 'libz.so.1'),
                                ('_ssl', 'libssl.so.3'),
                                ('_hashlib', 'libcrypto.so.3')):
            with self.subTest(module=module):
                self.assertIn(library, self.needed_libraries(module))

    def test_configured_with_system_expat(self):
        self.assertIn('--with-system-expat',
                      sysconfig.get_config_var('CONFIG_ARGS'))


if __name__ == '__main__':
    unittest.main()
