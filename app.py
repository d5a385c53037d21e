"""The classroom demo, the Mesa way: `solara run app.py` (or `govsim demo`).

The page lives in `classroom/app.py`; its pieces (presets, session, drawing, stories, text)
sit beside it in `classroom/`.
"""

from classroom.app import Page, page  # noqa: F401
