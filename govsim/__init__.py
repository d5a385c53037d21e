"""govsim's command line: `govsim ...` or `python -m govsim ...`.

The front door sits above every other package (model, agents, experiments, calibration,
classroom); nothing below imports it. For the Python API use `from model import run, CommunityModel`.
"""
