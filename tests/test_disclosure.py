"""Disclosure control: the rules, and an attacker who reads every public page of a run.

The attack runs on a synthetic region of 30 villages whose usage is rewritten
to many counts of 1 to 4 clients, with five shared services split by usage,
by a mix with hours of care, and on a cost model that counts clients. The
attacker knows everything a curious reader could: the public pages, the
population, the services and their capacities, ``funding.csv`` with its
weights and cost model, the map; and, to be on the safe side, every service's
total of clients. From every number on the pages that depends on clients
(a load, an amount by usage, a cost-game value, a stand-alone cost, a
group's payment, a row or column total, a pooled row) it builds a linear
equation in the unknown clients (or hours) of the members, and then bounds
each protected count by linear programming under those equations,
``count >= 0``, what the documented pooling rule tells (a pooled member
has fewer than 5 clients, or at most as many as the fewest of a member shown)
and which members have no client at all (a villager knows that much).
A count of 1 to 4 is disclosed when its bounds are less than one apart. The same attacker on the internal council workbook finds them,
so the attacker works.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from kpwork.disclosure import (
    cuts_pool,
    depends_on_clients,
    funding_pools,
    is_small,
    latest_clients,
    pooled_members,
    small,
)
from kpwork.pages import format as fmt
from kpwork.pages import funding as funding_pages
from kpwork.pages import meeting
from kpwork.pages.element import Table
from kpwork.pages.labels import METHODS as METHOD_LABELS
from kpwork.results import load
from kpwork.synth import synthesize_region

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "otrokovicko"


# --- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (0.2, "<5"), (1, "<5"), (4.49, "<5"), (4.6, "<5"), (5, "5"), (17.6, "18"), (float("nan"), "–")])
def test_real_counts_of_one_to_four_are_masked_before_rounding(value, shown):
    # 4.6 clients would print as 5: the rule judges the raw count
    assert is_small(value) == (shown == "<5")
    assert fmt.real_count(value, "cs", None) == shown


def test_small_is_the_rule_of_a_column():
    assert small(pd.Series([0, 1, 4, 5, None, 4.6])).tolist() == [False, True, True, False, False, True]


def test_latest_clients_per_service_and_member():
    usage = pd.DataFrame({"sluzba_id": ["S1", "S1", "S1", "S2", "S2"], "kod_obce": ["1", "2", "2", "1", "1"],
                          "klienti": [3, 8, 2, 4, 1], "rok": [2024, 2024, 2023, None, None]})
    clients = latest_clients(usage)
    assert clients.to_dict() == {("S1", "1"): 3.0, ("S1", "2"): 8.0, ("S2", "1"): 5.0}


@pytest.mark.parametrize(
    ("clients", "pooled"),
    [
        ({"A": 109, "B": 1, "C": 2, "D": 6}, ["B", "C", "D"]),  # the sample's S01: 1 + 2 = 3 is still small, Žlutava's 6 join
        ({"A": 40, "B": 3, "C": 0, "D": 9, "E": 2}, ["B", "C", "E"]),  # 3 + 0 + 2 = 5: enough
        ({"A": 30, "B": 4, "C": 4}, ["A", "B", "C"]),  # 4 + 4 = 8 would say both are 4
        ({"A": 30, "B": 4, "C": 4, "D": 0}, ["B", "C", "D"]),  # with a zero among them, 8 says nothing of one member
        ({"A": 12, "B": 0, "C": 7}, []),  # zeros and large counts may be shown
        ({"A": 2, "B": 1}, ["A", "B"]),  # everyone: the page shows the total only
        ({"A": 20, "B": 3, "C": 2, "D": 1}, ["B", "C", "D"]),  # 6 clients in the pool: enough
    ],
)
def test_pooled_members(clients, pooled):
    assert pooled_members(pd.Series(clients, dtype=float)) == [m for m in clients if m in pooled]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=12))
def test_a_pool_never_gives_a_small_count_back(counts):
    clients = pd.Series(counts, index=[f"m{i}" for i in range(len(counts))], dtype=float)
    pool = pooled_members(clients)
    assert (pool == []) == (not small(clients).any())
    assert set(clients.index[small(clients)]) <= set(pool), "every member with 1-4 clients is pooled"
    if pool and len(pool) < len(clients):
        inside = clients.loc[pool]
        assert not is_small(inside.sum()), "the pool's clients together are 0 or at least 5"
        assert len(pool) >= 2
        assert not (inside.eq(4).all()), "a pool of 4s would tell each member's count"
        shown = clients.drop(index=pool)
        assert not small(shown).any()


def test_what_follows_the_clients():
    assert depends_on_clients("podle_vyuziti", None) and depends_on_clients("kombinace", "tabulka")
    assert depends_on_clients("shapley", "model") and depends_on_clients("samostatne", "model")
    assert not depends_on_clients("shapley", "tabulka") and not depends_on_clients("na_obyvatele", "model")
    assert cuts_pool(["1", "2"], ["2", "3"]) and not cuts_pool(["1"], ["2", "3"]) and not cuts_pool(["2", "3", "4"], ["2", "3"])


def test_funding_pools_of_the_sample():
    from kpwork.funding import funding_results
    from kpwork.region import load_region

    region = load_region(SAMPLE)
    tables = funding_results(region)
    pools = funding_pools(tables["financovani_srovnani"], tables["financovani_sluzby"], region.usage)
    # S01 (kombinace, model): Bělov 1, Nová Dědina 2, Žlutava 6 (3 alone would be small); S17: 6 clients in all, none with 5
    assert pools["S01"] == ["588318", "588814", "586013"]
    assert pools["S17"] == ["585513", "585220", "549461", "586013"]
    assert "585599" not in pools["S08"] and "549461" in pools["S08"], "Pohořelice's 1 client of 21 (65 714 CZK of 1 380 000)"


# --- the attacker ----------------------------------------------------------------------------

N, SEED = 30, 11
#: Shared services of the attack region: method, unit of usage, kombinace weights, cost model.
SHARED = {
    "S00001": ("podle_vyuziti", "klienti", {}, {}),
    "S00007": ("kombinace", "hodiny", {"na_obyvatele": 40, "podle_vyuziti": 60}, {}),
    "S00010": ("shapley", "klienti", {}, {"model_fixni": 400_000, "model_na_klienta": 60_000, "model_kc_km": 8, "model_okruhu_rocne": 200}),
    "S00008": ("scrb", "klienti", {}, {"model_fixni": 300_000, "model_na_klienta": 45_000, "model_kc_km": 9}),
    "S00009": ("na_obyvatele", "klienti", {}, {"model_fixni": 900_000, "model_na_klienta": 30_000}),
}
PARTICIPANTS = 9
#: Participants' clients of two services, at the edges of the pooling rule: one small member alone
#: (3 with zeros, which must not stand alone), two members of 1 (2 together would say both are 1).
EDGES = {"S00009": [30, 3, 0, 6, 8, 0, 12, 0, 9], "S00010": [25, 1, 1, 0, 7, 0, 9, 15, 0]}
MODEL = "model"
USAGE = {"podle_vyuziti", "kombinace"}
GAME = {"shapley", "scrb", "samostatne"}


def _small_usage(folder: Path, rng: np.random.Generator) -> None:
    """Rewrite usage.csv: the seat of each service has many clients, its other members 0 to 12, mostly 1 to 4."""
    services = pd.read_csv(folder / "services.csv", sep=";", dtype=str)
    rows = []
    for s in services.itertuples():
        area = [c.strip() for c in s.pusobnost.split(",")]
        if s.id == "S00006":  # a home with 3 clients in all: its load would give them back
            rows += [(s.id, area[1], 1, None), (s.id, area[2], 2, None)]
            continue
        if s.id == "S00005":  # no usage rows at all
            continue
        for k, code in enumerate(area):
            clients = int(rng.integers(12, 40)) if k == 0 else int(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 12]))
            if k < PARTICIPANTS and s.id in EDGES:
                clients = EDGES[s.id][k]
            if clients:
                hours = clients * int(rng.integers(20, 90)) if s.forma == "terénní" else None
                rows.append((s.id, code, clients, hours))
    usage = pd.DataFrame(rows, columns=["sluzba_id", "kod_obce", "klienti", "hodiny"]).assign(rok=2024)
    usage["hodiny"] = usage["hodiny"].astype("Int64")
    usage.to_csv(folder / "usage.csv", sep=";", index=False, lineterminator="\n")


def _funding(folder: Path) -> None:
    """funding.csv for the shared services; each joined by its first PARTICIPANTS members, the rest opt out."""
    services = pd.read_csv(folder / "services.csv", sep=";", dtype=str).set_index("id")
    rows, members = [], []
    for sid, (method, unit, weights, model) in SHARED.items():
        rows.append({"sluzba_id": sid, "metoda": method, "jednotka_vyuziti": unit,
                     **{f"vaha_{m}": w for m, w in weights.items()}, **model})
        area = [c.strip() for c in services.loc[sid, "pusobnost"].split(",")]
        members += [{"sluzba_id": sid, "kod_obce": code, "ucast": "ne"} for code in area[PARTICIPANTS:]]
    pd.DataFrame(rows).to_csv(folder / "funding.csv", sep=";", index=False, lineterminator="\n")
    pd.DataFrame(members).to_csv(folder / "funding_clenove.csv", sep=";", index=False, lineterminator="\n")
    layers = [{"sluzba_id": sid, "zdroj": "Dotace kraje", "podil": 40} for sid in SHARED]
    pd.DataFrame(layers).to_csv(folder / "funding_vrstvy.csv", sep=";", index=False, lineterminator="\n")


def _unique_names(folder: Path) -> None:
    """Village names of the national reference repeat; the attacker reads rows by name."""
    shapes = gpd.read_file(folder / "municipalities.geojson")
    shapes["nazev"] = [f"{name} {k + 1}" for k, name in enumerate(shapes["nazev"])]
    (folder / "municipalities.geojson").unlink()
    shapes.to_file(folder / "municipalities.geojson", driver="GeoJSON")


def build_villages(folder: Path) -> Path:
    """The attack region: 30 villages, many counts of 1 to 4 clients, five shared services."""
    synthesize_region(N, SEED, folder, services=10)
    _unique_names(folder)
    _small_usage(folder, np.random.default_rng(SEED))
    _funding(folder)
    return folder


class Secret:
    """What the attacker wants and what is public or assumed known, from the run's internal results."""

    def __init__(self, results) -> None:
        self.results = results
        meta = results.meta
        self.code = {name: code for code, name in meta["names"].items()}
        usage = results["vyuziti"]
        self.usage = {unit: usage.groupby(["sluzba_id", "kod_obce"])[unit].sum().astype(float) for unit in ("klienti", "hodiny")}
        self.protected = {(s, m) for (s, m), c in self.usage["klienti"].items() if 1 <= c <= 4}
        self.service_names = dict(zip(results["sluzby"]["nazev"], results["sluzby"]["id"].astype(str), strict=True))
        self.capacity = dict(zip(results["sluzby"]["id"].astype(str), results["sluzby"]["kapacita"].astype(float), strict=True))
        summary = results["financovani_sluzby"].set_index("sluzba_id")
        self.source = summary["naklady_koalic"].to_dict()
        self.chosen = summary["metoda"].to_dict()
        srovnani = results["financovani_srovnani"]
        self.participants = {s: rows["kod_obce"].tolist() for s, rows in srovnani.groupby("sluzba_id")}
        self.members_of_region = list(meta["members"])

    def unit(self, sid: str, figure: str) -> str | None:
        """Which unknowns a figure of a service follows: its usage unit, clients (model), or none."""
        if figure in USAGE:
            return SHARED[sid][1]
        if figure in GAME and self.source.get(sid) == MODEL:
            return "klienti"
        return None


class Attacker:
    """Linear equations in the unknown usage of (service, unit, member), from what pages show."""

    def __init__(self, secret: Secret) -> None:
        self.secret = secret
        self.equations: list[dict[tuple[str, str, str], float]] = []
        self.findings: list[str] = []
        self.read: Counter[str] = Counter()  # equations learnt, by page and kind of figure
        self.pooled: dict[str, set[str]] = defaultdict(set)  # members seen only in a pooled row, per service
        self.shown: dict[str, set[str]] = defaultdict(set)  # members with a row of their own, per service

    def learn(self, terms: dict[tuple[str, str, str], float], where: str) -> None:
        if terms:
            self.equations.append(terms)
            self.read[where] += 1
            self._check(terms, where)

    def _check(self, terms, where) -> None:
        """A single small unknown learnt at once is a disclosure."""
        if len(terms) == 1:
            (sid, _unit, member), = terms
            if (sid, member) in self.secret.protected:
                self.findings.append(f"{where}: shows the usage of {self.secret.results.meta['names'][member]} in {sid}")

    def known_totals(self) -> None:
        """To be safe the attacker knows every shared service's total usage of its participants."""
        for sid, members in self.secret.participants.items():
            for unit in {SHARED[sid][1], "klienti"}:
                self.equations.append({(sid, unit, m): 1.0 for m in members})

    def see_row(self, sid: str, members: list[str]) -> None:
        (self.pooled if len(members) > 1 else self.shown)[sid].update(members)

    def _bounds(self, keys: list[tuple[str, str, str]]) -> list[tuple[float, float | None]]:
        """What the attacker knows besides the equations.

        The documented rule: a pooled member has fewer than 5 clients, or at
        most as many as the fewest of a member shown. And, from the village
        itself, which members have no client of a service at all (and so
        that the others have at least one).
        """
        bounds = []
        for sid, unit, member in keys:
            if not self.secret.usage["klienti"].get((sid, member), 0.0):
                bounds.append((0.0, 0.0))
                continue
            shown = [self.secret.usage["klienti"].get((sid, m), 0.0) for m in self.shown[sid] - self.pooled[sid]]
            pooled = unit == "klienti" and member in self.pooled[sid]
            bounds.append((1.0 if unit == "klienti" else 0.0, max(4.0, min(shown)) if pooled and shown else None))
        return bounds

    def disclosed(self) -> list[str]:
        """Each protected count whose bounds under the equations, usage >= 0 and the pooling rule are less than one apart."""
        keys = sorted({k for e in self.equations for k in e})
        index = {k: i for i, k in enumerate(keys)}
        matrix = np.zeros((len(self.equations), len(keys)))
        for row, terms in enumerate(self.equations):
            for key, coefficient in terms.items():
                matrix[row, index[key]] = coefficient
        truth = np.array([self.secret.usage[unit].get((sid, member), 0.0) for sid, unit, member in keys])
        scale = np.abs(matrix).max(axis=1, keepdims=True)
        matrix = matrix / np.where(scale > 0, scale, 1.0)
        rhs = matrix @ truth
        bounds = self._bounds(keys)
        found = list(self.findings)
        for key in keys:
            sid, unit, member = key
            if (sid, member) not in self.secret.protected or not truth[index[key]]:
                continue
            target = np.zeros(len(keys))
            target[index[key]] = 1.0
            low = linprog(target, A_eq=matrix, b_eq=rhs, bounds=bounds, method="highs")
            high = linprog(-target, A_eq=matrix, b_eq=rhs, bounds=bounds, method="highs")
            assert low.status == 0 and high.status in (0, 3), (key, low.message, high.message)
            if high.status == 0 and -high.fun - low.fun < 1 - 1e-6:
                found.append(f"{unit} of {self.secret.results.meta['names'][member]} in {sid}: between {low.fun:.2f} and {-high.fun:.2f}")
        return found


# --- reading pages ---------------------------------------------------------------------------

_NUMBER = re.compile(r"^[\u2212+-]?\d[\d\u00a0 ]*(,\d+)?$")


def _number(text: str) -> float | None:
    text = text.strip().replace("\u00a0Kč", "").replace(" Kč", "")
    if not _NUMBER.match(text):
        return None
    return float(text.replace("\u2212", "-").replace("\u00a0", "").replace(" ", "").replace(",", "."))


def documents(html: str) -> list[BeautifulSoup]:
    """A page and every document embedded in it: map iframes and the popups of their markers."""
    soup = BeautifulSoup(html, "html.parser")
    found = [soup]
    for frame in soup.find_all("iframe"):
        if frame.get("srcdoc"):
            found += documents(frame["srcdoc"])
    for script in soup.find_all("script"):
        for popup in re.findall(r"\$\(`(.*?)`\)\[0\]", script.get_text(), flags=re.S):
            found.append(BeautifulSoup(popup, "html.parser"))
        for popup in re.findall(r'"popup":\s*("(?:[^"\\]|\\.)*")', script.get_text()):  # the planning map's data (pages/map.js)
            found.append(BeautifulSoup(json.loads(popup), "html.parser"))
    return found


def tables(soup: BeautifulSoup) -> list[tuple[list[str], list[list[str]]]]:
    """(headers, rows of cell texts) of every table with a header row."""
    out = []
    for table in soup.find_all("table"):
        head = table.find("thead")
        if head is None:
            continue
        headers = [th.get_text(" ", strip=True) for th in head.find_all("th")]
        body = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
        out.append((headers, body))
    return out


def _members(label: str, secret: Secret) -> list[str] | None:
    """The members a row stands for: one by its name, or the names of a pooled row."""
    if label in secret.code:
        return [secret.code[label]]
    pooled = re.match(r"^ostatní obce \(\d+\): (.*)$", label)
    if pooled:
        return [secret.code[name] for name in pooled.group(1).split(", ")]
    return None


_LABELS = {cs: method for method, (cs, _en) in METHOD_LABELS.items()}


def read_load(attacker: Attacker, soup: BeautifulSoup, where: str) -> None:
    """Service tables and marker popups: a load in % times the public capacity gives the service's clients."""
    secret = attacker.secret
    rows = []
    for headers, body in tables(soup):
        if "Vytížení" in headers and "Služba" in headers:
            rows += [(r[headers.index("Služba")], r[headers.index("Vytížení")]) for r in body]
    if soup.find("thead") is None and soup.find("b") is not None:  # a marker's popup
        popup = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in soup.find_all("tr") if tr.th and tr.td}
        if "Vytížení" in popup:
            rows.append((soup.find("b").get_text(strip=True), popup["Vytížení"]))
    for name, shown in rows:
        share = re.match(r"^(\d[\d\u00a0]*)\u00a0?%", shown)
        if share is None:
            continue
        sid, percent = secret.service_names[name], float(share.group(1).replace("\u00a0", ""))
        clients = [n for n in range(10 * int(secret.capacity[sid]) + 10) if round(100 * n / secret.capacity[sid]) == percent]
        if len(clients) == 1 and 1 <= clients[0] <= 4:
            attacker.findings.append(f"{where}: the load of {name} gives its {clients[0]} clients back")
        if len(clients) == 1:
            attacker.learn({(sid, "klienti", m): 1.0 for m in secret.members_of_region}, where + " (load)")


def _figures(header: str, row_sid: str | None, method: str | None, secret: Secret) -> list[tuple[str, str, float]]:
    """(service, figure, sign) a cell of a funding table adds up, for its member(s)."""
    own = header.split(" ", 1)[0]
    if own in secret.participants:  # the council table: a column per service, its chosen method (or the one asked for)
        return [(own, method or secret.chosen[own], 1.0)]
    if header in _LABELS:  # the comparison of methods
        return [(row_sid, _LABELS[header], 1.0)]
    alone = {"Samostatně by stála (Kč)": [(row_sid, "samostatne", 1.0)], "Samostatně (Kč)": [(row_sid, "samostatne", 1.0)]}
    panel = {"Příspěvek (Kč)": [(row_sid, method, 1.0)], "Kč na obyvatele": [(row_sid, method, 1.0)],
             "Podle plánu (Kč)": [(row_sid, secret.chosen.get(row_sid), 1.0)],
             "Rozdíl proti plánu (Kč)": [(row_sid, method, 1.0), (row_sid, secret.chosen.get(row_sid), -1.0)]}
    return alone.get(header) or (panel.get(header, []) if method else [])


def read_funding_table(attacker: Attacker, headers: list[str], body: list[list[str]], where: str, *, sid: str | None = None, method: str | None = None) -> None:
    """Equations from a funding table: the council table (with row totals), the comparison of methods, the meeting panel."""
    secret = attacker.secret
    council = [h for h in headers if h.split(" ", 1)[0] in secret.participants]
    for row in body:
        members = _members(row[headers.index("Obec")], secret)
        if members is None:
            continue
        row_sid = row[headers.index("Služba")] if "Služba" in headers else sid
        if row_sid:
            attacker.see_row(row_sid, members)
        cells = dict(zip(headers, row, strict=True))
        for header, text in cells.items():
            if _number(text) is not None:
                attacker.learn(_terms(secret, _figures(header, row_sid, method, secret), members), where)
        if council and (_number(cells["Celkem (Kč)"]) is not None or _number(cells["Kč na obyvatele"]) is not None):
            figures = [f for h in council for f in _figures(h, None, method, secret)]
            attacker.learn(_terms(secret, figures, members), where + " (row total)")


def _terms(secret: Secret, figures: list[tuple[str, str, float]], members: list[str]) -> dict[tuple[str, str, str], float]:
    """The unknown usage a sum of figures over members weighs, with its CZK per client (or hour)."""
    terms: dict[tuple[str, str, str], float] = defaultdict(float)
    for sid, figure, sign in figures:
        unit = secret.unit(sid, figure) if sid and figure else None
        if unit is None:
            continue
        for member in members:
            if member in secret.participants[sid]:
                terms[(sid, unit, member)] += sign * _slope(secret, sid, figure, unit)
    return {k: v for k, v in terms.items() if abs(v) > 1e-9}


def read_core_table(attacker: Attacker, headers: list[str], body: list[list[str]], where: str) -> None:
    """A group's payment under a method, and its own cost on the cost model, add up its members' usage."""
    secret = attacker.secret
    for row in body:
        sid, method = row[headers.index("Služba")], _LABELS[row[headers.index("Metoda")]]
        members = [secret.code[n] for n in row[headers.index("Skupina obcí")].split(" + ")]
        for figure in (method, "samostatne"):
            attacker.learn(_terms(secret, [(sid, figure, 1.0)], members), where + " (core)")


def _slope(secret: Secret, sid: str, figure: str, unit: str) -> float:
    """CZK per client (or hour) of a member under a figure: what the attacker knows from funding.csv and the map."""
    srovnani = secret.results["financovani_srovnani"]
    total = float(srovnani.loc[srovnani["sluzba_id"] == sid, "rovnym_dilem"].sum())
    usage = sum(secret.usage[unit].get((sid, m), 0.0) for m in secret.participants[sid])
    if figure == "podle_vyuziti":
        return total / usage
    if figure == "kombinace":
        return total * SHARED[sid][2]["podle_vyuziti"] / 100 / usage
    summary = secret.results["financovani_sluzby"].set_index("sluzba_id")
    return total / float(summary.loc[sid, "naklady_vsech"]) * SHARED[sid][3]["model_na_klienta"]


def read_page(attacker: Attacker, html: str, where: str) -> None:
    """Everything the attacker can use on one page (and the maps and popups in it)."""
    for soup in documents(html):
        read_load(attacker, soup, where)
        for headers, body in tables(soup):
            if "Skupina obcí" in headers:
                read_core_table(attacker, headers, body, where)
            elif "Obec" in headers and any(h in _LABELS or h.split(" ", 1)[0] in attacker.secret.participants for h in headers):
                read_funding_table(attacker, headers, body, where)


@pytest.fixture(scope="module")
def villages_run(tmp_path_factory):
    from kpwork.runs import run_region

    tmp = tmp_path_factory.mktemp("villages")
    region = build_villages(tmp / "region")
    return run_region(region, tmp / "outputs", progress=False)


@pytest.fixture(scope="module")
def secret(villages_run):
    return Secret(load(villages_run.run_dir / "results"))


@pytest.mark.e2e
def test_the_attack_region_has_many_small_counts(secret, villages_run):
    assert len(secret.protected) >= 60
    assert {s for s, _ in secret.protected} >= set(SHARED)
    pages = sorted(p.name for p in (villages_run.run_dir / "html").glob("*.html"))
    assert len(pages) == N + 3 and "financovani.html" in pages
    assert all(secret.source[s] == MODEL for s in ("S00010", "S00008", "S00009"))


@pytest.mark.e2e
def test_no_public_page_of_a_run_gives_a_small_count_back(villages_run, secret):
    attacker = Attacker(secret)
    attacker.known_totals()
    for page in sorted((villages_run.run_dir / "html").glob("*.html")):
        read_page(attacker, page.read_text(encoding="utf-8"), page.name)
    read = attacker.read
    assert read["financovani.html"] >= 30 and read["financovani.html (core)"] >= 5 and read["financovani.html (row total)"] >= 3
    # loads shown: services whose capacity is in clients (beds and places without occupancy show no load at all);
    # a member's page shows the services serving it (its table and its neighbourhood's map), not all the region's
    assert read["region.html (load)"] >= 4 and sum(n for k, n in read.items() if k.startswith("obec_") and k.endswith("(load)")) >= 30
    assert attacker.disclosed() == []


@pytest.mark.e2e
def test_the_attacker_finds_the_counts_in_the_internal_workbook(villages_run, secret):
    # the council workbook is internal: read as if it were published, it gives the small counts back
    attacker = Attacker(secret)
    attacker.known_totals()
    sheets = funding_pages.council_tables(secret.results)
    for sheet in list(sheets.values())[:2]:
        page = Table(sheet)
        read_page(attacker, page.html, "financovani_rada.xlsx")
    assert len(attacker.disclosed()) >= len({(s, m) for s, m in secret.protected if s in SHARED}) // 2


@pytest.mark.e2e
def test_the_meeting_page_gives_no_small_count_back_under_any_method_or_mix(secret):
    # the meeting page is shown to the whole room: every method and a mix with podle_vyuziti, read as widget HTML
    app = meeting.MeetingApp(secret.results)
    attacker = Attacker(secret)
    attacker.known_totals()
    for sid in SHARED:
        app.service.value = sid
        for method in meeting.methods_of(secret.results["financovani_srovnani"], sid):
            app.method.value = method
            app.mix.value = ""
            headers, body = tables(BeautifulSoup(app.contrib.value, "html.parser"))[0]
            read_funding_table(attacker, headers, body[:-1], f"meeting {sid} {method}", sid=sid, method=method)
        app.method.value, app.mix.value, app.weight.value = "na_obyvatele", "podle_vyuziti", 0.5
        assert "ostatní obce" in app.contrib.value and "sečteny" in app.contrib.value
        headers, body = tables(BeautifulSoup(app.contrib.value, "html.parser"))[0]
        read_funding_table(attacker, headers, body, f"meeting {sid} mix", sid=sid, method="podle_vyuziti")
    for page in (app.map.value, app.table.value):
        read_page(attacker, page, "meeting map")
    assert attacker.disclosed() == []


def test_the_page_reader_reads_numbers_not_dates():
    assert _number("1\u00a0234") == 1234 and _number("\u221212,5") == -12.5
    assert _number("31. 12. 2025") is None and _number("skryto") is None and _number("–") is None


@pytest.mark.e2e
def test_the_attacker_uses_what_secondary_suppression_hides(villages_run, secret):
    # row totals: with the hidden cells' totals shown, a member with one hidden cell is given away
    html = (villages_run.run_dir / "html" / "financovani.html").read_text(encoding="utf-8")
    headers, body = next(t for t in tables(BeautifulSoup(html, "html.parser")) if "Celkem (Kč)" in t[0])
    raw = funding_pages.council_sheet(secret.results["financovani_srovnani"]).set_index("Obec")["Celkem (Kč)"]
    attacker = Attacker(secret)
    attacker.known_totals()
    for row in body:
        if row[headers.index("Celkem (Kč)")] == "skryto":
            row[headers.index("Celkem (Kč)")] = str(raw[row[1]])
    read_funding_table(attacker, headers, body, "council table with its row totals")
    assert attacker.disclosed()
    # a load: 3 clients on the home S00006's capacity, shown as a percentage
    attacker = Attacker(secret)
    shelter = secret.results["vytizenost"].set_index("sluzba_id").loc["S00006"]
    assert 1 <= shelter["klienti"] <= 4
    # what a naive page would show: clients over the public capacity (the run itself shows beds by occupancy, or nothing)
    page = Table(pd.DataFrame({"sluzba": [shelter["nazev"]], "vytizeni": [f"{round(100 * shelter['klienti'] / shelter['kapacita'])}\u00a0%"]}))
    read_load(attacker, BeautifulSoup(page.html, "html.parser"), "a load shown")
    assert attacker.findings == [f"a load shown: the load of {shelter['nazev']} gives its {int(shelter['klienti'])} clients back"]


@pytest.mark.e2e
def test_pooled_rows_add_up_the_internal_amounts(secret):
    public = funding_pages.public_comparison(secret.results)
    internal = secret.results["financovani_srovnani"]
    for sid, rows in public.groupby("sluzba_id"):
        assert rows["podle_vyuziti"].sum() == internal.loc[internal["sluzba_id"] == sid, "podle_vyuziti"].sum()
        assert rows["kod_obce"].eq("").sum() == 1, f"{sid}: one pooled row"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(lambda clients, threshold=5: [], id="no pools"),
        pytest.param(lambda clients, threshold=5: [m for m in clients.index if 0 < clients[m] < threshold], id="small members only"),
        pytest.param(lambda clients, threshold=5: [m for m in clients.index if clients[m] < threshold] if small(clients).any() else [],
                     id="small and zero members, never grown"),
    ],
)
def test_a_weaker_pooling_rule_would_be_caught(secret, monkeypatch, rule):
    # S00009 has one member of 3 among zeros, S00010 two members of 1: a pool that is not grown gives them back
    monkeypatch.setattr("kpwork.disclosure.pooled_members", rule)
    attacker = Attacker(secret)
    attacker.known_totals()
    for element in (funding_pages.council_table(secret.results), funding_pages.comparison_table(secret.results), funding_pages.core_table(secret.results)):
        read_page(attacker, element.html, "funding tables")
    assert attacker.disclosed()
