"""Takeaways of the research notebooks, written from their results (never fixed text).

Each function turns one notebook's results into a short Markdown list in Finnish or English
(``labels.t``); a sentence states what the numbers say, including "not significant" and "unstable",
and synthetic data adds the caveat that the result is about the method, not about real firms.

- :func:`lisa_stability_line` and :func:`spatial_takeaways` — notebook 10;
- :func:`factor_takeaways` — notebook 11;
- :func:`support_takeaways` — notebook 12.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas, labels
from kasvudata_utils.research.spatial import CLUSTER_LABELS


def _bullets(lines, lang) -> str:
    return labels.t("takeaway_title", lang) + "\n\n" + "\n".join(f"- {s}" for s in lines if s)


def _counts(clusters) -> str:
    c = pd.Series(list(clusters)).value_counts()
    return ", ".join(f"{k} {int(c[k])}" for k in CLUSTER_LABELS if k != "ns" and k in c.index) or "–"


def lisa_stability_line(stability: pd.DataFrame, lang: str = "fi") -> str:
    """One sentence: how many municipalities are FDR-significant under each seed, and whether the set is stable.

    Examples
    --------
    >>> t = pd.DataFrame({"seed": [1, 2], "n_significant": [3, 3]}); t.attrs.update(stable=True, permutations=99999)
    >>> lisa_stability_line(t, "en").split(": ", 1)[1]
    '3, 3 — the same set under every seed.'
    """
    lang = labels.normalise_lang(lang)
    verdict = labels.t("research_stable_yes" if stability.attrs.get("stable") else "research_stable_no", lang)
    return labels.t("research_lisa_stability", lang, seeds=", ".join(str(s) for s in stability["seed"]),
                    perm=stability.attrs.get("permutations", ""),
                    counts=", ".join(str(int(n)) for n in stability["n_significant"]), verdict=verdict)


def spatial_takeaways(moran, lisa_table: pd.DataFrame, stability: pd.DataFrame, area: str, lang: str = "fi",
                      synthetic: bool = True, alpha: float = 0.05) -> str:
    """Notebook 10's takeaways from global Moran's I, the LISA table and its seed stability.

    Parameters
    ----------
    moran : MoranResult
        :func:`kasvudata_utils.research.spatial.moran_global` of growth.
    lisa_table : pandas.DataFrame
        :func:`kasvudata_utils.research.spatial.lisa` output (``area_code, cluster``).
    stability : pandas.DataFrame
        :func:`kasvudata_utils.research.spatial.lisa_stability` output.
    area : str
        The highlighted area (its municipalities are counted).
    synthetic : bool
        Add the synthetic-data caveat.

    Examples
    --------
    >>> from kasvudata_utils.research.spatial import MoranResult
    >>> m = MoranResult(0.3, -0.003, 8.0, 0.0001, 0.0, 290, 9999)
    >>> t = pd.DataFrame({"area_code": ["KU009", "KU564"], "cluster": ["HH", "ns"]})
    >>> s = pd.DataFrame({"seed": [1, 2], "n_significant": [1, 1]}); s.attrs.update(stable=True, permutations=9)
    >>> print(spatial_takeaways(m, t, s, "MK17", "en", synthetic=False).splitlines()[-1])
    - 1 of 2 municipalities are in a significant LISA cluster (FDR 5%): HH 1; in North Ostrobothnia: 1.
    """
    lang = labels.normalise_lang(lang)
    sig = lisa_table[lisa_table["cluster"] != "ns"]
    mine = sig[sig["area_code"].isin(areas.municipalities(area))]
    lines = [labels.t("takeaway_moran_sig" if moran.p_sim < alpha else "takeaway_moran_ns", lang, i=moran.I,
                      p=moran.p_sim, perm=moran.permutations),
             labels.t("takeaway_lisa", lang, n=len(sig), total=len(lisa_table), alpha=alpha,
                      counts=_counts(sig["cluster"]), area=areas.area_name(area, lang), n_area=len(mine))]
    if not stability.attrs.get("stable", True):
        lines.append(labels.t("takeaway_lisa_unstable", lang))
    if synthetic:
        lines.append(labels.t("takeaway_synthetic", lang))
    return _bullets(lines, lang)


def _planted_line(table: pd.DataFrame, which: str, lang: str) -> str:
    missed = table.loc[~table["covered"], "effect"].tolist()
    extra = labels.t("takeaway_planted_missed", lang, names=", ".join(missed)) if missed else ""
    return labels.t("takeaway_planted", lang, which=labels.t(f"takeaway_which_{which}", lang),
                    k=int(table["covered"].sum()), m=len(table), missed=extra)


def factor_takeaways(impacts: pd.DataFrame, model: str, lang: str = "fi", ambiguous: bool = False,
                     municipality_truth: pd.DataFrame | None = None, firm_truth: pd.DataFrame | None = None,
                     beta: pd.DataFrame | None = None, sigma_years: pd.DataFrame | None = None,
                     synthetic: bool = True, controls=("semi_urban", "rural")) -> str:
    """Notebook 11's takeaways from the chosen model's impacts, the planted-value checks and convergence.

    Parameters
    ----------
    impacts : pandas.DataFrame
        ``fit_spatial(...).attrs["impacts"]`` (``term, estimate, ci_low, ci_high``: total impacts).
    model : str
        The chosen model's name (``chosen["model"].iloc[0]``).
    ambiguous : bool
        The LM rule's ambiguous flag (``chosen.attrs["ambiguous"]``).
    municipality_truth, firm_truth : pandas.DataFrame, optional
        :func:`kasvudata_utils.research.factors.truth_table` outputs (synthetic data only).
    beta : pandas.DataFrame, optional
        :func:`kasvudata_utils.research.convergence.beta_convergence` output.
    sigma_years : pandas.DataFrame, optional
        The per-year table of :func:`kasvudata_utils.research.convergence.sigma_convergence`.
    controls : sequence of str
        Terms left out of the list of factors (controls, not levers).

    Examples
    --------
    >>> imp = pd.DataFrame({"term": ["distance_to_centre_100km", "rural"], "estimate": [-0.012, 0.01],
    ...                     "ci_low": [-0.02, 0.002], "ci_high": [-0.004, 0.02]})
    >>> print(factor_takeaways(imp, "OLS (HC3)", "en", synthetic=False).splitlines()[2].split("impact): ")[1])
    distance_to_centre_100km −0.0120 (−0.0200 … −0.0040).
    """
    lang = labels.normalise_lang(lang)
    lines = []
    if ambiguous:
        lines.append(labels.t("research_lm_ambiguous", lang))
    sig = impacts[~impacts["term"].isin(controls) & ((impacts["ci_low"] > 0) | (impacts["ci_high"] < 0))]
    items = [f"{r.term} {r.estimate:+.4f} ({r.ci_low:.4f} … {r.ci_high:.4f})".replace("-", "−")
             for r in sig.itertuples()]
    lines.append(labels.t("takeaway_factors_found", lang, model=model, items="; ".join(items)) if items
                 else labels.t("takeaway_factors_none", lang, model=model))
    if municipality_truth is not None and len(municipality_truth):
        lines.append(_planted_line(municipality_truth, "municipality", lang))
    if firm_truth is not None and len(firm_truth):
        lines.append(_planted_line(firm_truth, "firm", lang))
    if beta is not None:
        b = beta.set_index("term").loc["log_initial"]
        key = "takeaway_beta_sig" if b["ci_high"] < 0 else "takeaway_beta_ns"
        lines.append(labels.t(key, lang, beta=float(b["estimate"]), p=float(b["p_value"])))
    if sigma_years is not None and len(sigma_years) >= 2:
        first, last = sigma_years.iloc[0], sigma_years.iloc[-1]
        lines.append(labels.t("takeaway_sigma", lang, a=float(first["sigma_log"]), b=float(last["sigma_log"]),
                              y0=int(first["year"]), y1=int(last["year"]), n=len(sigma_years)))
    if synthetic:
        lines.append(labels.t("takeaway_synthetic", lang))
    return _bullets(lines, lang)


def support_takeaways(result: dict, lang: str = "fi", planted: float | None = None, synthetic: bool = True,
                      alpha: float = 0.05) -> str:
    """Notebook 12's takeaways from :func:`kasvudata_utils.research.support.evaluate_support`.

    The effect sentence says "significant" only where the interval excludes 0; a pre-trend (joint
    lead test or pre-window below ``alpha``) is stated before anything else is read; ``planted`` (the
    synthetic support effect) adds whether the interval holds it.

    Examples
    --------
    >>> did = pd.DataFrame({"term": ["support_effect", "pre_window"], "estimate": [0.035, -0.001],
    ...                     "ci_low": [0.02, -0.01], "ci_high": [0.05, 0.008], "p_value": [0.0, 0.8]})
    >>> r = {"did": did, "matches": pd.DataFrame({"pair_id": range(5)}), "honest": {"breakdown": 2.0,
    ...      "max_abs_lead": 0.01}, "leads_wald": {"statistic": 1.0, "df": 3, "p_value": 0.8}}
    >>> print(support_takeaways(r, "en", synthetic=False).splitlines()[3])
    - No sign of a pre-trend: joint test of the leads p = 0.800, pre-window p = 0.800.
    """
    lang = labels.normalise_lang(lang)
    d = result["did"].set_index("term")
    eff = d.loc["support_effect"]
    pre_p = float(d.loc["pre_window", "p_value"]) if "pre_window" in d.index else float("nan")
    wald = result["leads_wald"]
    lines = []
    sig = eff["ci_low"] > 0 or eff["ci_high"] < 0
    lines.append(labels.t("takeaway_support_sig" if sig else "takeaway_support_ns", lang, est=float(eff["estimate"]),
                          low=float(eff["ci_low"]), high=float(eff["ci_high"]), n=len(result["matches"])))
    if planted is not None:
        inside = eff["ci_low"] <= planted <= eff["ci_high"]
        lines.append(labels.t("research_planted_inside" if inside else "research_planted_outside", lang,
                              value=planted))
    bad = (wald["p_value"] < alpha) or (pre_p < alpha)
    lines.append(labels.t("takeaway_pretrend_bad" if bad else "takeaway_pretrend_ok", lang, p=wald["p_value"],
                          pp=pre_p))
    if sig and np.isfinite(result["honest"]["breakdown"]):
        lines.append(labels.t("research_honest", lang, m=result["honest"]["breakdown"],
                              lead=result["honest"]["max_abs_lead"]))
    if synthetic:
        lines.append(labels.t("takeaway_synthetic", lang))
    return _bullets(lines, lang)
