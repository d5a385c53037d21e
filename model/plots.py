"""Figures, with labels in English or Chinese (`lang="zh"` needs a CJK font; see `cjk_font`)."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from .outcomes import OUTCOMES  # noqa: E402

_CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN")


SHIPPED_FONT = Path(__file__).parent / "fonts" / "NotoSansSC-govsim.otf"


def cjk_font() -> str | None:
    """Name of a font with Chinese glyphs: the subset shipped with the project, else an installed one."""
    if SHIPPED_FONT.exists():
        font_manager.fontManager.addfont(str(SHIPPED_FONT))
        return font_manager.FontProperties(fname=str(SHIPPED_FONT)).get_name()
    names = {f.name for f in font_manager.fontManager.ttflist}
    for n in _CJK_NAMES:
        if n in names:
            return n
    return None


def use_lang(lang: str) -> str:
    """Set up matplotlib for `lang`; falls back to English (with a warning) when no CJK font exists."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang = {lang!r} is invalid; allowed: en, zh")
    if lang == "zh":
        font = cjk_font()
        if font is None:
            warnings.warn("no CJK font installed; figure labels fall back to English", stacklevel=2)
            return "en"
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
        plt.rcParams["axes.unicode_minus"] = False
    return lang


def label(name: str, lang: str = "en") -> str:
    _, en, zh = OUTCOMES[name]
    return zh if lang == "zh" else en


def both(en: str, zh: str, lang: str) -> str:
    return zh if lang == "zh" else en


PANELS = (
    ("trap_share", "fee_collection_rate"),
    ("environment_mean", "environment_gini"),
    ("problems_registered", "problems_resolved", "problems_unresolved"),
    ("resolution_rate", "department_response_rate"),
    ("satisfaction_mean", "trust_mean", "participation_rate"),
    ("public_spending",),
)


def overview(result, path: str | Path, lang: str = "en") -> Path:
    """Six panels of a run's key outcomes over years."""
    lang = use_lang(lang)
    ts = result.timeseries
    years = ts["step"] / 52.0
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), constrained_layout=True)
    for ax, names in zip(axes.ravel(), PANELS):
        for n in names:
            ax.plot(years, ts[n], label=label(n, lang), lw=1.6)
        ax.set_xlabel(both("years", "年", lang))
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
        if n in ("trap_share", "fee_collection_rate", "environment_mean", "resolution_rate", "satisfaction_mean"):
            ax.set_ylim(-0.02, 1.02)
    s = result.summary
    title = both(f"Scenario '{s['scenario']}', seed {s['seed']}, {int(s['parameters']['n_households']):,} households",
                 f"情景“{s['scenario']}”,随机种子 {s['seed']},{int(s['parameters']['n_households']):,} 户", lang)
    fig.suptitle(title)
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
    return Path(path)
