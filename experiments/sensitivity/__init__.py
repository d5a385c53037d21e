"""Global sensitivity analysis (Morris, Sobol', FAST) and PRIM scenario discovery on the batch runner.

Any model `f(params: dict, seed: int) -> dict[str, float]` named as `module:function` can be
studied, so the machinery is checked on functions with known indices (Ishigami) before it is
trusted on the community model. Entry points: `govsim sensitivity STUDY.toml`, `run_study`.
Names are imported lazily so that `govsim --help` stays fast.
"""

__all__ = ["Study", "StudyError", "analyse", "load", "run_study"]


def __getattr__(name):
    if name in ("analyse", "run_study"):
        from . import pipeline

        return getattr(pipeline, name)
    if name in ("Study", "StudyError", "load"):
        from . import study

        return getattr(study, name)
    raise AttributeError(name)
