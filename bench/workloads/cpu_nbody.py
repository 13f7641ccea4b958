"""N-body: leapfrog integration of the Sun and the four gas giants.

Float arithmetic on small lists in tight loops; never touches tasks.
--size is the number of time steps. The energy before and after is printed
so that a change of results between interpreters is visible.
"""
import math

import benchlib as bl

SOLAR_MASS = 4 * math.pi * math.pi
DAYS_PER_YEAR = 365.24

# Initial heliocentric positions (AU), velocities (AU/day) and masses
# (solar masses) of Jupiter, Saturn, Uranus and Neptune.
PLANETS = [
    ((4.84143144246472090e+00, -1.16032004402742839e+00,
      -1.03622044471123109e-01),
     (1.66007664274403694e-03, 7.69901118419740425e-03,
      -6.90460016972063023e-05), 9.54791938424326609e-04),
    ((8.34336671824457987e+00, 4.12479856412430479e+00,
      -4.03523417114321381e-01),
     (-2.76742510726862411e-03, 4.99852801234917238e-03,
      2.30417297573763929e-05), 2.85885980666130812e-04),
    ((1.28943695621391310e+01, -1.51111514016986312e+01,
      -2.23307578892655734e-01),
     (2.96460137564761618e-03, 2.37847173959480950e-03,
      -2.96589568540237556e-05), 4.36624404335156298e-05),
    ((1.53796971148509165e+01, -2.59193146099879641e+01,
      1.79258772950371181e-01),
     (2.68067772490389322e-03, 1.62824170038242295e-03,
      -9.51592254519715870e-05), 5.15138902046611451e-05),
]


def make_system():
    """Bodies as [position list, velocity list, mass]; Sun first."""
    bodies = [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS]]
    for pos, vel, mass in PLANETS:
        bodies.append([list(pos), [v * DAYS_PER_YEAR for v in vel],
                       mass * SOLAR_MASS])
    # Give the Sun the momentum that makes the total zero.
    sun_vel = bodies[0][1]
    for _, vel, mass in bodies[1:]:
        for k in range(3):
            sun_vel[k] -= vel[k] * mass / SOLAR_MASS
    return bodies


def energy(bodies):
    e = 0.0
    for i, (pos, vel, mass) in enumerate(bodies):
        e += 0.5 * mass * (vel[0] ** 2 + vel[1] ** 2 + vel[2] ** 2)
        for pos2, _, mass2 in bodies[i + 1:]:
            dx, dy, dz = pos[0] - pos2[0], pos[1] - pos2[1], pos[2] - pos2[2]
            e -= mass * mass2 / math.sqrt(dx * dx + dy * dy + dz * dz)
    return e


def advance(bodies, steps, dt=0.01):
    pairs = [(bodies[i], bodies[j])
             for i in range(len(bodies)) for j in range(i + 1, len(bodies))]
    for _ in range(steps):
        for (p1, v1, m1), (p2, v2, m2) in pairs:
            dx = p1[0] - p2[0]
            dy = p1[1] - p2[1]
            dz = p1[2] - p2[2]
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * math.sqrt(d2))
            f1 = m1 * mag
            f2 = m2 * mag
            v1[0] -= dx * f2
            v1[1] -= dy * f2
            v1[2] -= dz * f2
            v2[0] += dx * f1
            v2[1] += dy * f1
            v2[2] += dz * f1
        for pos, vel, _ in bodies:
            pos[0] += dt * vel[0]
            pos[1] += dt * vel[1]
            pos[2] += dt * vel[2]


def main():
    opts = bl.options(__doc__)
    steps = opts.size or 200000
    bodies = make_system()
    before = energy(bodies)
    t0 = bl.clock()
    advance(bodies, steps)
    seconds = bl.clock() - t0
    bl.result("time", seconds, "s", size=steps, energy_before="%.9f" % before,
              energy_after="%.9f" % energy(bodies))


main()
