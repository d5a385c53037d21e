"""Calibration against the paper's and published figures (see issue 7)."""
