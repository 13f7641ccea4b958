"""Recursion-heavy: naive doubly recursive Fibonacci plus Takeuchi's tak.

Almost nothing but Python-to-Python calls and small-int arithmetic; never
touches tasks. --size is n for fib(n); tak(24, 16, 8) runs beside it
(tak(18, 12, 6) when --size is below 25, for the quick run).
"""
import benchlib as bl


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def tak(x, y, z):
    if y >= x:
        return z
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))


def main():
    opts = bl.options(__doc__)
    n = opts.size or 32
    tak_args = (24, 16, 8) if n >= 25 else (18, 12, 6)
    t0 = bl.clock()
    value = fib(n)
    taken = tak(*tak_args)
    seconds = bl.clock() - t0
    bl.result("time", seconds, "s", size=n, fib=value, tak=taken)


main()
