"""Need for social services per municipality, target group and service type.

Need is estimated from the population's age bands and a table of norms: how
many people per 1,000 of an age band need a service type (``kpwork/data/norms.csv``,
each norm with its source or marked as an assumption). A region may override
or extend the norms with its own ``norms.csv`` and correct the estimate with
a needs survey (``pruzkum.csv``). See ``docs/method.md``.
"""

from __future__ import annotations

import logging
from importlib import resources

import numpy as np
import pandas as pd

from kpwork import sheets as sh
from kpwork.errors import InvalidParameter
from kpwork.region.model import Region
from kpwork.taxonomy import DEFAULT_VOCABULARY, Vocabulary, planning_unit

log = logging.getLogger(__name__)

NORM_COLUMNS = ("druh", "cilova_skupina", "pasmo", "na_1000")
#: Optional column of norms.csv: the share of the band the norm applies to (default 1).
SHARE_COLUMN = "podil_pasma"
SURVEY_COLUMNS = ("kod_obce", "respondenti", "podil")

#: Weight of the norm in the survey correction, in respondents: a survey of
#: this many people counts as much as the norm (see :func:`apply_survey`).
NORM_PSEUDO_RESPONDENTS = 30


def default_norms() -> pd.DataFrame:
    """The norms shipped with kpwork (``kpwork/data/norms.csv``).

    Columns: ``druh`` (paragraph code), ``cilova_skupina`` (target-group
    code), ``pasmo`` (a ``vek_*`` band or ``obyvatele`` for everyone),
    ``na_1000`` (need per 1,000 of the apportioned band, in the type's planning
    unit), ``podil_pasma`` (the share of the band the norm applies to, e.g.
    ages 0-6 of ``vek_0_14``; 1 when the whole band) and ``zdroj``.
    """
    with resources.files("kpwork.data").joinpath("norms.csv").open(encoding="utf-8") as f:
        sheet = sh.read_csv_text(f.read(), "kpwork/data/norms.csv")
    problems = sh.ProblemLog()
    norms = _parse_norm_sheet(sheet, problems, bands=None, vocabulary=DEFAULT_VOCABULARY)
    if problems:
        raise InvalidParameter("the shipped norms are invalid:\n" + "\n".join(map(str, problems.problems)))
    return norms


def parse_norms(sheets: dict[str, sh.Sheet], region: Region, problems: sh.ProblemLog) -> pd.DataFrame:
    """Parse a region's ``norms.csv``; its rows replace or extend the defaults.

    A row replaces the default with the same ``druh``, ``cilova_skupina`` and
    ``pasmo``; other rows are added. ``na_1000 = 0`` switches a default off.
    """
    sheet = next(iter(sheets.values()))
    bands = set(region.age_bands) | {"obyvatele"}
    return _parse_norm_sheet(sheet, problems, bands=bands, vocabulary=region.vocabulary)


def _parse_norm_sheet(sheet: sh.Sheet, problems: sh.ProblemLog, *, bands: set[str] | None, vocabulary: Vocabulary) -> pd.DataFrame:
    if not sh.require_columns(sheet, NORM_COLUMNS, problems):
        return pd.DataFrame(columns=[*NORM_COLUMNS, "zdroj"])
    out = pd.DataFrame({
        "druh": sh.parse_column(sheet, "druh", vocabulary.service_type, problems, expected="a service type"),
        "cilova_skupina": sh.parse_column(sheet, "cilova_skupina", vocabulary.target_group, problems, expected="a target group"),
        "pasmo": sh.parse_column(sheet, "pasmo", _band(bands), problems, expected="an age band column such as vek_80_plus"),
        "na_1000": sh.parse_column(sheet, "na_1000", sh.non_negative, problems, expected="people per 1,000 >= 0"),
    })
    if SHARE_COLUMN in sheet.frame:
        out[SHARE_COLUMN] = sh.parse_column(sheet, SHARE_COLUMN, band_share, problems, required=False, default=1.0)
    else:
        out[SHARE_COLUMN] = 1.0
    out["zdroj"] = sheet.frame["zdroj"].tolist() if "zdroj" in sheet.frame else ""
    key = out[["druh", "cilova_skupina", "pasmo"]]
    for i in np.flatnonzero(key.duplicated().to_numpy()):
        problems.add(sheet.file, sheet.row(int(i)), "pasmo", "duplicate norm for the same druh, cilova_skupina and pasmo")
    return out


def _band(bands: set[str] | None):
    def parse(text: str) -> str:
        band = sh.normalise_header(text)
        if not (band == "obyvatele" or band.startswith("vek_")):
            raise ValueError(f"expected an age band such as vek_80_plus or obyvatele, got '{text}'")
        if bands is not None and band not in bands:
            raise ValueError(f"no age band '{band}' in population (bands: {', '.join(sorted(bands))})")
        return band

    return parse


def band_share(text: str) -> float:
    """The share of an age band a norm applies to: ``0,6``, ``0.6`` or a fraction ``9/15``.

    Raises ``ValueError`` unless 0 < share <= 1.

    Examples
    --------
    >>> band_share("7/15") == 7 / 15, band_share("0,24")
    (True, 0.24)
    """
    numerator, _, denominator = text.partition("/")
    value = sh.parse_number(numerator) / (sh.parse_number(denominator) if denominator else 1.0)
    if not 0 < value <= 1:
        raise ValueError(f"expected a share of the band, 0 < podil_pasma <= 1 (e.g. 0,6 or 9/15), got '{text}'")
    return value


def parse_survey(sheets: dict[str, sh.Sheet], region: Region, problems: sh.ProblemLog) -> pd.DataFrame:
    """Parse ``pruzkum.csv``: needs-survey results per municipality.

    Columns ``kod_obce``, ``druh`` and/or ``cilova_skupina`` (at least one),
    ``respondenti`` (people asked) and ``podil`` (share of them in need, 0-1
    or a percentage such as ``12 %``).
    """
    sheet = next(iter(sheets.values()))
    if not sh.require_columns(sheet, SURVEY_COLUMNS, problems):
        return pd.DataFrame()
    frame = sheet.frame
    if "druh" not in frame and "cilova_skupina" not in frame:
        problems.add(sheet.file, 1, "druh", "give druh, cilova_skupina or both")
        return pd.DataFrame()
    out = pd.DataFrame({"kod_obce": sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="a 6-digit code")})
    for column, parse in (("druh", region.vocabulary.service_type), ("cilova_skupina", region.vocabulary.target_group)):
        out[column] = sh.parse_column(sheet, column, parse, problems, required=False, default="") if column in frame else ""
    out["respondenti"] = sh.parse_column(sheet, "respondenti", sh.non_negative_int, problems, expected="a number of respondents")
    out["podil"] = sh.parse_column(sheet, "podil", _share, problems, expected="a share 0-1 or a percentage")
    for i, code in enumerate(out["kod_obce"]):
        if code is not None and code not in region.members:
            problems.add(sheet.file, sheet.row(i), "kod_obce", f"{code} is not a member of the region")
    return out


def _share(text: str) -> float:
    percent = text.strip().endswith("%")
    value = sh.parse_number(text.strip().rstrip("%").strip())
    value = value / 100 if percent or value > 1 else value
    if not 0 <= value <= 1:
        raise ValueError(f"expected a share between 0 and 1 (or 0-100 %), got '{text}'")
    return value


def combine_norms(default: pd.DataFrame, override: pd.DataFrame | None) -> pd.DataFrame:
    """Defaults with a region's rows replacing those of the same key.

    Examples
    --------
    >>> d = pd.DataFrame({"druh": ["40"], "cilova_skupina": ["seniori"], "pasmo": ["vek_80_plus"], "na_1000": [100.0], "zdroj": ["x"]})
    >>> o = d.assign(na_1000=[120.0], zdroj=["region"])
    >>> combine_norms(d, o)["na_1000"].tolist()
    [120.0]
    """
    if override is None or override.empty:
        return default.reset_index(drop=True)
    key = ["druh", "cilova_skupina", "pasmo"]
    kept = default.merge(override[key], on=key, how="left", indicator=True)
    kept = kept.loc[kept["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([kept, override], ignore_index=True)


def estimate_need(population: pd.DataFrame, norms: pd.DataFrame) -> pd.DataFrame:
    """People needing each service type, per municipality and target group.

    Parameters
    ----------
    population
        One row per municipality, index ``kod_obce``, with the ``vek_*``
        bands (and ``obyvatele``), e.g. :meth:`Region.latest_population`.
    norms
        ``druh``, ``cilova_skupina``, ``pasmo``, ``na_1000`` and optionally
        ``podil_pasma`` (missing or empty: 1).

    Returns
    -------
    DataFrame
        Long table ``kod_obce``, ``cilova_skupina``, ``druh``, ``potreba``
        (float) and ``jednotka``, sorted by the keys.

    Notes
    -----
    :math:`potreba_{m,g,d} = \\sum_b P_{m,b} \\cdot s_{g,d,b} \\cdot n_{g,d,b} / 1000`
    over the bands :math:`b` that have a norm for group :math:`g` and type
    :math:`d`, with :math:`s` the share of the band the norm applies to
    (``podil_pasma``, e.g. 9/15 for ages 6-14 of ``vek_0_14``).
    Every norm counts in the unit its type is planned in
    (:func:`kpwork.taxonomy.planning_unit`: beds for homes, clients for home
    care, families for §65), so ``potreba`` is in ``jednotka``.

    Examples
    --------
    >>> pop = pd.DataFrame({"vek_80_plus": [40, 10]}, index=pd.Index(["585599", "588318"], name="kod_obce"))
    >>> norms = pd.DataFrame({"druh": ["40"], "cilova_skupina": ["seniori"], "pasmo": ["vek_80_plus"], "na_1000": [100.0]})
    >>> estimate_need(pop, norms)["potreba"].tolist()
    [4.0, 1.0]
    """
    missing = sorted(set(norms["pasmo"]) - set(population.columns))
    if missing:
        raise InvalidParameter(f"norms use age bands not in population: {', '.join(missing)}")
    bands = population[sorted(set(norms["pasmo"]))].rename_axis("kod_obce").reset_index()
    long = bands.melt(id_vars="kod_obce", var_name="pasmo", value_name="lide")
    need = long.merge(norms[["druh", "cilova_skupina", "pasmo", "na_1000"]].assign(podil=_shares(norms)), on="pasmo")
    need["potreba"] = need["lide"] * need["podil"] * need["na_1000"] / 1000.0
    need = need.groupby(["kod_obce", "cilova_skupina", "druh"], as_index=False)["potreba"].sum()
    need["jednotka"] = need["druh"].map(planning_unit)
    return need.sort_values(["kod_obce", "cilova_skupina", "druh"], ignore_index=True)


def _shares(norms: pd.DataFrame) -> np.ndarray:
    """``podil_pasma`` of each norm row, 1 where the column or the value is missing."""
    if SHARE_COLUMN not in norms:
        return np.ones(len(norms))
    return pd.to_numeric(norms[SHARE_COLUMN]).fillna(1.0).to_numpy()


def apply_survey(need: pd.DataFrame, survey: pd.DataFrame, population: pd.DataFrame, norms: pd.DataFrame) -> pd.DataFrame:
    """Correct the norm-based need with needs-survey results.

    Notes
    -----
    For a municipality :math:`m` and the need rows a survey row matches (same
    ``druh`` and/or ``cilova_skupina``), the survey estimate is
    :math:`S = podil \\cdot P`, where :math:`P` is the population of the age
    bands the matching norms use, each times its ``podil_pasma``. The
    corrected need is the weighted mean
    :math:`(n \\cdot S + k \\cdot N) / (n + k)` of the survey estimate and the
    norm estimate :math:`N`, with :math:`n` respondents and :math:`k` =
    ``NORM_PSEUDO_RESPONDENTS``: a small survey moves the estimate a little,
    a large one a lot. Rows the survey does not touch keep ``zdroj = "norma"``.
    """
    out = need.copy()
    out["zdroj"] = "norma"
    if survey is None or survey.empty:
        return out
    for _, row in survey.iterrows():
        mask = out["kod_obce"] == row["kod_obce"]
        if row["druh"]:
            mask &= out["druh"] == row["druh"]
        if row["cilova_skupina"]:
            mask &= out["cilova_skupina"] == row["cilova_skupina"]
        if not mask.any():
            log.info("survey row for %s matches no need row", row["kod_obce"])
            continue
        for idx in np.flatnonzero(mask.to_numpy()):
            target = out.iloc[idx]
            used = (norms["druh"] == target["druh"]) & (norms["cilova_skupina"] == target["cilova_skupina"])
            bands = population.loc[target["kod_obce"], norms.loc[used, "pasmo"].tolist()].to_numpy(dtype=float)
            base = float((bands * _shares(norms.loc[used])).sum())
            n, k = row["respondenti"], NORM_PSEUDO_RESPONDENTS
            corrected = (n * row["podil"] * base + k * target["potreba"]) / (n + k)
            out.iat[idx, out.columns.get_loc("potreba")] = corrected
            out.iat[idx, out.columns.get_loc("zdroj")] = "norma+pruzkum"
    return out


def region_need(region: Region) -> pd.DataFrame:
    """Need of every member of a region: norms (with the region's overrides) and survey.

    Returns the long table of :func:`estimate_need` with ``zdroj``.
    """
    norms = combine_norms(default_norms(), region.extras.get("norms"))
    population = region.latest_population()
    need = estimate_need(population, norms.loc[norms["pasmo"].isin(set(population.columns))])
    return apply_survey(need, region.extras.get("survey"), population, norms)
