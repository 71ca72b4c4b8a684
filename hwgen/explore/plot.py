"""pareto.png: accuracy against cost and against inferences/s (matplotlib, Agg backend)."""

from __future__ import annotations

from ..errors import HwgenError

__all__ = ["plot_pareto"]


def plot_pareto(path, rows: list[dict], front: list[dict], marks: dict, *,
                clock_mhz: float) -> None:
    """Two panels; ``marks`` maps a label (uniform int8, uniform int4) to its rows."""
    try:    # optional: the [explore] extra
        import matplotlib
    except ImportError:
        raise HwgenError("pareto.png needs matplotlib: pip install 'hwgen[explore]'") from None
    matplotlib.use("Agg")       # no display: files only
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    rate = [clock_mhz * 1e6 / r["ii"] for r in rows]
    for ax, key, xs, label in ((axes[0], "cost", [r["cost"] for r in rows],
                                "cost (LUT + DSP-equivalent LUTs)"),
                               (axes[1], "rate", rate, f"inferences/s at {clock_mhz:g} MHz")):
        ax.scatter(xs, [100 * r["accuracy"] for r in rows], s=10, c="0.75",
                   label="evaluated")
        fx = [r["cost"] if key == "cost" else clock_mhz * 1e6 / r["ii"] for r in front]
        ax.scatter(fx, [100 * r["accuracy"] for r in front], s=22, c="tab:blue",
                   label="Pareto front")
        for (name, mrows), style in zip(marks.items(), (("s", "tab:red"), ("^", "tab:green")),
                                        strict=False):
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
