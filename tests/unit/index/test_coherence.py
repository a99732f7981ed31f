"""Tests of scripts.audit: JRC coherence audit, strengths/weaknesses, external validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from statsmodels.stats.anova import anova_lm

from scripts.core.errors import ConfigError, InputError
from scripts.index.coherence import (
    COHERENCE_COLUMNS,
    audit_coherence,
    coherence_by_year,
    coherence_summary,
    coherence_table,
    correlation_ratio,
    cronbach_alpha,
    mean_within,
    node_correlations,
    pairwise_cov,
    pca_first_share,
    within_year,
)
from scripts.index.engine import compute_index
from scripts.index.external import external_validation
from scripts.index.framework import load_framework
from scripts.index.strengths import strengths_weaknesses


def panel(columns: dict[str, list[float]], year: int = 2000) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    idx = pd.MultiIndex.from_arrays([[f"u{i}" for i in range(n)], [year] * n], names=["iso3", "year"])
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()}, index=idx)


# --- Cronbach's alpha --------------------------------------------------------------


def test_cronbach_alpha_hand_example() -> None:
    # Item variances (ddof=1): 5/3, 4/3, 8/3 -> 17/3; row totals 4, 7, 10, 13 -> 15.
    # alpha = 3/2 * (1 - (17/3)/15) = 14/15.
    df = panel({"x1": [1, 2, 3, 4], "x2": [2, 2, 4, 4], "x3": [1, 3, 3, 5]})
    assert cronbach_alpha(df) == pytest.approx(14 / 15, rel=1e-12)


def test_cronbach_alpha_complete_rows_drop_incomplete_rows() -> None:
    df = panel({"x1": [1, 2, 3, 4, 9], "x2": [2, 2, 4, 4, np.nan], "x3": [1, 3, 3, 5, 0]})
    assert cronbach_alpha(df, use="complete") == pytest.approx(14 / 15, rel=1e-12)
    assert cronbach_alpha(df) != pytest.approx(14 / 15, rel=1e-3)  # the default uses row 5 too


def test_cronbach_alpha_pairwise_by_hand() -> None:
    # var(a) over 1, 2, 3 = 1; var(b) over 2, 4, 6 = 4; cov(a, b) over rows 1 and 3
    # ((1, 2) and (3, 4)) = 2. Sum of C = 1 + 4 + 2 * 2 = 9: alpha = 2 * (1 - 5/9) = 8/9.
    # Complete rows (1 and 3): variances 2 and 2, covariance 2: alpha = 2 * (1 - 4/8) = 1.
    df = panel({"a": [1, 2, 3, np.nan], "b": [2, np.nan, 4, 6]})
    assert cronbach_alpha(df) == pytest.approx(8 / 9, rel=1e-12)
    assert cronbach_alpha(df, use="complete") == pytest.approx(1.0, rel=1e-12)


def test_pairwise_covariance_equals_pandas() -> None:
    # pandas' DataFrame.cov uses pairwise-complete observations too: an independent implementation.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 5))
    x[rng.random((40, 5)) < 0.2] = np.nan
    x[:, 4] = np.nan
    x[0, 4] = 1.0  # a column with one value: its entries are NaN (fewer than 2 pairs)
    ours = pairwise_cov(x)
    theirs = pd.DataFrame(x).cov(min_periods=2).to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    assert np.isnan(ours[4]).all()


def test_cronbach_alpha_degenerate() -> None:
    assert np.isnan(cronbach_alpha(panel({"x": [1, 2, 3]})))
    assert np.isnan(cronbach_alpha(panel({"x": [1, 2, 3], "y": [3, 2, 1]})))  # totals constant
    # Negatively related items give a negative alpha.
    assert cronbach_alpha(panel({"x": [1, 2, 3], "y": [3.5, 2, 0]})) < 0


# --- First principal component -----------------------------------------------------


def test_pca_first_share_two_children_is_half_one_plus_r() -> None:
    # r = 4/5 for these two, and the eigenvalues of [[1, r], [r, 1]] are 1 +/- r.
    df = panel({"x": [1, 2, 3, 4], "y": [1, 3, 2, 4]})
    assert pca_first_share(df) == pytest.approx((1 + 0.8) / 2, rel=1e-12)


def test_pca_first_share_matches_sklearn_and_eigvalsh() -> None:
    rng = np.random.default_rng(3)
    f = rng.normal(size=30)
    df = panel({"a": f + rng.normal(size=30), "b": 2 * f + rng.normal(size=30), "c": rng.normal(size=30) * 10})
    df.iloc[4, 1] = np.nan
    cc = df.dropna().to_numpy()
    ref = PCA().fit(StandardScaler().fit_transform(cc)).explained_variance_ratio_[0]
    eig = np.linalg.eigvalsh(np.corrcoef(cc, rowvar=False))
    assert pca_first_share(df) == pytest.approx(ref, rel=1e-10)
    assert pca_first_share(df) == pytest.approx(eig.max() / 3, rel=1e-10)


def test_pca_first_share_degenerate() -> None:
    assert pca_first_share(panel({"x": [1, 2, 3]})) == 1.0
    assert np.isnan(pca_first_share(panel({"x": [1, 2, 3], "y": [1, 1, 1]})))


# --- Correlation ratio ----------------------------------------------------------------


def test_correlation_ratio_hand_example() -> None:
    # Bins {1,2} {3,4} {5,6}: means 2, 4, 6 around 4 -> SS_between = 2*(4+0+4) = 16;
    # SS_total = 9+1+4+4+1+9 = 28; eta^2 = 16/28.
    x = pd.Series([1.0, 2, 3, 4, 5, 6])
    y = pd.Series([1.0, 3, 2, 6, 5, 7])
    assert correlation_ratio(x, y, n_bins=3) == pytest.approx(4 / 7, rel=1e-12)


def test_correlation_ratio_matches_one_way_anova() -> None:
    rng = np.random.default_rng(5)
    x = pd.Series(rng.normal(size=40))
    y = pd.Series(np.sin(2 * x) + rng.normal(scale=0.3, size=40))
    groups = np.repeat(np.arange(4), 10)[np.argsort(np.argsort(x.to_numpy()))]  # 4 equal bins
    tab = anova_lm(smf.ols("y ~ C(g)", data=pd.DataFrame({"y": y, "g": groups})).fit())
    ref = tab["sum_sq"].iloc[0] / tab["sum_sq"].sum()
    assert correlation_ratio(x, y, n_bins=4) == pytest.approx(ref, rel=1e-10)


def test_correlation_ratio_sees_non_monotone_dependence_and_keeps_ties_together() -> None:
    x = pd.Series([1.0, 2, 3, 4, 5, 6])
    y = (x - 3.5) ** 2
    assert stats.pearsonr(x, y).statistic == pytest.approx(0.0, abs=1e-12)
    yb = y.to_numpy()
    means = np.repeat([yb[:2].mean(), yb[2:4].mean(), yb[4:].mean()], 2)
    expected = ((means - yb.mean()) ** 2).sum() / ((yb - yb.mean()) ** 2).sum()
    assert correlation_ratio(x, y, n_bins=3) == pytest.approx(expected, rel=1e-12)
    # Average ranks 1, 3, 3, 3, 5, 6 put the three tied 2s in the first of two bins:
    # means 2.5 (4 rows) and 5.5 (2 rows) around 3.5 -> 12 / 17.5.
    xt = pd.Series([1.0, 2, 2, 2, 3, 4])
    assert correlation_ratio(xt, pd.Series([1.0, 2, 3, 4, 5, 6]), n_bins=2) == pytest.approx(12 / 17.5)
    with pytest.raises(ConfigError):
        correlation_ratio(x, y, n_bins=0)


# --- Coherence table -----------------------------------------------------------------

XA = [1.0, 2, 3, 4, 5, 6, 7, 8]
XB = [1.1, 2.0, 2.9, 4.2, 4.8, 6.1, 7.0, 7.9]  # nearly a copy of A
XC = [6.0, 8, 3, 7, 2, 5, 1, 4]  # against A and B (r about -0.55), with D (+0.66)
XD = [3.0, 5, 1, 4, 2, 5, 3, 2]  # nearly unrelated to A and B


@pytest.fixture
def audit_inputs() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    children = panel({"a": XA, "b": XB, "c": XC, "d": XD})
    parent = (children["a"] + children["b"] + children["d"]) / 3
    weights = pd.Series({"a": 1.0, "b": 1.0, "c": 1.0, "d": 2.0})
    return children, parent, weights


def test_coherence_table_correlations_match_scipy(audit_inputs) -> None:
    children, parent, weights = audit_inputs
    t = coherence_table(children, parent, weights, "pillar").set_index("indicator")
    assert list(t.reset_index().columns) == ["indicator", *[c for c in COHERENCE_COLUMNS if c != "indicator"]]
    for name in "abcd":
        assert t.loc[name, "pearson"] == pytest.approx(stats.pearsonr(children[name], parent).statistic)
        assert t.loc[name, "spearman"] == pytest.approx(stats.spearmanr(children[name], parent).statistic)
        assert t.loc[name, "n"] == 8
    assert (t["parent"] == "pillar").all()
    r2 = np.array([stats.pearsonr(children[n], parent).statistic ** 2 for n in "abcd"])
    np.testing.assert_allclose(t["r2"], r2)
    np.testing.assert_allclose(t["importance_r2"], r2 / r2.sum())
    eta = np.array([correlation_ratio(children[n], parent, 5) for n in "abcd"])
    np.testing.assert_allclose(t["eta2"], eta)
    np.testing.assert_allclose(t["importance_eta2"], eta / eta.sum())
    np.testing.assert_allclose(t["weight_share"], [0.2, 0.2, 0.2, 0.4])


def test_coherence_table_flags(audit_inputs) -> None:
    children, parent, weights = audit_inputs
    t = coherence_table(children, parent, weights, "pillar").set_index("indicator")
    r_ab = stats.pearsonr(XA, XB).statistic
    assert r_ab > 0.9
    assert t.loc["a", "collinear_with"] == "b" and t.loc["b", "collinear_with"] == "a"
    assert list(t["collinear"]) == [True, True, False, False]
    assert list(t["collinear_with"]) == ["b", "a", "", ""]
    assert stats.pearsonr(XC, parent).statistic < 0
    assert t.loc["c", "negative_parent"] and t.loc["c", "silent"]
    assert t.loc["c", "negative_with"] == "a, b"  # positive with d
    assert stats.pearsonr(XD, XA).statistic < 0 and stats.pearsonr(XD, XB).statistic < 0
    assert t.loc["a", "negative_with"] == "c, d"
    assert t.loc["a", "negative"] and t.loc["c", "negative"]
    assert 0 < stats.pearsonr(XD, parent).statistic < 0.3
    assert t.loc["d", "silent"] and not t.loc["d", "negative_parent"]
    assert not t.loc["a", "silent"] and not t.loc["b", "silent"]
    # Raising the thresholds switches the flags.
    t2 = coherence_table(children, parent, weights, "pillar", collinear=0.999, silent=-1.0)
    t2 = t2.set_index("indicator")
    assert not t2["collinear"].any() and not t2["silent"].any()


def test_coherence_table_pairwise_missing_constant_and_missing_weight() -> None:
    children = panel({"a": [1.0, 2, np.nan, 4, 5, 6], "k": [2.0] * 6})
    parent = pd.Series([1.0, 2.5, 3, 3.5, 5, 7], index=children.index)
    t = coherence_table(children, parent, pd.Series({"a": 1.0}), "p").set_index("indicator")
    keep = ~np.isnan(children["a"].to_numpy())
    assert t.loc["a", "n"] == 5
    assert t.loc["a", "pearson"] == pytest.approx(stats.pearsonr(children["a"][keep], parent[keep]).statistic)
    assert np.isnan(t.loc["k", "pearson"]) and t.loc["k", "silent"]  # constant: undefined, flagged silent
    assert np.isnan(t.loc["k", "weight"]) and t.loc["a", "weight_share"] == 1.0


def test_coherence_table_strong_negative_pair_is_collinear() -> None:
    children = panel({"a": XA, "m": [-v for v in XA], "d": XD})
    parent = children.mean(axis=1)
    t = coherence_table(children, parent, pd.Series(dtype=float), "p").set_index("indicator")
    assert t.loc["a", "collinear_with"] == "m" and t.loc["m", "collinear_with"] == "a"
    assert "m" in t.loc["a", "negative_with"]
    assert np.isnan(t["weight_share"]).all()


def test_coherence_table_spearman_flags() -> None:
    # Monotone but very non-linear child: Pearson with the parent below 0.3, Spearman 1.
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 1000])
    children = panel({"x": x, "y": np.arange(8.0)})
    parent = pd.Series(-np.exp(-np.arange(8.0)), index=children.index)
    assert stats.pearsonr(x, parent).statistic < 0.3
    w = pd.Series({"x": 1.0, "y": 1.0})
    assert coherence_table(children, parent, w, "p").set_index("indicator").loc["x", "silent"]
    ts = coherence_table(children, parent, w, "p", flag_on="spearman").set_index("indicator")
    assert not ts.loc["x", "silent"] and ts.loc["x", "collinear_with"] == "y"


def test_coherence_summary(audit_inputs) -> None:
    children, _, _ = audit_inputs
    s = coherence_summary(children, "pillar")
    assert len(s) == 1
    row = s.iloc[0]
    assert row["parent"] == "pillar" and row["k"] == 4 and row["n"] == 8
    assert row["alpha"] == pytest.approx(cronbach_alpha(children))
    assert row["pc1_share"] == pytest.approx(pca_first_share(children))
    assert row["alpha_ok"] == (row["alpha"] >= 0.7) and row["pc1_ok"] == (row["pc1_share"] >= 0.6)
    good = coherence_summary(children[["a", "b"]], "ab").iloc[0]
    assert good["alpha_ok"] and good["pc1_ok"]


# --- Strengths and weaknesses ------------------------------------------------------


@pytest.fixture
def scores() -> pd.DataFrame:
    idx = pd.MultiIndex.from_tuples(
        [("A", 2000), ("B", 2000), ("C", 2000), ("A", 2001), ("B", 2001)], names=["iso3", "year"]
    )
    return pd.DataFrame(
        {
            "i1": [90.0, 80, 70, 1, 2],
            "i2": [10.0, 20, 30, 2, 1],
            "i3": [50.0, 60, 40, 3, np.nan],
            "i4": [70.0, 10, 90, 4, 5],
        },
        index=idx,
    )


def test_strengths_weaknesses_hand_ranks(scores) -> None:
    # 2000 ranks: A [1, 3, 2, 2], B [2, 2, 1, 3], C [3, 1, 3, 1]
    # 2001 ranks: A [2, 1, 1, 2], B [1, 2, -, 1]
    out = strengths_weaknesses(scores, n=2)
    assert list(out.columns) == ["iso3", "year", "kind", "position", "indicator", "rank", "value"]

    def pick(unit: str, year: int, kind: str) -> list[tuple[str, float]]:
        sel = out[(out["iso3"] == unit) & (out["year"] == year) & (out["kind"] == kind)]
        assert list(sel["position"]) == list(range(1, len(sel) + 1))
        return list(zip(sel["indicator"], sel["rank"]))

    assert pick("A", 2000, "strength") == [("i1", 1), ("i3", 2)]  # i3/i4 tie: column order
    assert pick("A", 2000, "weakness") == [("i2", 3), ("i3", 2)]
    assert pick("B", 2000, "strength") == [("i3", 1), ("i1", 2)]
    assert pick("B", 2000, "weakness") == [("i4", 3), ("i1", 2)]
    assert pick("C", 2000, "weakness") == [("i1", 3), ("i3", 3)]
    assert pick("A", 2001, "strength") == [("i2", 1), ("i3", 1)]
    assert pick("B", 2001, "strength") == [("i1", 1), ("i4", 1)]
    assert pick("B", 2001, "weakness") == [("i2", 2), ("i1", 1)]
    row = out[(out["iso3"] == "A") & (out["year"] == 2000) & (out["indicator"] == "i2")]
    assert row["value"].tolist() == [10.0]
    # Rows follow the input order, strengths before weaknesses.
    assert list(out["iso3"])[:4] == ["A"] * 4 and list(out["kind"])[:4] == ["strength"] * 2 + ["weakness"] * 2


def test_strengths_weaknesses_missing_and_given_ranks(scores) -> None:
    out = strengths_weaknesses(scores, n=10)
    b01 = out[(out["iso3"] == "B") & (out["year"] == 2001)]
    assert (b01["kind"] == "strength").sum() == 3  # i3 is missing
    assert "i3" not in set(b01["indicator"])
    given_ranks = scores.rank(axis=1)  # any rank table: 1 = best
    out2 = strengths_weaknesses(scores, ranks=given_ranks, n=1)
    a00 = out2[(out2["iso3"] == "A") & (out2["year"] == 2000)]
    assert list(zip(a00["kind"], a00["indicator"])) == [("strength", "i2"), ("weakness", "i1")]


def test_strengths_weaknesses_ties_keep_column_order_with_many_indicators() -> None:
    # 40 indicators in three rank classes: a pattern on which numpy's default (unstable)
    # sort returns the tied best columns out of column order.
    pattern = [2, 1, 1, 0, 0, 0, 0, 0, 0, 2, 1, 2, 1, 1, 2, 2, 1, 1, 1, 2,
               0, 2, 2, 0, 1, 2, 1, 0, 2, 2, 2, 0, 0, 2, 0, 1, 0, 0, 1, 1]  # fmt: skip
    idx = pd.MultiIndex.from_tuples([("A", 2000)], names=["iso3", "year"])
    cols = [f"i{j:02d}" for j in range(40)]
    ranks = pd.DataFrame([np.array(pattern, dtype=float) + 1], index=idx, columns=cols)
    out = strengths_weaknesses(ranks * 0.0, ranks=ranks, n=3)
    assert list(out.loc[out["kind"] == "strength", "indicator"]) == ["i03", "i04", "i05"]
    assert list(out.loc[out["kind"] == "weakness", "indicator"]) == ["i00", "i09", "i11"]


# --- External validation -------------------------------------------------------------


def test_external_validation_matches_scipy_and_counts_units() -> None:
    ours = pd.Series({"A": 5.0, "B": 1.0, "C": 2.0, "D": 4.0, "E": 3.0, "F": 6.5, "G": 9.0})
    pub = pd.Series({"A": np.nan, "B": 10.0, "C": 30.0, "D": 20.0, "E": 40.0, "F": 60.0, "H": 1.0, "I": 2.0})
    row = external_validation(ours, pub, "IDI 2017")
    common = ["B", "C", "D", "E", "F"]
    sp = stats.spearmanr(ours[common], pub[common])
    pe = stats.pearsonr(ours[common], pub[common])
    assert row["label"] == "IDI 2017"
    assert (row["n_common"], row["n_only_ours"], row["n_only_published"]) == (5, 2, 2)
    assert row["spearman_rho"] == pytest.approx(sp.statistic)
    assert row["spearman_p"] == pytest.approx(sp.pvalue)
    assert row["pearson_r"] == pytest.approx(pe.statistic) and row["pearson_p"] == pytest.approx(pe.pvalue)
    # Hand check of rho: ranks ours (1,2,4,3,5) vs published (1,3,2,4,5): sum d^2 = 6.
    assert row["spearman_rho"] == pytest.approx(1 - 6 * 6 / (5 * 24))


def test_external_validation_too_few_and_duplicates() -> None:
    row = external_validation(pd.Series({"A": 1.0, "B": 2.0}), pd.Series({"A": 3.0, "B": 1.0}), "x")
    assert row["n_common"] == 2 and np.isnan(row["spearman_rho"]) and np.isnan(row["pearson_p"])
    with pytest.raises(InputError, match="more than once"):
        external_validation(pd.Series([1.0, 2.0, 3.0], index=["A", "A", "B"]), pd.Series({"A": 1.0}), "x")


# --- Within-year correlations --------------------------------------------------------


def test_within_year_correlations_remove_a_shared_trend() -> None:
    # Within each year x and y are perfectly opposed; a common jump of 10 between the years makes
    # the pooled correlation strongly positive: the diffusion-trend artefact the audit reports.
    idx = pd.MultiIndex.from_product([["A", "B", "C"], [2000, 2001]], names=["iso3", "year"])
    frame = pd.DataFrame({"x": [1, 11, 2, 12, 3, 13], "y": [3, 13, 2, 12, 1, 11]}, index=idx, dtype=float)
    by_year = within_year(frame, [("x", "y")])
    assert by_year["year"].tolist() == [2000, 2001] and by_year["n"].tolist() == [3, 3]
    assert by_year["pearson"].tolist() == pytest.approx([-1.0, -1.0]) and by_year["spearman"].tolist() == [-1.0, -1.0]
    assert stats.pearsonr(frame["x"], frame["y"])[0] > 0.9
    m = mean_within(by_year, ["a", "b"]).iloc[0]
    assert (m["n_years"], m["spearman_within"], m["spearman_within_min"]) == (2, -1.0, -1.0)


def test_node_correlations_and_coherence_by_year_match_scipy() -> None:
    rng = np.random.default_rng(11)
    idx = pd.MultiIndex.from_product([[f"U{i}" for i in range(12)], [2000, 2001, 2002]], names=["iso3", "year"])
    data = pd.DataFrame(rng.uniform(0, 10, (36, 4)), index=idx, columns=["a", "b", "c", "d"])
    fw = load_framework(
        pd.DataFrame(
            {
                "node": ["root", "p", "q", "a", "b", "c", "d"],
                "parent": ["", "root", "root", "p", "p", "q", "q"],
                "weight": [1.0] * 7,
                "direction": [np.nan, np.nan, np.nan, 1, 1, 1, 1],
                "name": list("rpqabcd"),
            }
        )
    )
    res = compute_index(data, fw)
    nc = node_correlations(res).set_index(["node", "other"])
    s = res.node_scores
    assert nc.loc[("p", "q"), "spearman"] == pytest.approx(stats.spearmanr(s["p"], s["q"])[0], abs=1e-12)
    yearly = [stats.spearmanr(g["p"], g["q"])[0] for _, g in s.groupby(level="year")]
    assert nc.loc[("p", "q"), "spearman_within"] == pytest.approx(np.mean(yearly), abs=1e-12)
    assert nc.loc[("q", "p"), "pearson_within"] == nc.loc[("p", "q"), "pearson_within"]
    by_year = coherence_by_year(res)
    assert len(by_year) == 6 * 3  # six parent-child pairs, three years
    row = by_year[(by_year["parent"] == "p") & (by_year["indicator"] == "a") & (by_year["year"] == 2001)].iloc[0]
    g = s.xs(2001, level="year")
    assert row["pearson"] == pytest.approx(stats.pearsonr(g["a"], g["p"])[0], abs=1e-12)
    table, _ = audit_coherence(res, silent=0.3, collinear=0.9, alpha_wanted=0.7, pc1_wanted=0.6)
    t = table.set_index(["parent", "indicator"])
    assert t.loc[("p", "a"), "spearman_within"] == pytest.approx(
        np.mean([stats.spearmanr(g["a"], g["p"])[0] for _, g in s.groupby(level="year")]), abs=1e-12
    )
