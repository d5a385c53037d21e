"""Experiments: scenario files (`experiments/scenarios/*.toml`) and, later, batch designs."""
