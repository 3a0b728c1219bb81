"""Benchmark: ``kpwork import-rpss`` on a synthetic national export of the registry, against ``json.load``.

No real ``rpss.json`` is available offline, so this writes one of the same
size and shape (``docs/rpss.md``): by default 6,733 services (as many as the
registry held in 2026) over the real 6,258 municipality codes of the shipped
national reference, ~2.8 facilities each, provider records with statutory
bodies, contacts, forms with capacities, kraj-wide areas on a quarter of the
field services, ended registrations, and ``doplnkoveUdaje`` text that brings
a record to ~15 kB, ~100 MB in all, plus its codelists. Everything is drawn
with ``--seed`` into a temporary folder.

Each measurement runs in a fresh Python process, so that its peak memory
(``ru_maxrss``) is its own:

- baseline: ``json.load`` of the same file (the whole export in memory);
- kpwork: :func:`kpwork.rpss.import_rpss` into a copy of the sample region
  ``data/otrokovicko``, from the first byte read to ``services.csv`` written.

The issue's budget: under 1 GiB and under a minute on the 2-core machine.

Run: ``.venv/bin/python benchmarks/rpss_bench.py [--services 6733] [--seed 0] [--repeat 3]``.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kpwork.taxonomy import SERVICE_TYPES, TARGET_GROUPS

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "otrokovicko"
#: The registry's names: the Act's types and target groups plus newer ones kpwork does not know.
TYPES = [t.name for t in SERVICE_TYPES.values()] + ["centrum duševního zdraví"]
GROUPS = [g.name for g in TARGET_GROUPS.values()] + ["pečující osoby", "osoby s potřebou paliativní péče", "osoby žijící s demencí"]
FORMS = {"pob": "luzka", "amb": "klient", "ter": "klient"}
WORDS = ("služba poskytuje klientům podporu péče v domácím prostředí pomoc při zvládání běžných úkonů "
         "sociální pracovník individuální plán zařízení kapacita pracovníci v sociálních službách "
         "zdravotní sestra dotace kraje obce úhrady klientů fakultativní činnosti aktivizace rodina "
         "pečující osoby dobrovolníci supervize vzdělávání standardy kvality poradenství doprava "
         "stravování hygiena nákupy pochůzky domácnost ošetřovatelská péče rehabilitace denní program").split()


def write_export(folder: Path, services: int, seed: int) -> Path:
    """Write a synthetic ``rpss.json`` and its codelists into ``folder``; returns the export."""
    from kpwork.reference import national_population

    rng = random.Random(seed)
    table = national_population()
    codes = table["kod_obce"].tolist()
    okresy = {name: str(3100 + i) for i, name in enumerate(sorted(set(table["okres"])))}
    kraje = {name: str(10 + i) for i, name in enumerate(sorted(set(table["kraj"])))}
    where = {c: (okresy[o], kraje[k]) for c, o, k in zip(codes, table["okres"], table["kraj"], strict=True)}
    _codelists(folder, table, okresy, kraje, where)
    paragraphs = [" ".join(rng.choices(WORDS, k=rng.randint(60, 160))).capitalize() + "." for _ in range(400)]
    path = folder / "rpss.json"
    with path.open("w", encoding="utf-8") as f:
        f.write('{"polozky": [\n')
        for n in range(services):
            if n:
                f.write(",\n")
            json.dump(_record(rng, n, codes, where, paragraphs), f, ensure_ascii=False)
        f.write("\n]}\n")
    return path


def _codelists(folder: Path, table, okresy: dict, kraje: dict, where: dict) -> None:
    def dump(name: str, items: list[dict]) -> None:
        (folder / f"{name}.json").write_text(json.dumps({"polozky": items}, ensure_ascii=False), encoding="utf-8")

    dump("druhy-socialni-sluzby", [{"id": f"DruhSocialniSluzby/{i}", "nazev": {"cs": n}} for i, n in enumerate(TYPES, 1)])
    dump("cilove-skupiny-osoby", [{"id": f"CilovaSkupinaOsoby/{i}", "nazev": {"cs": n}} for i, n in enumerate(GROUPS, 1)])
    dump("formy-soc-sluzby", [{"id": f"FormaSocialniSluzby/{k}", "nazev": {"cs": k}} for k in FORMS])
    dump("typy-kapacity-socialni-sluzby", [{"id": f"TypKapacitySocialniSluzby/{k}", "nazev": {"cs": k}} for k in ("klient", "kontakt", "interv", "luzka", "hovor")])
    dump("kraje", [{"id": f"Kraj/{k}", "nazev": {"cs": n}} for n, k in kraje.items()])
    dump("okresy", [{"id": f"Okres/{k}", "nazev": {"cs": n}} for n, k in okresy.items()])
    dump("obce", [{"id": f"Obec/{c}", "kod": c, "nazev": {"cs": n}, "okres": {"id": f"Okres/{where[c][0]}"}, "kraj": {"id": f"Kraj/{where[c][1]}"}}
                  for c, n in zip(table["kod_obce"], table["nazev"], strict=True)])


def _record(rng: random.Random, n: int, codes: list[str], where: dict, paragraphs: list[str]) -> dict:
    druh = rng.randint(1, len(TYPES))
    forms = rng.sample(list(FORMS), rng.choice((1, 1, 1, 2)))
    facilities = []
    for _ in range(rng.choice((1, 1, 2, 3, 4, 6))):
        code = rng.choice(codes)
        facilities.append({
            "nazev": f"Zařízení {n}-{len(facilities)}", "poskytujeDo": rng.choice([None] * 9 + ["2019-06-30"]),
            "utajenaAdresa": rng.random() < 0.01,
            "adresa": {"cisloDomovni": rng.randint(1, 3000), "cisloOrientacni": str(rng.randint(1, 60)), "dodatekAdresy": None,
                       "kodAdresnihoMista": rng.randint(10**6, 10**8), "psc": f"{rng.randint(10000, 79999)}",
                       "typCislaDomovniho": {"id": "TypStavebnihoObjektu/1"}, "kraj": {"id": f"Kraj/{where[code][1]}"},
                       "okres": {"id": f"Okres/{where[code][0]}"}, "obec": {"id": f"Obec/{code}"},
                       "castObce": {"id": f"CastObce/{rng.randint(10**5, 10**6)}"}, "mestskyObvodMestskaCast": None,
                       "mestskyObvodVPraze": None, "ulice": {"nazev": rng.choice(WORDS).capitalize()}},
        })
    contacts = {"emaily": [{"email": f"sluzba{n}@example.cz", "poznamka": None}], "telefony": [{"telefon": f"{rng.randint(2 * 10**8, 8 * 10**8)}", "poznamka": None}],
                "faxy": [], "weby": [{"web": f"https://sluzba{n}.example.cz", "poznamka": None}]}
    return {
        "portalId": n, "id": f"SocialniSluzba/{n}", "identifikator": str(1_000_000 + n),
        "datumPoskytovaniOd": "2007-01-01", "datumPoskytovaniDo": rng.choice([None] * 6 + ["2018-12-31"]),
        "kontaktniAdresy": [], "druhSocialniSluzby": {"id": f"DruhSocialniSluzby/{druh}"}, "zarizeni": facilities,
        "poskytovatel": {"nazev": f"Poskytovatel {n // 3}", "ico": f"{rng.randint(10**6, 10**8):08d}",
                         "statutarniOrgany": [{"titulPred": "Mgr.", "jmeno": "Jana", "prijmeni": f"Nováková{n}", "funkce": "ředitelka"}], **contacts},
        **contacts,
        "ciloveSkupiny": [{"id": f"CilovaSkupinaOsoby/{g}"} for g in rng.sample(range(1, len(GROUPS) + 1), rng.randint(1, 4))],
        "vekoveSkupiny": [{"id": f"VekovaSkupinaOsoby/{v}"} for v in range(1, rng.randint(2, 6))],
        "doplnujiciInformaceVekoveSkupiny": None,
        "formy": [{"forma": {"id": f"FormaSocialniSluzby/{f}"}, "nepretrzitePoskytovani": f == "pob", "casoveRozsahy": None,
                   "kapacity": [{"pocet": rng.randint(5, 200), "popis": rng.choice(paragraphs)[:120], "typ": {"id": f"TypKapacitySocialniSluzby/{FORMS[f]}"}}]} for f in forms],
        "rozsirenePusobnostiVKraji": [{"kraj": {"id": f"Kraj/{where[rng.choice(codes)][1]}"}}] if "ter" in forms and rng.random() < 0.24 else [],
        "doplnkoveUdaje": {
            "poslaniSluzby": rng.choice(paragraphs), "cileSluzby": rng.choice(paragraphs), "zasadyPoskytovani": rng.choice(paragraphs),
            "realizacePoskytovani": [{"popis": " ".join(rng.choices(paragraphs, k=3)), "priloha": {"url": f"https://www.mpsv.cz/agportal-server/rest/documents/{n}"}}],
            "personalniZajisteni": [{"pracovniPozice": rng.choice(WORDS), "pocet": rng.randint(1, 20) / 2, "popis": rng.choice(paragraphs)} for _ in range(rng.randint(2, 7))],
            "planyFinancnihoZajisteni": [{"rok": 2020 + y, "castka": rng.randint(10**5, 10**8), "zdroj": rng.choice(WORDS)} for y in range(5)],
        },
    }


def _child(kind: str, export: str, region: str) -> None:
    """Measure one thing in this fresh process; print wall time and memory as JSON."""
    import datetime as dt

    from kpwork.rpss import import_rpss

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if kind == "json":
        with open(export, "rb") as f:
            count = len(json.load(f)["polozky"])
    else:
        count = import_rpss(region, export, today=dt.date(2025, 1, 1)).rows
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak / 1024, "start_mib": before / 1024, "count": count}))


def _measure(kind: str, export: Path, region: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(export), str(region)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--services", type=int, default=6733, help="Services in the synthetic export (default: the 2026 registry).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="Alternate runs of each side; medians are reported.")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "EXPORT", "REGION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="rpss-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        export = write_export(folder, args.services, args.seed)
        size = export.stat().st_size / 2**20
        print(f"synthetic export: {args.services} services, {size:.1f} MiB (seed {args.seed}), written in {time.perf_counter() - start:.1f} s")
        runs: dict[str, list[dict]] = {"json": [], "import": []}
        for i in range(args.repeat):
            for kind in runs:
                region = folder / f"region-{kind}-{i}"
                shutil.copytree(SAMPLE, region)
                runs[kind].append(_measure(kind, export, region))
        med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "peak_mib", "start_mib")} for k, v in runs.items()}
        print(f"baseline json.load:      {med['json']['seconds']:6.2f} s   peak {med['json']['peak_mib']:6.0f} MiB   ({runs['json'][0]['count']} records)")
        print(f"kpwork import_rpss:      {med['import']['seconds']:6.2f} s   peak {med['import']['peak_mib']:6.0f} MiB   ({runs['import'][0]['count']} rows of Otrokovicko; {med['import']['start_mib']:.0f} MiB after imports)")
        print(f"ratio import / json.load: time {med['import']['seconds'] / med['json']['seconds']:.2f}x, peak memory {med['import']['peak_mib'] / med['json']['peak_mib']:.2f}x")
        print(f"throughput: {size / med['import']['seconds']:.0f} MiB/s; medians of {args.repeat} alternate runs, each in a fresh process")
        ok = med["import"]["seconds"] < 60 and med["import"]["peak_mib"] < 1024
        print(f"budget (< 60 s, < 1 GiB): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
