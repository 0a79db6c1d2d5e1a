"""Cohort figures drawn with matplotlib (no display needed, no global backend switch).

* :func:`km_figure`: Kaplan-Meier curves of TTF, altered vs profiled-and-unaltered, with the
  pointwise confidence band, censoring ticks and a numbers-at-risk table under the axis.
* :func:`forest_figure`: odds ratios (Fisher, conditional MLE, exact CI) and hazard ratios (Cox) per
  rule on a log scale. Infinite or missing values are not drawn as points; an arrow marks a CI
  running off the axis, and the row says "not estimable".
* :func:`oncoprint_figure`: the alteration-by-sample matrix; altered, profiled-and-unaltered and
  not evaluable are three distinct colours (not evaluable is hatched, never white-as-absent), and
  a sample whose only match is supporting-grade (not counted as altered by default) a fourth.
  Bounded at any cohort size: up to :data:`ONCOPRINT_ALL_SAMPLES` samples every sample is drawn;
  above, only the samples with a match (strong or supporting grade); above
  :data:`ONCOPRINT_MAX_COLUMNS` of those, every k-th of them in oncoprint order (each column
  stands for k samples, so each rule's share of the width is kept). The figure and
  :attr:`Figure.note` state the counts drawn against the cohort's.

Kaplan-Meier curves are step plots of the KM table (one point per distinct time, not per
patient); censoring ticks are drawn at distinct censoring times, at most
:data:`KM_CENSOR_TICK_LIMIT` per curve, so drawing time does not grow with the cohort.

Each function returns a :class:`Figure` holding PNG bytes and SVG text, so the caller writes files
and embeds the PNG in the HTML. Figures are :class:`matplotlib.figure.Figure` objects saved
directly (PNG through Agg, SVG through the SVG writer), never pyplot: importing this module or
drawing changes neither the process's matplotlib backend nor any pyplot state.
"""
from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import TypeGuard

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch, Rectangle

ALTERED_COLOUR = "#b2182b"
UNALTERED_COLOUR = "#2166ac"
NOT_DETECTED_COLOUR = "#d9d9d9"
NOT_EVALUABLE_COLOUR = "#ffffff"
SUPPORTING_ONLY_COLOUR = "#f4a582"

#: an oncoprint of at most this many samples draws every sample, altered or not
ONCOPRINT_ALL_SAMPLES = 300
#: at most this many sample columns are drawn (above: every k-th altered sample)
ONCOPRINT_MAX_COLUMNS = 2000
#: at most this many censoring ticks per Kaplan-Meier curve (distinct censoring times)
KM_CENSOR_TICK_LIMIT = 200


@dataclass
class Figure:
    """One drawn figure: its file stem, title, PNG bytes and SVG text, and what it leaves out."""

    name: str            # file stem, e.g. "km_MDM2_AMP"
    title: str
    png: bytes
    svg: str
    note: str = ""       # what the figure leaves out (e.g. samples not drawn), for the HTML

    @property
    def png_base64(self) -> str:
        """The PNG as base64 text, for embedding in the HTML."""
        return base64.b64encode(self.png).decode("ascii")


def _render(fig: MplFigure, name: str, title: str) -> Figure:
    png, svg = io.BytesIO(), io.StringIO()
    # metadata pinned so reruns give identical files
    fig.savefig(png, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    # a fixed salt makes the SVG's element ids, and so a rerun's file, byte-identical
    with matplotlib.rc_context({"svg.hashsalt": f"hpdgenomics-{name}"}):
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    return Figure(name, title, png.getvalue(), svg.getvalue())


def _step(ax, km: dict, colour: str, label: str) -> None:
    times, survival = km.get("timeline") or [], km.get("survival") or []
    if not times:
        return
    ax.step(times, survival, where="post", color=colour, label=label, linewidth=1.6)
    low, high = km.get("survival_ci_low") or [], km.get("survival_ci_high") or []
    if low and high:
        ax.fill_between(times, [v if v is not None else np.nan for v in low],
                        [v if v is not None else np.nan for v in high], step="post",
                        color=colour, alpha=0.15, linewidth=0)


def km_figure(name: str, title: str, km_altered: dict, km_unaltered: dict,
              censored: dict[str, list[float]] | None = None,
              time_label: str = "Time to treatment failure (months)") -> Figure:
    """KM curves from two ``KaplanMeierResult.to_dict()`` views; ``censored`` gives tick times."""
    fig = MplFigure(figsize=(6.4, 4.6))
    grid = fig.add_gridspec(2, 1, height_ratios=[4, 1], hspace=0.35)
    ax = fig.add_subplot(grid[0])
    groups = [("altered", km_altered, ALTERED_COLOUR),
              ("unaltered", km_unaltered, UNALTERED_COLOUR)]
    for label, km, colour in groups:
        median = km.get("median")
        text = f"{label} (n={km.get('n', 0)}, median {median:.1f})" if median is not None \
            else f"{label} (n={km.get('n', 0)}, median not reached)"
        _step(ax, km, colour, text)
        ticks = _censor_ticks((censored or {}).get(label))
        if len(ticks) and km.get("timeline"):
            times = np.asarray(km["timeline"], dtype=float)
            survival = np.asarray(km["survival"], dtype=float)
            heights = survival[np.maximum(0, np.searchsorted(times, ticks, side="right") - 1)]
            ax.plot(ticks, heights, "|", color=colour, markersize=8)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("Without treatment failure")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper right", frameon=False)
    ax.grid(alpha=0.3)
    at_risk_times = [row["time"] for row in (km_altered.get("at_risk") or
                                             km_unaltered.get("at_risk") or [])]
    if at_risk_times:
        ax.set_xticks(at_risk_times)
        ax.set_xlim(left=min(at_risk_times) - 0.02 * (max(at_risk_times) or 1))
    ax.set_xlabel(time_label, fontsize=9)
    table = fig.add_subplot(grid[1], sharex=ax)
    table.set_axis_off()
    table.set_title("Number at risk", fontsize=8, loc="left")
    for y, (label, km, colour) in zip((0.65, 0.15), groups, strict=True):
        for row in km.get("at_risk") or []:
            table.text(row["time"], y, str(row["n_at_risk"]), ha="center", va="center",
                       fontsize=8, color=colour)
        table.text(-0.02, y, label, transform=table.get_yaxis_transform(), ha="right",
                   va="center", fontsize=8, color=colour)
    table.set_ylim(0, 1)
    return _render(fig, name, title)


def _censor_ticks(times) -> np.ndarray:
    """Distinct censoring times, at most :data:`KM_CENSOR_TICK_LIMIT` (evenly spaced in order)."""
    if times is None or not len(times):
        return np.empty(0)
    distinct = np.unique(np.asarray(times, dtype=float))
    if len(distinct) > KM_CENSOR_TICK_LIMIT:
        distinct = distinct[np.linspace(0, len(distinct) - 1, KM_CENSOR_TICK_LIMIT).round()
                            .astype(int)]
    return distinct


def _finite(value: object) -> TypeGuard[float]:
    """A positive finite number (what a log-scale forest plot can draw)."""
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value) \
        and value > 0


def forest_figure(rows: list[dict], name: str = "forest") -> Figure | None:
    """Forest plot from association rows (``AlterationAssociation.row()``); None if nothing to
    plot."""
    panels = [("odds_ratio", "or_ci_low", "or_ci_high",
               "Odds ratio of early failure (Fisher, exact CI)"),
              ("hazard_ratio", "hr_ci_low", "hr_ci_high",
               "Hazard ratio of treatment failure (Cox)")]
    shown = [r for r in rows if (r.get("n_altered") or 0) > 0]
    if not shown:
        return None
    fig = MplFigure(figsize=(9.5, 0.45 * len(shown) + 1.6))
    axes = fig.subplots(1, 2, sharey=True)
    labels = [r.get("rule_id") or r.get("gene") for r in shown]
    positions = np.arange(len(shown))[::-1]
    for ax, (point, low, high, title) in zip(axes, panels, strict=True):
        values = [v for r in shown for v in (r.get(point), r.get(low), r.get(high)) if _finite(v)]
        lo = min(values + [0.5]) / 2
        hi = max(values + [2.0]) * 2
        for y, row in zip(positions, shown, strict=True):
            estimate, ci_low, ci_high = row.get(point), row.get(low), row.get(high)
            left = ci_low if _finite(ci_low) else lo
            right = ci_high if _finite(ci_high) else hi
            if _finite(estimate) or _finite(ci_low) or _finite(ci_high):
                ax.plot([left, right], [y, y], color="black", linewidth=1.2)
                if not _finite(ci_high):
                    ax.annotate("", xy=(hi, y), xytext=(hi / 1.6, y),
                                arrowprops={"arrowstyle": "->", "color": "black"})
            if _finite(estimate):
                ax.plot([estimate], [y], "s", color=ALTERED_COLOUR, markersize=6)
            else:
                text = "infinite" if estimate == math.inf else "not estimable"
                ax.text(math.sqrt(lo * hi), y + 0.25, text, fontsize=7, ha="center",
                        color="#555555")
        ax.axvline(1.0, color="#777777", linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_title(title, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(positions)
    axes[0].set_yticklabels([f"{lab} ({r.get('n_altered')}/{r.get('n_unaltered')})"
                             for lab, r in zip(labels, shown, strict=True)], fontsize=8)
    axes[0].set_ylim(-0.8, len(shown) - 0.2)
    fig.suptitle("Altered vs profiled-and-unaltered (n altered / n unaltered); log scale",
                 fontsize=9, y=1.0 + 0.25 / fig.get_figheight())
    return _render(fig, name, "Forest plot of odds and hazard ratios")


def oncoprint_figure(matrix: pd.DataFrame, name: str = "oncoprint",
                     title: str = "Alterations by sample",
                     supporting: pd.DataFrame | None = None) -> Figure | None:
    """samples x alterations matrix of 1 / 0 / NaN drawn alterations-by-samples.

    ``supporting`` is the same samples x alterations under the broader exposure (strong or
    supporting grade): a cell altered there but not in ``matrix`` is drawn as a supporting-grade
    match only, so that nothing the calls hold is hidden.
    """
    if matrix.empty:
        return None
    data = matrix.T
    # sort samples so altered ones come first, rule by rule (the usual oncoprint ordering): a
    # stable lexicographic sort on "not altered" per rule, first rule most significant
    not_altered = (data.to_numpy() != 1).astype(np.int8)
    order = (np.lexsort(not_altered[::-1]) if len(data.index)
             else np.arange(data.shape[1]))
    data = data.iloc[:, order]
    codes = np.where(data.isna().to_numpy(), 2, data.fillna(0).to_numpy()).astype(float)
    # 0 = not detected, 1 = altered, 2 = not evaluable, 3 = supporting-grade match only
    broader = None
    if supporting is not None:
        broader = supporting.T.reindex(index=data.index, columns=data.columns).to_numpy()
        codes[(broader == 1) & (codes != 1)] = 3
    altered_counts = [int(n) for n in (codes == 1).sum(axis=1)]
    total = data.shape[1]
    note = ""
    if total > ONCOPRINT_ALL_SAMPLES:
        # only samples with a match; every k-th of them when still too many to draw
        matched = np.flatnonzero(((codes == 1) | (codes == 3)).any(axis=0))
        step = max(1, math.ceil(len(matched) / ONCOPRINT_MAX_COLUMNS))
        drawn = matched[::step]
        note = (f"{len(drawn)} of {total} samples drawn: the {len(matched)} with a match"
                + (f", one in every {step} of them in this order (each column stands for "
                   f"{step} samples)" if step > 1 else "")
                + f"; {total - len(matched)} samples without any match are not drawn. "
                "Counts beside each rule are over all samples; every sample is in matrix.tsv")
        data, codes = data.iloc[:, drawn], codes[:, drawn]
    if data.shape[1] == 0:     # nothing matched in a large cohort: the counts say it all
        codes = np.zeros((codes.shape[0], 0))
    cmap = ListedColormap([NOT_DETECTED_COLOUR, ALTERED_COLOUR, NOT_EVALUABLE_COLOUR,
                           SUPPORTING_ONLY_COLOUR])
    width = min(16.0, max(5.0, 0.12 * data.shape[1] + 2.5))
    fig = MplFigure(figsize=(width, 0.32 * data.shape[0] + 1.6 + (0.3 if note else 0)))
    ax = fig.add_subplot()
    ax.imshow(codes if codes.size else np.full((codes.shape[0], 1), np.nan), aspect="auto",
              cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
    _hatch_not_evaluable(ax, codes == 2)
    ax.set_yticks(range(data.shape[0]))
    ax.set_yticklabels([f"{rid} ({n})" for rid, n in zip(data.index, altered_counts, strict=True)],
                       fontsize=8)
    if note:
        ax.set_xticks([])
        ax.set_xlabel(f"{data.shape[1]} of {total} samples drawn (samples with a match only"
                      + (f", one in every {step}" if step > 1 else "") + ")", fontsize=8)
    elif data.shape[1] <= 60:
        ax.set_xticks(range(data.shape[1]))
        ax.set_xticklabels(data.columns, rotation=90, fontsize=6)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{data.shape[1]} samples", fontsize=8)
    if data.shape[1] <= ONCOPRINT_ALL_SAMPLES:   # a white line between columns while visible
        ax.set_xticks(np.arange(-0.5, data.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, data.shape[0]), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    handles = [Patch(facecolor=ALTERED_COLOUR, label="altered"),
               Patch(facecolor=NOT_DETECTED_COLOUR, label="profiled, not altered"),
               Patch(facecolor=NOT_EVALUABLE_COLOUR, edgecolor="#999999", hatch="////",
                     label="not evaluable")]
    if (codes == 3).any():
        handles.append(Patch(facecolor=SUPPORTING_ONLY_COLOUR,
                             label="supporting-grade match only (not counted)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8,
              frameon=False)
    ax.set_title(title, fontsize=10)
    figure = _render(fig, name, title)
    figure.note = note
    return figure


def _hatch_not_evaluable(ax, mask: np.ndarray) -> None:
    """Hatch the not-evaluable cells: one rectangle per run of adjacent cells in a row."""
    for r in range(mask.shape[0]):
        row = np.concatenate([[False], mask[r], [False]]).astype(np.int8)
        edges = np.flatnonzero(np.diff(row))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            ax.add_patch(Rectangle((start - 0.5, r - 0.5), stop - start, 1, fill=False,
                                   hatch="////", edgecolor="#999999", linewidth=0))


__all__ = ["KM_CENSOR_TICK_LIMIT", "ONCOPRINT_ALL_SAMPLES", "ONCOPRINT_MAX_COLUMNS", "Figure",
           "forest_figure", "km_figure", "oncoprint_figure"]
