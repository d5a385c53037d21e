"""Common random numbers: paired scenario differences are far less noisy than unpaired ones."""

import numpy as np

from model import run

OUTCOMES = ("satisfaction_mean", "problems_registered", "trust_mean")


def test_paired_differences_have_less_variance_than_unpaired():
    a, b = [], []
    for seed in range(16):
        x = run("baseline", steps=104, seed=seed, households=600).summary["outcomes"]
        y = run("c1_duties_and_whistle", steps=104, seed=seed, households=600).summary["outcomes"]
        a.append([x[o] for o in OUTCOMES])
        b.append([y[o] for o in OUTCOMES])
    a, b = np.array(a), np.array(b)
    for j, name in enumerate(OUTCOMES):
        paired = np.var(b[:, j] - a[:, j], ddof=1)
        unpaired = np.var(b[:, j] - np.roll(a[:, j], 1), ddof=1)
        assert paired < 0.5 * unpaired, f"{name}: paired variance {paired:.3g} not clearly below unpaired {unpaired:.3g}"
