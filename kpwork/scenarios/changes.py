"""What a scenario is: a named list of changes to a region's services.

Apart from :mod:`kpwork.scenarios.model` so that the parser of scenario files
(called by the region loader) names them without importing the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds of change: add a service, set the capacity of an existing one, close one.
CHANGE_KINDS = ("pridat", "kapacita", "zrusit")


@dataclass(frozen=True)
class Change:
    """One change of a scenario.

    Attributes
    ----------
    zmena
        One of :data:`CHANGE_KINDS`.
    sluzba_id
        The service changed or closed; for a new service its new id (empty:
        ``N1``, ``N2``, ... in order).
    druh, forma, cilove_skupiny, kapacita, jednotka, kod_obce, nazev
        The new service (``jednotka`` empty: the type's planning unit); for
        ``kapacita`` only ``kapacita`` (the new capacity, in the service's unit).
    bod
        The seat in EPSG:5514 metres (x, y); None: the centre of ``kod_obce``.
    pusobnost
        Field service: the members it serves (empty: by ``dosah_m``).
    dosah_m
        Field service without ``pusobnost``: members whose centre is within
        this many metres of the seat (None: the run's radius of field services).
    naklady
        Yearly cost in CZK of the new service or of the capacity added (None:
        from the region's cost per unit, :mod:`kpwork.scenarios.costs`).
    spolufinancovani, zdroj
        Share (0-1) of that cost covered by a grant or other source, and its name.
    """

    zmena: str
    sluzba_id: str = ""
    druh: str = ""
    forma: str = ""
    cilove_skupiny: tuple[str, ...] = ()
    kapacita: float | None = None
    jednotka: str = ""
    kod_obce: str = ""
    nazev: str = ""
    bod: tuple[float, float] | None = None
    pusobnost: tuple[str, ...] = ()
    dosah_m: float | None = None
    naklady: float | None = None
    spolufinancovani: float = 0.0
    zdroj: str = ""


@dataclass(frozen=True)
class Scenario:
    """A named list of changes and how their cost is split (a key of :data:`kpwork.funding.METHODS`).

    ``nazev`` names it in files and tables (the file or worksheet); ``titulek``
    is what pages and documents call it (column ``nazev_scenare``; by default
    the name with spaces for underscores: :attr:`title`).
    """

    nazev: str
    changes: tuple[Change, ...]
    metoda: str = "na_obyvatele"
    titulek: str = ""

    @property
    def title(self) -> str:
        """The readable title: ``titulek``, or the name with spaces for ``_`` and ``-`` and a capital first letter.

        Examples
        --------
        >>> Scenario("pecovatelska_napajedla", ()).title
        'Pecovatelska napajedla'
        >>> Scenario("a", (), titulek="Pečovatelská služba v Napajedlech").title
        'Pečovatelská služba v Napajedlech'
        """
        if self.titulek:
            return self.titulek
        words = " ".join(self.nazev.replace("_", " ").replace("-", " ").split())
        return words[:1].upper() + words[1:]
