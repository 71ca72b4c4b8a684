"""pareto.png: accuracy against cost and against inferences/s (matplotlib, Agg backend)."""

from __future__ import annotations

from ..errors import HwgenError

__all__ = ["plot_pareto"]


def _front_2d(points: list[tuple]) -> list[tuple]:
    """Points (x, accuracy, lower_is_better) no other point beats on both axes."""
    out = []
    for x, acc, low in points:
        if not any((ox <= x if low else ox >= x) and oa >= acc and (ox, oa) != (x, acc)
                   for ox, oa, _ in points):
            out.append((x, acc))
    return sorted(set(out))


def plot_pareto(path, rows: list[dict], marks: dict, *,
                clock_mhz: float, cost_limit: float | None = None) -> None:
    """Two panels; ``marks`` maps a label (uniform int8, uniform int4, ...) to its rows.

    The rate panel shows the rows of cost at most ``cost_limit`` (uniform int8's at the
    reference interval): the folding does not change the accuracy, so over all rows the
    fastest folding of the best candidate would be the whole front.
    """
    try:    # optional: the [explore] extra
        import matplotlib
    except ImportError:
        raise HwgenError("pareto.png needs matplotlib: pip install 'hwgen[explore]'") from None
    matplotlib.use("Agg")       # no display: files only
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    capped = [r for r in rows if cost_limit is None or r["cost"] <= cost_limit]
    rate_label = f"inferences/s at {clock_mhz:g} MHz" + (
        "" if cost_limit is None else f" (cost <= {cost_limit:,.0f}, uniform int8's)")
    for ax, key, label in ((axes[0], "cost", "cost (LUT + DSP-equivalent LUTs)"),
                           (axes[1], "rate", rate_label)):
        if key == "rate":
            rows = capped
            marks = {k: [r for r in v if r in capped] for k, v in marks.items()}
        xs = [r["cost"] if key == "cost" else clock_mhz * 1e6 / r["ii"] for r in rows]
        ax.scatter(xs, [100 * r["accuracy"] for r in rows], s=10, c="0.75",
                   label="evaluated")
        # the front of this panel's two axes (front, over all three, is in pareto.csv)
        panel = _front_2d([(x, r["accuracy"], key == "cost") for x, r in zip(xs, rows,
                                                                            strict=True)])
        ax.step([x for x, _ in panel], [100 * a for _, a in panel], where="post",
                c="tab:blue", lw=1)
        ax.scatter([x for x, _ in panel], [100 * a for _, a in panel], s=22, c="tab:blue",
                   label="Pareto front")
        for (name, mrows), style in zip(marks.items(), (("s", "tab:red"), ("^", "tab:green"),
                                                        ("D", "tab:purple")), strict=False):
            mx = [r["cost"] if key == "cost" else clock_mhz * 1e6 / r["ii"] for r in mrows]
            ax.scatter(mx, [100 * r["accuracy"] for r in mrows], marker=style[0],
                       s=60, facecolors="none", edgecolors=style[1], label=name)
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("validation accuracy (%)")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
