"""The two pictures the class watches: the street map and the live charts (matplotlib, no CDN).

Figures are built as `matplotlib.figure.Figure` objects, not through pyplot, because the
browser app draws from several threads; both accept `lang` and label everything in it.
"""

from __future__ import annotations

import io

import numpy as np
import scipy.sparse as sp
from matplotlib import colormaps, rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from model.plots import cjk_font, label
from model.world import FIRM, NONE, OLD, RED

from .presets import title
from .session import Session
from .text import t

_font = cjk_font()
if _font:  # the shipped subset has Latin glyphs too, so one font serves both languages
    rcParams["font.sans-serif"] = [_font, "DejaVu Sans"]
    rcParams["axes.unicode_minus"] = False

ENV_CMAP = colormaps["RdYlGn"]
MARKERS = {FIRM: ("s", "#1f3b73", "firm"), RED: ("*", "#d62728", "red"), NONE: ("X", "#444444", "none")}
GAP = 0.04  # share of a row's width left between compounds


def layout(world) -> dict[str, np.ndarray]:
    """Rectangles for compounds: one row per community, widths proportional to households."""
    n = world.n_compounds
    x0, width, row = np.zeros(n), np.zeros(n), world.c_community.astype(int)
    for k in range(len(world.community_names)):
        idx = np.flatnonzero(row == k)
        hh = world.c_households[idx].astype(float)
        total = hh.sum()
        gaps = GAP * total / max(len(idx), 1)
        pos = 0.0
        for i, h in zip(idx, hh):
            x0[i], width[i] = pos, h
            pos += h + gaps
        scale = 1.0 / max(pos - gaps, 1.0)
        x0[idx] *= scale
        width[idx] *= scale
    return {"x0": x0, "width": width, "row": row, "cx": x0 + width / 2, "cy": -row.astype(float)}


def grid_boundaries(world, geo: dict) -> list[tuple[float, float, int]]:
    """(x, row, grid) where a new grid starts inside a community row (households run in compound order)."""
    out = []
    for c in range(world.n_compounds):
        grids = world.hh_grid[world.households_of(c)]
        change = np.flatnonzero(np.diff(grids)) + 1
        for j in change:
            out.append((geo["x0"][c] + geo["width"][c] * j / len(grids), geo["row"][c], int(grids[j])))
    return out


def compound_links(world) -> sp.csr_matrix:
    """Neighbour ties between compounds (counts of household links), from the household network."""
    n = world.n
    h = sp.csr_matrix((np.ones(n), (np.arange(n), world.hh_compound)), shape=(n, world.n_compounds))
    a = world.W.copy()
    a.data[:] = 1.0
    return (h.T @ a @ h).tocsr()


class StreetMap:
    """The street: compounds coloured by environment, marked by provider, grid boundaries dashed.

    Built once per (session, language, network, selection) and updated in place each week:
    recolouring patches is far cheaper than laying out a new figure while the class watches.
    """

    def __init__(self, session: Session, lang: str = "zh", show_network: bool = False, selected: int | None = None,
                 figsize=(9.0, 3.4), dpi: int = 80):
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        w = session.world
        self.lang, self.session = lang, session
        geo = layout(w)
        old = w.c_type == OLD
        self.fig = fig = Figure(figsize=figsize, dpi=dpi)
        fig.subplots_adjust(left=0.1, right=0.9, top=0.9, bottom=0.14)
        ax = fig.add_subplot()
        self.patches, self.markers, self.overlay = [], [], []  # redrawn every week, in this order
        for c in range(w.n_compounds):
            y = geo["cy"][c]
            patch = Rectangle((geo["x0"][c], y - 0.35), geo["width"][c], 0.7, facecolor="white",
                              edgecolor="black" if c == selected else "#555555", lw=3 if c == selected else 0.6,
                              hatch="///" if old[c] else None)
            ax.add_patch(patch)
            self.patches.append(patch)
            (m,) = ax.plot(geo["cx"][c], y + 0.05, marker="s", ms=11, mec="white", mew=0.8, zorder=5, ls="")
            self.markers.append(m)
            self.overlay.append(ax.text(geo["cx"][c], y - 0.25, w.compounds["compound"].iloc[c], ha="center",
                                        va="center", fontsize=7, zorder=6,
                                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7}))
        for x, row, g in grid_boundaries(w, geo):
            self.overlay += ax.plot([x, x], [-row - 0.45, -row + 0.45], ls="--", color="#1a1a1a", lw=1.0, zorder=4)
        if show_network:
            links = sp.triu(compound_links(w), k=1).tocoo()
            top = links.data.max() if links.nnz else 1.0
            for i, j, v in zip(links.row, links.col, links.data):
                self.overlay += ax.plot([geo["cx"][i], geo["cx"][j]], [geo["cy"][i] + 0.15, geo["cy"][j] + 0.15],
                                        color="#7b3294",
                        alpha=0.25 + 0.6 * v / top, lw=0.5 + 2.5 * v / top, zorder=3)
        ax.set_yticks(-np.arange(len(w.community_names)))
        ax.set_yticklabels([f"{t('community', lang)} {i + 1}" for i in range(len(w.community_names))], fontsize=8)
        ax.set_xticks([])
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-len(w.community_names) + 0.4, 0.6)
        for s in ("top", "right", "bottom"):
            ax.spines[s].set_visible(False)
        handles = [Line2D([], [], ls="", marker=MARKERS[k][0], color=MARKERS[k][1], ms=9,
                          label=t(MARKERS[k][2], lang)) for k in (FIRM, RED, NONE)]
        handles.append(Line2D([], [], ls="--", color="#1a1a1a", label=t("grid", lang)))
        handles.append(Rectangle((0, 0), 1, 1, fc="white", ec="#555555", hatch="///", label=t("old", lang)))
        if show_network:
            handles.append(Line2D([], [], color="#7b3294", lw=2, label=t("network", lang)))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles), fontsize=8,
                  frameon=False)
        cax = fig.add_axes((0.915, 0.15, 0.015, 0.72))
        cb = fig.colorbar(ScalarMappable(Normalize(0, 1), ENV_CMAP), cax=cax)
        cb.set_label(t("env", lang), fontsize=8)
        cb.ax.tick_params(labelsize=7)
        ax.set_title(t("map", lang), fontsize=10)
        FigureCanvasAgg(fig)
        # compounds, grid lines, ties and labels are drawn each week over a cached frame (axes, legend,
        # colour bar), which is several times cheaper than a full redraw while the class watches
        self.dynamic = sorted(self.patches + self.overlay + self.markers, key=lambda a: a.get_zorder())
        for artist in self.dynamic:
            artist.set_animated(True)
        fig.canvas.draw()
        self.background = fig.canvas.copy_from_bbox(fig.bbox)
        self.update()

    def image(self) -> bytes:
        """The current map as PNG (after `update`)."""
        return _buffer_png(self.fig)

    def export(self, dpi: int = 150) -> bytes:
        """A full-quality PNG for slides."""
        for artist in self.dynamic:
            artist.set_animated(False)
        try:
            return png(self.fig, dpi=dpi)
        finally:
            for artist in self.dynamic:
                artist.set_animated(True)
            self.fig.canvas.draw()
            self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
            self.update()

    def update(self) -> Figure:
        st = self.session.compound_state()
        for c, (patch, m) in enumerate(zip(self.patches, self.markers)):
            patch.set_facecolor(ENV_CMAP(st["env"][c]))
            mk, col, _ = MARKERS[int(st["provider"][c])]
            m.set_marker(mk)
            m.set_markersize(17 if mk == "*" else 11)
            m.set_color(col)
            m.set_markeredgecolor("white")
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for artist in self.dynamic:
            artist.axes.draw_artist(artist)
        return self.fig


def street_map(session: Session, lang: str = "zh", show_network: bool = False, selected: int | None = None,
               **kw) -> Figure:
    """The map as a one-off figure (see StreetMap), every artist drawn normally (savefig, notebooks)."""
    sm = StreetMap(session, lang, show_network, selected, **kw)
    for artist in sm.dynamic:
        artist.set_animated(False)
    return sm.fig


def _week(step: int, lang: str) -> str:
    return f"第{step}周" if lang == "zh" else f"week {step}"


CHART_PANELS = (
    ("trap_share",), ("fee_collection_rate",), ("resolution_rate",), ("satisfaction_mean", "trust_mean"),
    ("participation_rate",), ("department_response_rate",), ("public_spending",),
    ("problems_registered", "problems_resolved", "problems_unresolved"),
)
_UNIT_INTERVAL = {"trap_share", "fee_collection_rate", "resolution_rate", "satisfaction_mean", "trust_mean",
                  "department_response_rate"}
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")


class Charts:
    """Eight small live charts, the comparison run (if any) dashed; lines updated in place each week."""

    def __init__(self, session: Session, lang: str = "zh", figsize=(11.0, 4.6), dpi: int = 80):
        self.session, self.lang = session, lang
        self.fig = fig = Figure(figsize=figsize, dpi=dpi)
        fig.subplots_adjust(left=0.05, right=0.99, top=0.86, bottom=0.1, wspace=0.28, hspace=0.38)
        self.axes = fig.subplots(2, 4, sharex=True).ravel()
        self.lines: list[tuple[object, int, str]] = []
        for ax, names in zip(self.axes, CHART_PANELS):
            for ri, run in enumerate(session.runs):
                for ni, name in enumerate(names):
                    lab = label(name, lang) if (len(names) > 1 and ri == 0) else None
                    (ln,) = ax.plot([], [], ls="-" if ri == 0 else "--", color=_COLORS[ni], lw=1.6 if ri == 0 else 1.3,
                                    label=lab)
                    self.lines.append((ln, ri, name))
            if names == ("public_spending",):
                ax.set_title(t("public_spending_10k", lang), fontsize=9)
            elif names == ("satisfaction_mean", "trust_mean"):
                ax.set_title(t("satisfaction_trust", lang), fontsize=9)
            elif len(names) > 1:
                ax.set_title(t("counters", lang), fontsize=9)
            else:
                ax.set_title(label(names[0], lang), fontsize=9)
            if len(names) > 1:
                ax.legend(fontsize=7, loc="upper left")
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
        for ax in self.axes[4:]:
            ax.set_xlabel("周" if lang == "zh" else "weeks", fontsize=8)
        other = session.other
        head = title(session.main.preset, lang)
        if other:
            head += f"  —  {t('compare', lang)}: {title(other.preset, lang)} ({'虚线' if lang == 'zh' else 'dashed'})"
        self.head = head
        fig.suptitle(head, fontsize=10)
        FigureCanvasAgg(fig)
        for ln, _, _ in self.lines:
            ln.set_animated(True)  # drawn over a cached background, not in the full redraw
        self.limits: list[tuple[float, float, float]] = []
        self.background = None
        self.update()

    def _wanted_limits(self) -> list[tuple[float, float, float]]:
        """Axis limits that change rarely: a whole year at a time on x, doubling on y."""
        runs = self.session.runs
        xmax = 52.0 * max(1, -(-self.session.steps // 52))
        out = []
        for i, (ax, names) in enumerate(zip(self.axes, CHART_PANELS)):
            if set(names) <= _UNIT_INTERVAL:
                out.append((xmax, -0.02, 1.02))
                continue
            top = max(max(r.history[n]) / (1e4 if n == "public_spending" else 1.0) for r in runs for n in names)
            old = self.limits[i][2] if self.limits else 0.0
            if top <= 0:  # nothing yet (week 0, or no spending at all): a plain 0-1 axis, not 0-1e-9
                hi = old or 1.0
            else:
                hi = old if top <= old else _nice_ceiling(top * 1.5)
            out.append((xmax, 0.0, hi))
        return out

    def update(self) -> Figure:
        """New data on the lines; a full redraw only when an axis range has to grow."""
        runs = self.session.runs
        for ln, ri, name in self.lines:
            run = runs[ri]
            y = np.asarray(run.history[name])
            ln.set_data(run.history["step"], y / 1e4 if name == "public_spending" else y)
        wanted = self._wanted_limits()
        canvas = self.fig.canvas
        if wanted != self.limits or self.background is None:
            self.limits = wanted
            for ax, (xmax, lo, hi) in zip(self.axes, wanted):
                ax.set_xlim(0, xmax)
                ax.set_ylim(lo, hi)
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self.background)
        for ln, _, _ in self.lines:
            ln.axes.draw_artist(ln)
        return self.fig

    def image(self) -> bytes:
        """The current frame as PNG, straight from the canvas buffer (no redraw)."""
        return _buffer_png(self.fig)

    def export(self, dpi: int = 150) -> bytes:
        """A full-quality PNG for slides (lines included)."""
        for ln, _, _ in self.lines:
            ln.set_animated(False)
        try:
            return png(self.fig, dpi=dpi)
        finally:
            for ln, _, _ in self.lines:
                ln.set_animated(True)
            self.background = None
            self.update()


def charts(session: Session, lang: str = "zh", **kw) -> Figure:
    """The charts as a one-off figure (see Charts), every line drawn normally (savefig, notebooks)."""
    ch = Charts(session, lang, **kw)
    for ln, _, _ in ch.lines:
        ln.set_animated(False)
    return ch.fig


def _nice_ceiling(x: float) -> float:
    """1, 2 or 5 times a power of ten, at least x."""
    import math

    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if x <= m * e:
            return m * e
    return 10 * e


def _buffer_png(fig: Figure) -> bytes:
    """PNG of what the canvas holds now, with light compression: 10x faster than a savefig."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def png(fig: Figure, dpi: int | None = None) -> bytes:
    """A figure as PNG bytes (for the export button and the benchmark)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


__all__ = ["StreetMap", "Charts", "street_map", "charts", "png", "layout", "grid_boundaries", "compound_links", "OLD"]
