"""Every word of the pages, Czech and English: headers, legends, titles, status names, units.

Pages are Czech by default (``lang="cs"``) with an English switch
(``lang="en"``); no page module holds words of its own. Each table maps a key
to its (Czech, English) text; ``{fields}`` are filled in by :func:`translate`.

- :data:`WORDS`: the region and municipality pages, maps and charts;
- :data:`FUNDING`, :data:`MONITORING`, :data:`MEETING`, :data:`CATALOGUE`, :data:`SCENARIO`: the other pages;
- :data:`METHODS`: cost-split methods of :data:`kpwork.funding.METHODS`;
- :data:`GAP_STATES`, :data:`LOAD_STATES`, :data:`LOAD_BASES`: states of :mod:`kpwork.gaps`;
- :data:`PLAN_STATES`, :data:`ACTIVITY_STATES`, :data:`DECISIONS`, :data:`SWOT`: codes of :mod:`kpwork.plan`;
- :data:`SECTIONS`, :data:`METHOD_NOTES`, :data:`NAV`: headings and sentences of the exported pages, their navigation;
- :data:`DOCUMENTS`, :data:`COLUMNS`, :data:`TABLES`: the run's documents and workbook;
- :data:`UNITS`: units of counts in their plural forms (see :func:`kpwork.pages.format.count`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from kpwork.errors import InvalidParameter
from kpwork.taxonomy import SERVICE_TYPES

LANGS = ("cs", "en")

Words = Mapping[str, tuple[str, str]]

WORDS: dict[str, tuple[str, str]] = {
    "kod_obce": ("Kód obce", "Municipality code"),
    "nazev": ("Obec", "Municipality"),
    "obyvatele": ("Obyvatelé", "Inhabitants"),
    "vek_0_14": ("0–14 let", "0–14 years"),
    "vek_15_64": ("15–64 let", "15–64 years"),
    "vek_65_79": ("65–79 let", "65–79 years"),
    "vek_80_plus": ("80 a více let", "80 years and over"),
    "cilova_skupina": ("Cílová skupina", "Target group"),
    "druh": ("Druh služby", "Service type"),
    "forma": ("Forma", "Form"),
    "potreba": ("Potřeba (odhad)", "Need (estimate)"),
    "kapacita": ("Kapacita", "Capacity"),
    "kapacita_dosazitelna": ("Dosažitelná kapacita", "Reachable capacity"),
    "mezera": ("Chybí (odhad)", "Shortfall (estimate)"),
    "pokryti": ("Pokrytí potřeby", "Need covered"),
    "stav": ("Stav", "Status"),
    "dostupnost": ("Dostupnost (kapacita na jednotku potřeby)", "Accessibility (capacity per unit of need)"),
    "vzdalenost_nejblizsi_m": ("Nejbližší služba (km)", "Nearest service (km)"),
    "poskytovatel": ("Poskytovatel", "Provider"),
    "sluzba": ("Služba", "Service"),
    "jednotka": ("Jednotka", "Unit"),
    "klienti": ("Klienti", "Clients"),
    "vytizeni": ("Vytížení", "Load"),
    "vytizeni_zaklad": ("Vytížení podle", "Load by"),
    "kontakt": ("Kontakt", "Contact"),
    "pusobnost": ("Působnost", "Area served"),
    "naklady": ("Roční náklady (Kč)", "Annual cost (CZK)"),
    "region_subtitle": ("Přehled potřeb a sociálních služeb", "Needs and social services overview"),
    "municipality_subtitle": ("obec mikroregionu {region}", "municipality of the microregion {region}"),
    "whole_region": ("celý region", "whole region"),
    "map_coverage": ("Pokrytí potřeby: {druh}", "Need covered: {druh}"),
    "map_population": ("Obyvatelé 65+", "Inhabitants 65+"),
    "map_shortfall": ("Kolik chybí (odhad): {druh}, {unit}", "Shortfall (estimate): {druh}, {unit}"),
    "map_need_unit": ("Potřeba (odhad): {druh}, {unit}", "Need (estimate): {druh}, {unit}"),
    "layer_shortfall": ("Kolik chybí", "Shortfall"),
    "layer_coverage": ("Pokrytí potřeby (%)", "Need covered (%)"),
    "layer_need": ("Potřeba", "Need"),
    "map_layer": ("Mapa ukazuje", "The map shows"),
    "map_services": ("Služby na mapě", "Services on the map"),
    "nothing_missing": ("nic nechybí", "nothing missing"),
    "no_need": ("žádná potřeba", "no need"),
    "less_than": ("méně než {n}", "less than {n}"),
    "or_more": ("{n} a více", "{n} or more"),
    "most_missing": ("Nejvíce chybí: {places}", "Most missing: {places}"),
    "nothing_missing_anywhere": ("Potřeba je ve všech obcích pokryta.", "The need is covered in every municipality."),
    "region_missing": ("V celém regionu chybí {amount} (pokrytí potřeby {share}).",
                       "The whole region lacks {amount} (need covered: {share})."),
    "region_covered": ("V celém regionu je potřeba pokryta ({share}).", "In the whole region the need is covered ({share})."),
    "vs_region": ("{value} (celý region {region})", "{value} (whole region {region})"),
    "map_shows_default": ("Mapa ukazuje {druh}: druh služby, kterému v {where} chybí nejvíce kapacity ({amount}). "
                          "Jiný druh služby vyberte v mapě vpravo nahoře.",
                          "The map shows {druh}: the service type {where} lacks most capacity for ({amount}). "
                          "Pick another type top right in the map."),
    "map_shows_chosen": ("Mapa ukazuje {druh}. Jiný druh služby vyberte v mapě vpravo nahoře.",
                         "The map shows {druh}. Pick another type top right in the map."),
    "map_shows_none": ("Mapa ukazuje {druh}: v regionu zatím nejsou zapsané služby, proto je vidět jen potřeba. "
                       "Jiný druh služby vyberte v mapě vpravo nahoře.",
                       "The map shows {druh}: no services are recorded yet, so it shows the need. "
                       "Pick another type top right in the map."),
    "map_shows_no_need": ("Mapa ukazuje {druh}: obec podle odhadu tuto službu nepotřebuje a žádná ji nepokrývá "
                          "(například nemá stálé obyvatele). Jiný druh služby vyberte v mapě vpravo nahoře.",
                          "The map shows {druh}: by the estimate the municipality needs none and none serves it "
                          "(it may have no residents). Pick another type top right in the map."),
    "in_region": ("regionu", "the region"),
    "in_municipality": ("obci", "the municipality"),
    "map": ("Mapa", "Map"),
    "services_of_form": ("Služby – {forma}", "Services – {forma}"),
    "no_data": ("bez údajů", "no data"),
    "age_structure": ("Věková struktura obcí", "Age structure of the municipalities"),
    "need_vs_capacity": ("Potřeba a dosažitelná kapacita podle druhu služby", "Need and reachable capacity by service type"),
    "in_units_of_types": ("v jednotkách druhů služby (v závorce)", "in the unit of each service type (in brackets)"),
    "opt_out_kept": ("Obec se ve smlouvě o financování odhlásila ze služby {sluzba} ({druh}). Podle pravidla regionu ji služba dál obsluhuje, "
                     "pokud ji fyzicky dosáhne; do dostupnosti obce se její kapacita počítá.",
                     "The municipality opted out of {sluzba} ({druh}) in the funding agreement. By the region's rule the service still serves it "
                     "where it physically reaches it; its capacity counts in the municipality's accessibility."),
    "opt_out_removed": ("Obec se ve smlouvě o financování odhlásila ze služby {sluzba} ({druh}). Podle pravidla regionu "
                        "(odhlaseni_vyrazuje_z_dosahu) ji tato služba neobsluhuje; do dostupnosti obce se její kapacita nepočítá.",
                        "The municipality opted out of {sluzba} ({druh}) in the funding agreement. By the region's rule "
                        "(odhlaseni_vyrazuje_z_dosahu) the service does not serve it; its capacity does not count in the municipality's accessibility."),
    "opt_out_unreached": ("Obec se ve smlouvě o financování odhlásila ze služby {sluzba} ({druh}); služba ji ani fyzicky nedosáhne.",
                          "The municipality opted out of {sluzba} ({druh}) in the funding agreement; the service does not reach it anyway."),
    "coverage_by_type": ("Jak velkou část potřeby pokrývají dosažitelné služby", "How much of the need reachable services cover"),
    "capped": ("{label} (max. {limit})", "{label} (capped at {limit})"),
    "share": ("podíl obyvatel", "share of inhabitants"),
    "top_shortages": ("Největší nedostatky", "Largest shortfalls"),
    "total": ("Celkem", "Total"),
    "yes": ("ano", "yes"),
    "no": ("ne", "no"),
    "lang": ("Jazyk", "Language"),
    "run_pages": ("Stránky běhu", "Pages of the run"),
    "no_services": ("V regionu zatím nejsou zapsané žádné služby; doplňte je do tabulky služeb.",
                    "No services are recorded in the region yet; add them to the services sheet."),
    "footer_run": ("Výpočet ze dne {date}", "Computed on {date}"),
    "footer_population": ("počty obyvatel za rok {years}", "population figures of {years}"),
    "footer_sources": ("Zdroje: {credit}", "Sources: {credit}"),
}

FUNDING: dict[str, tuple[str, str]] = {
    "kod_obce": ("Kód obce", "Municipality code"),
    "nazev": ("Obec", "Municipality"),
    "obyvatele": ("Obyvatelé", "Inhabitants"),
    "celkem": ("Celkem (Kč)", "Total (CZK)"),
    "na_obyvatele": ("Kč na obyvatele", "CZK per inhabitant"),
    "soucet": ("Celkem", "Total"),
    "sluzba": ("Služba", "Service"),
    "metoda": ("Metoda", "Method"),
    "samostatne": ("Samostatně by stála (Kč)", "Stand-alone cost (CZK)"),
    "zdroj": ("Zdroj", "Source"),
    "castka": ("Částka (Kč)", "Amount (CZK)"),
    "podil_pct": ("Podíl na nákladech (%)", "Share of cost (%)"),
    "koalice": ("Skupina obcí", "Group of municipalities"),
    "platba": ("Platí (Kč)", "Pays (CZK)"),
    "naklady_koalice": ("Samostatně by stála (Kč)", "Own service would cost (CZK)"),
    "prebytek": ("Platí navíc (Kč)", "Pays in excess (CZK)"),
    "chart_title": ("Příspěvek obce podle metody", "Member contribution by method"),
    "chart_x": ("Kč za rok", "CZK per year"),
    "sheet_council": ("Příspěvky obcí", "Member contributions"),
    "sheet_methods": ("Srovnání metod", "Methods compared"),
    "sheet_layers": ("Zdroje financování", "Funding sources"),
    "sheet_core": ("Kontrola jádra", "Core check"),
    "chosen": ("zvolená metoda (černý okraj)", "chosen method (black edge)"),
    "members_part": ("členské obce", "member municipalities"),
    # disclosure control (docs/method.md, "Ochrana malých počtů")
    "pool": ("ostatní obce ({n}): {names}", "other members ({n}): {names}"),
    "hidden": ("skryto", "hidden"),
    "internal": ("NEVEŘEJNÉ – interní podklad pro zastupitelstva obcí. Částky podle využití a podle modelu nákladů "
                 "prozrazují počty klientů jednotlivých obcí; sešit nezveřejňujte (veřejné stránky je ukazují jen sečtené).",
                 "NOT PUBLIC – internal working paper for the municipal councils. Amounts by usage and by the cost model "
                 "give away the clients of single municipalities; do not publish this workbook (public pages show them only added up)."),
}

MONITORING: dict[str, tuple[str, str]] = {
    # column headers
    "priorita": ("Priorita", "Priority"), "opatreni": ("Opatření", "Measure"), "aktivita": ("Aktivita", "Activity"),
    "skupina": ("Pracovní skupina", "Working group"), "indikator": ("Kód", "Code"), "nazev": ("Název", "Name"),
    "jednotka": ("Jednotka", "Unit"), "vychozi": ("Výchozí hodnota", "Baseline"), "plan": ("Plán", "Planned"),
    "skutecnost": ("Skutečnost", "Actual"), "zmena": ("Změna proti výchozí", "Change from baseline"),
    "plneni": ("Plnění", "Fulfilment"), "stav": ("Stav", "State"), "vykazano": ("Vykázáno", "Reported"),
    "n": ("Počet", "Count"), "poskytovatel": ("Realizátor", "Provider"), "termin": ("Termín", "Deadline"),
    "rozpocet": ("Rozpočet (Kč)", "Budget (CZK)"), "cerpano": ("Čerpáno (Kč)", "Spent (CZK)"),
    "cerpani": ("Čerpání", "Spent share"), "z_toho_obce": ("Z toho obce (Kč)", "Of which municipalities (CZK)"),
    "zdroj": ("Zdroj financování", "Funding source"), "zdroje": ("Zdroje financování", "Funding sources"),
    "po_terminu": ("Po termínu", "Overdue"), "druh": ("Druh služby", "Service type"), "kod_obce": ("Kód obce", "Municipality code"),
    "obec": ("Obec", "Municipality"), "cilova_skupina": ("Cílová skupina", "Target group"), "potreba": ("Potřeba (odhad)", "Need (estimate)"),
    "mezera_pred": ("Mezera před (odhad)", "Gap before (estimate)"), "pridana_kapacita": ("Přidaná kapacita", "Added capacity"),
    "mezera_po": ("Mezera po (odhad)", "Gap after (estimate)"), "stav_pred": ("Stav před", "State before"), "stav_po": ("Stav po", "State after"),
    "cislo": ("Č.", "No."), "datum": ("Datum", "Date"), "autor": ("Kdo", "From"), "text": ("Připomínka", "Comment"),
    "rozhodnuti": ("Rozhodnutí", "Decision"), "zduvodneni": ("Zdůvodnění", "Reasoning"), "v_terminu": ("V termínu", "In time"),
    "rok": ("Rok", "Year"), "stav_aktivity": ("Stav", "State"), "n_po_terminu": ("Aktivity po termínu", "Overdue activities"),
    # texts
    "no_plan": ("Region zatím nemá komunitní plán.", "The region has no community plan yet."),
    "no_year": ("Plán nemá údaje za rok {rok}.", "The plan has no data for {rok}."),
    "fulfilment_in": ("Plnění plánu v roce {rok}", "Plan fulfilment in {rok}"),
    "indicators": ("Indikátory", "Indicators"),
    "budget_spent": ("Rozpočet / čerpáno", "Budget / spent"),
    "of_municipalities": ("Z toho z rozpočtů obcí", "Of which from municipal budgets"),
    "activities_overdue": ("Aktivity / po termínu", "Activities / overdue"),
    "rule": ("Plnění = skutečnost / plán; indikátor je v plánu od {share}.",
             "Fulfilment = actual / planned; an indicator is on track from {share}."),
    "fulfilment_axis": ("plnění", "fulfilment"),
    "measures_in": ("Plnění opatření v roce {rok}", "Fulfilment of measures in {rok}"),
    "priorities_by_year": ("Plnění priorit podle let", "Fulfilment of priorities by year"),
    "thousand_czk": ("tis. Kč", "thousand CZK"),
    "budget_in": ("Rozpočet a čerpání v roce {rok}", "Budget and spending in {rok}"),
    "priority_n": ("priorita {priorita}", "priority {priorita}"),
    "total": ("Celkem", "Total"),
    "not_given": ("neuvedeno", "not given"),
    "no_comments": ("K návrhu plánu nejsou zaznamenány připomínky.", "No comments on the draft are on record."),
    "comment_period": ("Návrh zveřejněn k připomínkám od {start} do {end}.", "The draft was open for comments from {start} to {end}."),
    "comments": ("Připomínek: {n} ({outcome}).", "Comments: {n} ({outcome})."),
}

MEETING: dict[str, tuple[str, str]] = {
    "heading": ("Jednání: {region}", "Meeting: {region}"),
    "group": ("Cílová skupina", "Target group"),
    "all_groups": ("všechny skupiny", "all groups"),
    "type": ("Druh služby", "Service type"),
    "muni": ("Obec", "Municipality"),
    "map_hint": ("Co mapa ukazuje (kolik chybí, pokrytí, potřeba) a které služby, přepnete v mapě vpravo nahoře.",
                 "Switch what the map shows (shortfall, coverage, need) and which services top right in the map."),
    "funding_failed": ("Rozdělení pro tuto volbu se nepodařilo spočítat. Zvolte jinou metodu nebo službu.",
                       "The split for this choice could not be computed. Pick another method or service."),
    "profile": ("Profil obce", "Municipality profile"),
    "pick_muni": ("Vyberte obec pro její profil.", "Pick a municipality to see its profile."),
    "inhabitants": ("Obyvatelé podle věku", "Inhabitants by age"),
    "shortages": ("Největší nedostatky obce", "Largest shortfalls of the municipality"),
    "no_shortage": ("Obec nemá žádný nedostatek.", "No shortfall in this municipality."),
    "funding": ("Financování společné služby", "Funding a shared service"),
    "no_funding": ("Údaje o financování společných služeb zatím nebyly zadány.", "No funding data for shared services has been entered yet."),
    "service": ("Služba", "Service"),
    "method": ("Metoda", "Method"),
    "mix_with": ("Kombinovat s", "Mix with"),
    "weight": ("Podíl 1. metody", "Share of method 1"),
    "none": ("nekombinovat", "no mix"),
    "castka": ("Příspěvek (Kč)", "Contribution (CZK)"),
    "na_obyvatele": ("Kč na obyvatele", "CZK per inhabitant"),
    "samostatne": ("Samostatně (Kč)", "Alone (CZK)"),
    "planovano": ("Podle plánu (Kč)", "As planned (CZK)"),
    "rozdil": ("Rozdíl proti plánu (Kč)", "Difference to plan (CZK)"),
    "chart": ("Příspěvky obcí", "Contributions of the members"),
    "planned_method": ("Plán: {method}", "Plan: {method}"),
    "pool_note": ("Obce s méně než 5 klienty služby jsou v řádku „ostatní obce“ sečteny (je-li třeba, s další obcí), "
                  "aby z částek nešlo dopočítat počet klientů jedné obce.",
                  "Members with fewer than 5 clients of the service are added up in the row “other members” (with another "
                  "member when needed), so that no member's clients can be worked out from the amounts."),
}

CATALOGUE: dict[str, tuple[str, str]] = {
    "heading": ("Katalog sociálních služeb: {region}", "Catalogue of social services: {region}"),
    "search": ("Hledat", "Search"),
    "search_hint": ("název, poskytovatel, adresa…", "name, provider, address…"),
    "any": ("vše", "all"),
    "groups": ("Cílové skupiny", "Target groups"),
    "seat": ("Sídlo", "Seat"),
    "found": ("Nalezeno služeb: {n}", "Services found: {n}"),
    "none_found": ("Žádná služba neodpovídá výběru.", "No service matches the choice."),
    "print": ("Tisková verze", "Printable view"),
    "print_now": ("Vytisknout", "Print"),
    "hide_print": ("Zpět na katalog", "Back to the catalogue"),
    "xlsx": ("Stáhnout výběr jako XLSX", "Download the selection as XLSX"),
    "xlsx_file": ("katalog-sluzeb.xlsx", "service-catalogue.xlsx"),
    "sheet": ("Katalog", "Catalogue"),
    "filters": ("Výběr: {filters}", "Selection: {filters}"),
    # contact columns of services.csv
    "adresa": ("Adresa", "Address"),
    "telefon": ("Telefon", "Phone"),
    "email": ("E-mail", "E-mail"),
    "web": ("Web", "Web"),
    # the provider's confirmation of its entry (potvrzeno, kpwork catalogue merge)
    "potvrzeno": ("Údaje potvrdil poskytovatel", "Confirmed by the provider"),
    "nepotvrzeno": ("dosud nepotvrzeno", "not yet confirmed"),
}

#: Headings and plain sentences of the exported pages, by page section (:mod:`kpwork.pages.sections`).
#: A key ending in ``_intro`` is the paragraph under the heading of the same key without it.
SECTIONS: dict[str, tuple[str, str]] = {
    "scenario": ("Scénář: {title}", "Scenario: {title}"),
    "scenario_intro": ("Co by změna služeb znamenala pro obce regionu: kolik lidí by nově dosáhlo na službu, kde se situace zlepší a kde zhorší, "
                       "kolik by změna stála a jak by se náklady rozdělily mezi obce.",
                       "What a change of services would mean for the region's municipalities: how many more people would reach a service, "
                       "where things get better and where worse, what the change would cost and how the cost would be split among the municipalities."),
    "scenario_estimates": ("Potřeba a chybějící kapacita jsou odhady podle norem, ne počty skutečných klientů.",
                           "Need and missing capacity are estimates from norms, not counts of real clients."),
    "scenario_gains": ("Kdo získá a kdo ztratí", "Who gains and who loses"),
    "scenario_before": ("Mapa nyní", "The map now"),
    "scenario_after": ("Mapa po změně", "The map after the change"),
    "scenario_members": ("Obce: co chybí nyní a po změně", "Municipalities: missing now and after the change"),
    "scenario_costs": ("Náklady změn (Kč za rok)", "Costs of the changes (CZK a year)"),
    "scenario_split": ("Kolik by platila která obec", "What each municipality would pay"),
    "region_intro": ("Přehled mikroregionu: potřeby občanů a sociální služby, kde služby sídlí, kolik lidí je potřebuje a kde chybí kapacita. "
                     "Potřeba a chybějící místa jsou odhady (norma krát počet obyvatel), ne počty skutečných lidí. "
                     "Vytížení služby s 1 až 4 klienty se nezveřejňuje; úplná čísla má jen koordinátor mikroregionu.",
                     "Overview of the microregion: what people need, where the social services are, how many people need them and where capacity is missing. "
                     "Need and missing places are estimates (a norm times the population), not counts of real people. "
                     "The load of a service with 1 to 4 clients is not published; only the coordinator of the microregion has the full figures."),
    "municipality_intro": ("Profil obce: obyvatelé, pokrytí potřeby sociálních služeb, nejbližší služby a mapa. "
                           "Potřeba a chybějící místa jsou odhady (norma krát počet obyvatel), ne počty skutečných lidí; pod 10 osob se uvádějí na desetiny. "
                           "Vytížení služby s 1 až 4 klienty se nezveřejňuje.",
                           "Profile of the municipality: inhabitants, how much of the need for social services is covered, the nearest services and a map. "
                           "Need and missing places are estimates (a norm times the population), not counts of real people; below 10 people they are given to one decimal. "
                           "The load of a service with 1 to 4 clients is not published."),
    "funding": ("Financování sdílených služeb", "Funding the shared services"),
    "funding_intro": ("Kolik která obec platí na služby, které provozují společně: podle metody, na které se obce dohodly, srovnání všech metod a tabulka pro zastupitelstvo.",
                      "How much each municipality pays for the services they run together: by the method the municipalities agreed on, all methods compared, and the table for the councils."),
    "funding_public": ("Stránka je veřejná: částky podle využití a podle modelu nákladů by prozradily počet klientů obce. "
                       "Obce s méně než 5 klienty služby proto stránka ukazuje jen sečtené (řádek „ostatní obce“, v tabulce příspěvků „skryto“). "
                       "Všechny částky jednotlivých obcí jsou v neveřejném sešitu pro zastupitelstva obcí.",
                       "This page is public: amounts by usage and by the cost model would give away how many clients a municipality has. "
                       "Members with fewer than 5 clients of a service are therefore only shown added up (the row “other members”, “hidden” in the contributions table). "
                       "All amounts of single municipalities are in the non-public workbook for the municipal councils."),
    "contributions": ("Příspěvky obcí (Kč za rok)", "Contributions of the members (CZK a year)"),
    "sources": ("Zdroje financování", "Funding sources"),
    "sources_intro": ("Z čeho se služba platí: dotace, úhrady klientů a zbytek, který rozdělují obce.",
                      "What pays for each service: grants, client payments and the rest, which the municipalities share."),
    "methods": ("Srovnání metod", "The methods compared"),
    "methods_lead": ("Co metody znamenají pro obec:", "What the methods mean for a municipality:"),
    "core": ("Kontrola jádra: platí některá skupina obcí víc, než by ji stála vlastní služba?",
             "Core check: does a group of municipalities pay more than its own service would cost?"),
    "core_intro": ("Kontrola chrání obce před dohodou, která je pro ně horší než provozovat službu samy: "
                   "tabulka ukazuje každou skupinu obcí, která by podle některé metody platila víc, než by ji stála vlastní služba. "
                   "Prázdná tabulka znamená, že žádná obec ani skupina obcí na společnou službu nedoplácí.",
                   "The check protects the municipalities from a deal that is worse for them than running the service on their own: "
                   "the table lists every group of municipalities that would pay more under some method than its own service would cost. "
                   "An empty table means no municipality or group of them loses by sharing the service."),
    "standalone_intro": ("Sloupec „Samostatně by stála“ je cena služby, kterou by obec provozovala jen pro sebe; "
                         "nikdo by neměl platit víc.",
                         "The column “Stand-alone cost” is what a service only for that municipality would cost; "
                         "no one should pay more."),
    "monitoring": ("Monitoring komunitního plánu sociálních služeb", "Monitoring of the community plan of social services"),
    "monitoring_intro": ("Jak daleko je plán naplněn v roce {rok}, co změnil pro cílové skupiny a pro rozpočty obcí.",
                         "How far the plan is fulfilled in {rok}, what it changed for the target groups and for the municipal budgets."),
    "by_priority": ("Plnění podle priorit", "Fulfilment by priority"),
    "by_measure": ("Plnění opatření", "Fulfilment of the measures"),
    "by_group": ("Plnění podle pracovních skupin", "Fulfilment by working group"),
    "indicators": ("Indikátory", "Indicators"),
    "budget": ("Rozpočet a čerpání", "Budget and spending"),
    "action_plan": ("Akční plán na rok {rok}", "Action plan for {rok}"),
    "measures_gaps": ("Opatření a mezery v síti služeb", "Measures and gaps in the network of services"),
    "measures_gaps_intro": ("Mezera před opatřením a po něm v každé obci, kam opatření přidává kapacitu.",
                            "The gap before and after a measure in each municipality where the measure adds capacity."),
    "swot": ("SWOT analýzy pracovních skupin", "SWOT analyses of the working groups"),
    "comments": ("Připomínky veřejnosti k návrhu plánu", "Public comments on the draft plan"),
}

#: One plain sentence per cost-split method: what it means for a municipality (formulas: docs/funding.md).
METHOD_NOTES: dict[str, tuple[str, str]] = {
    "rovnym_dilem": ("Každá obec zaplatí stejně, ať je velká nebo malá.",
                     "Every municipality pays the same, large or small."),
    "na_obyvatele": ("Obec platí podle toho, kolik má obyvatel: dvakrát větší obec zaplatí dvakrát víc.",
                     "A municipality pays by its number of inhabitants: one twice as large pays twice as much."),
    "na_cilovou_populaci": ("Obec platí podle počtu svých obyvatel, pro které je služba určena (např. senioři nad 65 let).",
                            "A municipality pays by how many of its inhabitants the service is meant for (e.g. people over 65)."),
    "podle_vyuziti": ("Obec platí podle toho, kolik jejích občanů službu skutečně využilo.",
                      "A municipality pays by how many of its residents actually used the service."),
    "kombinace": ("Část nákladů se dělí jednou metodou a zbytek druhou, v poměru, na kterém se obce dohodly.",
                  "Part of the cost is split by one method and the rest by another, in the proportion the municipalities agreed on."),
    "shapley": ("Obec platí průměr toho, o kolik její připojení zdraží společnou službu, "
                "ať se připojí jako první, druhá nebo poslední; úspora ze společného provozu se tak dělí spravedlivě.",
                "A municipality pays the average of how much joining makes the shared service dearer, "
                "whether it joins first, second or last; the saving from running the service together is shared fairly."),
    "scrb": ("Oddělitelné náklady a zbývající přínosy: každá obec zaplatí to, co způsobuje jen ona, "
             "a úsporu ze společného provozu dostane podle toho, kolik by ušetřila proti vlastní službě.",
             "Separable costs, remaining benefits: each municipality pays what it alone causes "
             "and gets a share of the saving in proportion to what it would save against running its own service."),
}

#: The navigation bar and index of a run's exported pages (:mod:`kpwork.pages.navigation`).
NAV: dict[str, tuple[str, str]] = {
    "nav": ("Stránky", "Pages"),
    "index": ("Úvod", "Home"),
    "region": ("Region", "Region"),
    "funding": ("Financování", "Funding"),
    "monitoring": ("Plnění plánu", "Plan monitoring"),
    "members": ("Obce", "Municipalities"),
    "scenarios": ("Scénáře", "Scenarios"),
    "scenario_title": ("{region}: scénář {name}", "{region}: scenario {name}"),
    "scenario_about": ("Co by změna služeb přinesla: kdo získá, kdo ztratí, kolik to stojí a kdo co zaplatí.",
                       "What a change of services would bring: who gains, who loses, what it costs and who pays what."),
    "region_title": ("{region}: přehled", "{region}: overview"),
    "funding_title": ("{region}: financování společných služeb", "{region}: funding the shared services"),
    "monitoring_title": ("{region}: plnění plánu", "{region}: plan monitoring"),
    "region_about": ("Potřeby, služby a mapa celého mikroregionu; kde chybí kapacita.",
                     "Needs, services and a map of the whole microregion; where capacity is missing."),
    "funding_about": ("Kolik která obec platí na společné služby a srovnání metod rozdělení.",
                      "What each municipality pays for the shared services, and the split methods compared."),
    "monitoring_about": ("Jak se plní komunitní plán v roce {rok}: priority, indikátory, rozpočet, akční plán.",
                         "How the community plan is fulfilled in {rok}: priorities, indicators, budget, action plan."),
    "member_about": ("Profil obce: obyvatelé, pokrytí potřeby, nejbližší služby.",
                     "Profile of the municipality: inhabitants, need covered, nearest services."),
    "pages_of_run": ("Stránky výpočtu", "Pages of this computation"),
}
#: Words of the scenario pages (:mod:`kpwork.pages.scenarios`).
SCENARIO: dict[str, tuple[str, str]] = {
    "headline": ("{covered} pokryto navíc, nejvíce {member}", "{covered} more covered, most in {member}"),
    "headline_nobody": ("{covered} pokryto navíc", "{covered} more covered"),
    "headline_loss": ("{covered} přestane být pokryto", "{covered} no longer covered"),
    "losers": ("Horší dostupnost bude mít {n} obcí.", "{n} members will reach less."),
    "type_line": ("{druh}: chybí nyní {before}, po změně {after}.", "{druh}: missing now {before}, after the change {after}."),
    "before": ("Nyní", "Now"),
    "after": ("Po změně", "After the change"),
    "nazev": ("Obec", "Municipality"),
    "druh": ("Druh služby", "Service type"),
    "jednotka": ("Jednotka", "Unit"),
    "potreba": ("Potřeba (odhad)", "Need (estimate)"),
    "chybi_pred": ("Chybí nyní", "Missing now"),
    "chybi_po": ("Chybí po změně", "Missing after"),
    "zmena": ("Změna", "Change"),
    "zmena_typ": ("Změna", "Change"),
    "nazev_sluzby": ("Služba", "Service"),
    "kapacita_zmena": ("Kapacita navíc", "Capacity added"),
    "naklady": ("Roční náklady (Kč)", "Yearly cost (CZK)"),
    "naklady_zdroj": ("Odkud jsou náklady", "Cost from"),
    "spolufinancovani": ("Spolufinancováno", "Co-financed"),
    "obce": ("Platí obce (Kč)", "Members pay (CZK)"),
    "castka": ("Příspěvek obce (Kč)", "Member pays (CZK)"),
    "samostatne": ("Sama by platila (Kč)", "Alone (CZK)"),
    "pokryto": ("Pokryto navíc", "Covered in addition"),
    "obyvatele": ("Obyvatelé", "Inhabitants"),
    "pridat": ("nová služba", "new service"),
    "kapacita": ("změna kapacity", "capacity change"),
    "zrusit": ("zrušení", "closing"),
    "zadano": ("zadané", "entered"),
    "model": ("podle nákladů na místo v regionu", "by the region's cost per place"),
    "sluzba": ("podle nákladů služby", "by the service's own cost"),
    "no_split": ("Změny scénáře nic nestojí; obce nic nedělí.", "The changes cost nothing; members split nothing."),
    "method": ("Náklady se dělí metodou: {method}.", "Costs are split by: {method}."),
    "delta_title": ("Kdo získá a kdo ztratí: {druh} ({unit})", "Who gains and who loses: {druh} ({unit})"),
    "delta_gain_more": ("pokryto výrazně víc", "much more covered"),
    "delta_gain": ("pokryto o něco víc", "a little more covered"),
    "delta_same": ("beze změny", "no change"),
    "delta_loss": ("pokryto o něco méně", "a little less covered"),
    "delta_loss_more": ("pokryto výrazně méně", "much less covered"),
    # the meeting panel (kpwork.pages.scenarios)
    "panel": ("Scénáře: co když…", "Scenarios: what if…"),
    "panel_hint": ("Přidejte, zvětšete nebo zrušte službu; po každé změně se přepočte, komu se dostupnost zlepší a kolik to bude stát.",
                   "Add, grow or close a service; after each change you see who gains and what it costs."),
    "unavailable": ("Scénáře zde teď nelze zkoušet: výpočet, ze kterého stránka čte, neříká, kde jsou data regionu.",
                    "Scenarios cannot be tried here now: the run this page reads does not say where the region's data are."),
    "kind_add": ("Přidat službu", "Add a service"),
    "kind_capacity": ("Změnit kapacitu", "Change capacity"),
    "kind_close": ("Zrušit službu", "Close a service"),
    "type": ("Druh služby", "Service type"),
    "form": ("Forma", "Form"),
    "groups": ("Cílové skupiny", "Target groups"),
    "where": ("Obec (sídlo)", "Municipality (seat)"),
    "seat": ("Sídlo podle", "Seat by"),
    "seat_member": ("obce", "municipality"),
    "seat_point": ("bodu na mapě", "a point on the map"),
    "point": ("Bod (šířka, délka)", "Point (lat, lon)"),
    "point_hint": ("Klikněte do mapy níže, kde má služba sídlit; počítá se k obci, ve které bod leží.",
                   "Click on the map below where the service is to be seated; it counts for the municipality the point lies in."),
    "point_in": ("Sídlo: bod {bod} v obci {obec}.", "Seat: the point {bod} in {obec}."),
    "point_near": ("Bod {bod} neleží v žádné členské obci; služba se počítá k nejbližší, {obec}.",
                   "The point {bod} lies in no member municipality; the service counts for the nearest, {obec}."),
    "point_outside": ("Bod {bod} leží mimo region; klikněte do mapy regionu.", "The point {bod} lies outside the region; click on the region's map."),
    "point_bad": ("Bod zadejte jako dvě čísla, zeměpisnou šířku a délku, např. 49.2118, 17.5352.",
                  "Give the point as two numbers, latitude and longitude, e.g. 49.2118, 17.5352."),
    "point_missing": ("Nejdřív klikněte do mapy, kde má služba sídlit.", "First click on the map where the service is to be seated."),
    "pick_title": ("Kde má nová služba sídlit? Klikněte do mapy.", "Where is the new service to be seated? Click on the map."),
    "seat_marker": ("Sídlo nové služby", "Seat of the new service"),
    "capacity": ("Kapacita", "Capacity"),
    "unit": ("Jednotka", "Unit"),
    "radius": ("Dosah (km)", "Reach (km)"),
    "catchment": ("Působnost (obce)", "Area served"),
    "catchment_hint": ("Bez vybraných obcí slouží terénní služba obcím v dosahu.", "With no municipality chosen, a field service serves those within reach."),
    "cost": ("Roční náklady (Kč)", "Yearly cost (CZK)"),
    "cost_hint": ("0 = odhad podle nákladů podobných služeb v regionu", "0 = estimated from similar services of the region"),
    "cofinanced": ("Dotace (%)", "Grant (%)"),
    "service_pick": ("Služba", "Service"),
    "new_capacity": ("Nová kapacita", "New capacity"),
    "apply": ("Přidat změnu do scénáře", "Add the change to the scenario"),
    "reset": ("Začít znovu", "Start again"),
    "changes": ("Změny ve scénáři", "Changes in the scenario"),
    "no_changes": ("Scénář zatím nemá žádnou změnu.", "The scenario has no change yet."),
    "change_add": ("nová služba: {druh}, {obec}, {kapacita}", "new service: {druh}, {obec}, {kapacita}"),
    "change_capacity": ("{sluzba}: kapacita {kapacita}", "{sluzba}: capacity {kapacita}"),
    "change_close": ("zrušit: {sluzba}", "close: {sluzba}"),
    "split_method": ("Dělení nákladů", "Cost split"),
    "keep": ("Uložit pro srovnání", "Keep for comparison"),
    "title": ("Název scénáře", "Scenario title"),
    "title_hint": ("např. Pobočka v Napajedlech", "e.g. A branch in Napajedla"),
    "title_markup": ("Název scénáře je prostý text: napište ho bez znaků < > a bez {{ {% {#.", "The scenario title is plain text: write it without < > and without {{ {% {#."),
    "compare": ("Srovnání scénářů", "Comparing scenarios"),
    "compare_empty": ("Uložte scénář a pak zkuste jiný; srovnají se až tři.", "Keep a scenario, then try another; up to three are compared."),
    "scenar": ("Scénář", "Scenario"),
    "covered": ("Pokryto navíc", "Covered in addition"),
    "still_missing": ("Stále chybí", "Still missing"),
    "cost_year": ("Náklady za rok", "Cost a year"),
    "cost_per_covered": ("Náklady na jednoho pokrytého", "Cost per one covered"),
    "download": ("Stáhnout scénář", "Download the scenario"),
    "download_hint": ("Soubor uložte do složky scenarios regionu; příští výpočet ho zahrne.", "Save the file in the region's scenarios folder; the next run includes it."),
    "suggest": ("Navrhnout místa", "Suggest places"),
    "suggest_title": ("Kde by nová služba pomohla nejvíc", "Where a new service would help most"),
    "suggest_row": ("{obec}: pokryje {pokryto}", "{obec}: covers {pokryto}"),
    "suggest_none": ("V žádné obci tato služba nechybí.", "No municipality misses this service."),
    "suggest_add": ("Přidat", "Add"),
    "no_need": ("Pro tento druh služby nemá region odhad potřeby, a tak nelze říct, kolik by změna pokryla.",
                "The region has no estimate of need for this service type, so what the change covers cannot be said."),
    "error": ("Změnu nelze přidat: {why}", "The change cannot be added: {why}"),
    "cost_unknown": ("Náklady nelze odhadnout (podobné služby v regionu je neuvádějí); zadejte roční náklady.",
                     "The cost cannot be estimated (similar services of the region give none); enter the yearly cost."),
}


#: Cost-split methods; the keys are those of :data:`kpwork.funding.METHODS` (a test ties them).
METHODS: dict[str, tuple[str, str]] = {
    "rovnym_dilem": ("rovným dílem", "equal shares"),
    "na_obyvatele": ("podle počtu obyvatel", "per capita"),
    "na_cilovou_populaci": ("podle cílové populace", "per target population"),
    "podle_vyuziti": ("podle využití", "by usage"),
    "kombinace": ("kombinace", "mix"),
    "shapley": ("Shapleyho hodnota", "Shapley value"),
    "scrb": ("SCRB", "SCRB"),
}

#: States of a gap (:data:`kpwork.gaps.GAP_STATUS`).
GAP_STATES: dict[str, tuple[str, str]] = {
    "dostatek": ("dostatek", "enough"),
    "nedostatek": ("nedostatek", "shortage"),
    "nedostupne": ("nedostupné", "none reachable"),
    "jina_jednotka": ("jiná jednotka (nesčítá se s potřebou)", "other unit (not compared with need)"),
}
#: States of a service's load (:data:`kpwork.gaps.LOAD_STATUS`).
LOAD_STATES: dict[str, tuple[str, str]] = {
    "pretizena": ("přetížená", "overloaded"),
    "v_norme": ("v normě", "normal"),
    "nevyuzita": ("nevyužitá", "unused"),
    "bez_udaju": ("bez údajů", "no data"),
}
#: What a service's load compares (:data:`kpwork.gaps.LOAD_BASES`).
LOAD_BASES: dict[str, tuple[str, str]] = {
    "klienti": ("klienti za rok / kapacita klientů", "clients a year / client capacity"),
    "obsazenost": ("obsazenost lůžek či míst", "occupancy of beds or places"),
    "odhad_z_klientu": ("odhad z počtu klientů (převod jednotek)", "estimate from clients (unit conversion)"),
    "nesrovnatelne": ("nelze srovnat: chybí obsazenost", "not comparable: no occupancy given"),
    "bez_udaju": ("bez údajů", "no data"),
}
#: States of an indicator, measure or priority (:data:`kpwork.plan.monitoring.STATES`).
PLAN_STATES: dict[str, tuple[str, str]] = {
    "v_planu": ("v plánu", "on track"),
    "pozadu": ("pozadu", "behind"),
    "nevykazano": ("nevykázáno", "not reported"),
    "ceka": ("čeká na vykázání", "not yet due"),
}
#: States of an activity of the action plan (:data:`kpwork.plan.inputs.ACTIVITY_STATES`).
ACTIVITY_STATES: dict[str, tuple[str, str]] = {
    "nezahajeno": ("nezahájeno", "not started"),
    "probiha": ("probíhá", "in progress"),
    "splneno": ("splněno", "done"),
    "odlozeno": ("odloženo", "postponed"),
    "zruseno": ("zrušeno", "cancelled"),
}
#: Decisions on a public comment (:data:`kpwork.plan.inputs.DECISIONS`).
DECISIONS: dict[str, tuple[str, str]] = {
    "prijato": ("přijato", "accepted"),
    "castecne_prijato": ("částečně přijato", "partly accepted"),
    "zamitnuto": ("zamítnuto", "rejected"),
    "vzato_na_vedomi": ("vzato na vědomí", "noted"),
    "nevyporadano": ("nevypořádáno", "not decided"),
}
#: SWOT quadrants (:data:`kpwork.plan.inputs.SWOT_TYPES`).
SWOT: dict[str, tuple[str, str]] = {
    "S": ("Silné stránky", "Strengths"),
    "W": ("Slabé stránky", "Weaknesses"),
    "O": ("Příležitosti", "Opportunities"),
    "T": ("Hrozby", "Threats"),
}

#: Words of the run's documents (:mod:`kpwork.documents`): the plan, the monitoring report, the workbook, the layers.
DOCUMENTS: dict[str, tuple[str, str]] = {
    "plan_title": ("Střednědobý plán rozvoje sociálních služeb", "Medium-term plan for the development of social services"),
    "monitoring_title": ("Zpráva o plnění komunitního plánu", "Monitoring report of the community plan"),
    "period": ("na období {years}", "for {years}"),
    "members": ("Členské obce", "Member municipalities"),
    "prepared": ("Zpracováno dne {date}", "Prepared on {date}"),
    "approval": ("Schválení: {text}", "Approval: {text}"),
    "contents": ("Obsah", "Contents"),
    "toc_hint": ("Obsah se doplní po otevření dokumentu: klikněte do něj a zvolte Aktualizovat pole (F9).",
                 "The contents fill in when the document is opened: click into it and choose Update field (F9)."),
    "page": ("Strana", "Page"),
    "of": ("z", "of"),
    "sources": ("Zdroje: {credit}", "Sources: {credit}"),
    "process": ("Proces plánování", "The planning process"),
    "process_text": ("Plán připravily pracovní skupiny komunitního plánování mikroregionu {region} ({n}). "
                     "Návrh byl projednán s poskytovateli, zadavateli a uživateli služeb.",
                     "The plan was prepared by the community planning working groups of the microregion {region} ({n}). "
                     "The draft was discussed with providers, commissioners and users of the services."),
    "group": ("Pracovní skupina", "Working group"),
    "leader": ("Vedoucí", "Leader"),
    "target_groups": ("Cílové skupiny", "Target groups"),
    "analysis": ("Analýza potřeb a služeb", "Needs and services analysis"),
    "analysis_text": ("Potřeba je odhad: norma krát počet obyvatel obce podle věku (ČSÚ). Dosažitelná kapacita je kapacita služeb, "
                      "které obec dosáhnou, rozdělená mezi obce podle jejich potřeby (metoda 2SFCA). Kapacity se uvádějí "
                      "v jednotce druhu služby (klienti, lůžka, …) a jednotky se nesčítají.",
                      "Need is an estimate: a norm times the municipality's inhabitants by age (Czech Statistical Office). "
                      "Reachable capacity is the capacity of the services that reach the municipality, shared among "
                      "municipalities by their need (2SFCA). Capacities are in the unit of the service type (clients, beds, …); "
                      "units are never added."),
    "population": ("Obyvatelé", "Population"),
    "group_section": ("Cílová skupina: {group}", "Target group: {group}"),
    "group_types": ("Druhy služeb pro tuto skupinu: {types}.", "Service types for this group: {types}."),
    "group_gap": ("{type}: potřeba a dosažitelná kapacita podle obcí ({unit})", "{type}: need and reachable capacity by municipality ({unit})"),
    "group_summary": ("Stav druhů služeb v obcích", "State of service types in the municipalities"),
    "map_caption": ("Mapa: pokrytí potřeby – {type}", "Map: need covered – {type}"),
    "rows_most_people": ("Tabulka uvádí {shown} s nejvíce obyvateli z {total} regionu; všechny obce jsou v sešitu výsledků pro Excel.",
                         "The table lists the {shown} with most inhabitants of the region's {total}; the results workbook has every one."),
    "rows_most_missing": ("Tabulka uvádí {shown}, kde chybí nejvíce, z {total} regionu; všechny obce jsou v sešitu výsledků pro Excel.",
                          "The table lists the {shown} lacking most of the region's {total}; the results workbook has every one."),
    "services_by_type": ("Tuto skupinu v regionu podporuje {total}; tabulka je sčítá po druzích a jednotkách kapacity, každou zvlášť uvádí sešit výsledků pro Excel.",
                         "{total} serve this group in the region; the table counts them by type and unit of capacity, the results workbook lists each."),
    "services_count": ("Počet služeb", "Number of services"),
    "services": ("Služby pro tuto skupinu", "Services for this group"),
    "no_services_group": ("Pro tuto skupinu v regionu nepůsobí žádná služba.", "No service in the region serves this group."),
    "swot": ("SWOT analýza pracovních skupin", "SWOT analysis of the working groups"),
    "strategy": ("Priority, opatření a aktivity", "Priorities, measures and activities"),
    "priority": ("Priorita {code}: {name}", "Priority {code}: {name}"),
    "measure": ("Opatření {code}: {name}", "Measure {code}: {name}"),
    "activities": ("Aktivity akčních plánů", "Activities of the action plans"),
    "funding": ("Financování společných služeb", "Funding of shared services"),
    "funding_text": ("Příspěvky obcí na společné služby podle metody, kterou region pro službu zvolil ({method}). "
                     "Obce s méně než 5 klienty služby jsou sečteny v řádku „ostatní obce“.",
                     "Contributions of the members to shared services by the method the region chose ({method}). "
                     "Members with fewer than 5 clients of the service are added up in the row “other members”."),
    "service_cost": ("Roční náklady služby: {cost}", "Annual cost of the service: {cost}"),
    "indicators": ("Indikátory a cílové hodnoty", "Indicators and targets"),
    "comments": ("Připomínky veřejnosti a jejich vypořádání", "Public comments and their settlement"),
    "fulfilment": ("Plnění plánu", "Fulfilment of the plan"),
    "budget": ("Rozpočet a čerpání", "Budget and spending"),
    "gap_effects": ("Mezery v síti služeb před a po aktivitách plánu", "Gaps in the network before and after the plan's activities"),
    "no_plan": ("Region zatím nemá komunitní plán; dokument obsahuje jen analýzu.", "The region has no community plan yet; the document holds the analysis only."),
    "overall": ("Celkové plnění v roce {rok}: {plneni} ({stav}); aktivit {n}, z toho po termínu {late}.",
                "Overall fulfilment in {rok}: {plneni} ({stav}); {n} activities, {late} of them overdue."),
    "internal_sheet": ("NEVEŘEJNÉ – interní výsledky pro koordinátora; sešit obsahuje skutečné počty klientů.",
                       "NOT PUBLIC – internal results for the coordinator; the workbook holds real numbers of clients."),
    "readme_sheet": ("Obsah sešitu", "Contents"),
    "sheet": ("List", "Sheet"),
    "table": ("Tabulka", "Table"),
    "rows": ("Řádků", "Rows"),
    "plan_priority": ("Priority", "Priorities"),
    "plan_opatreni": ("Opatření", "Measures"),
    "plan_skupiny": ("Pracovní skupiny", "Working groups"),
    "municipalities_n": ("{state} (obcí)", "{state} (municipalities)"),
}
#: Column headers of the run's workbook (``vysledky.xlsx``), units in brackets; a column not here keeps its name.
COLUMNS: dict[str, tuple[str, str]] = {
    # scenarios (kpwork.scenarios.tables)
    "chybi_pred": ("Chybí nyní (odhad)", "Missing now (estimate)"), "chybi_po": ("Chybí po změně (odhad)", "Missing after (estimate)"),
    "nejvice_kod": ("Nejvíce získá: kód obce", "Gains most: municipality code"), "nejvice_nazev": ("Nejvíce získá: obec", "Gains most: municipality"),
    "nejvice_pokryto": ("Nejvíce získá: pokryto navíc (odhad)", "Gains most: covered in addition (estimate)"),
    "naklady_na_pokryteho": ("Náklady na jednoho pokrytého (Kč za rok)", "Cost per one covered (CZK a year)"),
    "kapacita_po": ("Kapacita po změně", "Capacity after the change"), "kapacita_zmena": ("Kapacita navíc", "Capacity added"),
    "naklady_zdroj": ("Odkud jsou náklady", "Cost from"),
    "kod_obce": ("Kód obce", "Municipality code"), "nazev": ("Název", "Name"), "rok": ("Rok", "Year"),
    "obyvatele": ("Obyvatelé (osoby)", "Inhabitants (people)"), "vek_0_14": ("0–14 let (osoby)", "0–14 years (people)"),
    "vek_15_64": ("15–64 let (osoby)", "15–64 years (people)"), "vek_65_79": ("65–79 let (osoby)", "65–79 years (people)"),
    "vek_80_plus": ("80+ let (osoby)", "80+ years (people)"), "cilova_skupina": ("Cílová skupina", "Target group"),
    "cilove_skupiny": ("Cílové skupiny", "Target groups"), "skupiny_s_potrebou": ("Skupiny s potřebou", "Groups with need"),
    "druh": ("Druh (paragraf)", "Type (section)"), "druh_nazev": ("Druh služby", "Service type"), "forma": ("Forma", "Form"),
    "forma_nazev": ("Forma (název)", "Form (name)"), "jednotka": ("Jednotka", "Unit"), "jednotka_vypoctu": ("Jednotka výpočtu", "Unit of analysis"),
    "potreba": ("Potřeba (odhad, v jednotce)", "Need (estimate, in unit)"), "kapacita": ("Kapacita (v jednotce)", "Capacity (in unit)"),
    "kapacita_dosazitelna": ("Dosažitelná kapacita (v jednotce)", "Reachable capacity (in unit)"),
    "kapacita_vypoctu": ("Kapacita výpočtu (v jednotce výpočtu)", "Capacity of analysis (in its unit)"),
    "kapacita_bez_potreby": ("Kapacita bez potřeby (v jednotce)", "Capacity without need (in unit)"),
    "kapacita_pred": ("Kapacita před (v jednotce)", "Capacity before (in unit)"), "faktor": ("Převodní faktor", "Conversion factor"),
    "mezera": ("Chybí (odhad, v jednotce)", "Shortfall (estimate, in unit)"), "mezera_pred": ("Chybí před (odhad)", "Shortfall before (estimate)"),
    "mezera_po": ("Chybí po (odhad)", "Shortfall after (estimate)"), "pridana_kapacita": ("Přidaná kapacita (v jednotce)", "Added capacity (in unit)"),
    "pokryti": ("Pokrytí potřeby (%)", "Need covered (%)"), "pokryti_pred": ("Pokrytí před (%)", "Covered before (%)"),
    "pokryti_po": ("Pokrytí po (%)", "Covered after (%)"), "stav": ("Stav", "State"), "stav_pred": ("Stav před", "State before"),
    "stav_po": ("Stav po", "State after"), "dostupnost": ("Dostupnost (kapacita na jednotku potřeby)", "Accessibility (capacity per unit of need)"),
    "vzdalenost_nejblizsi_m": ("Nejbližší služba (m)", "Nearest service (m)"), "zdroj": ("Zdroj", "Source"),
    "id": ("Kód služby", "Service code"), "sluzba_id": ("Kód služby", "Service code"), "sluzba": ("Služba", "Service"),
    "nazev_sluzby": ("Služba", "Service"), "poskytovatel": ("Poskytovatel", "Provider"), "ico": ("IČO", "Company ID"),
    "naklady": ("Roční náklady (Kč)", "Annual cost (CZK)"), "adresa": ("Adresa", "Address"), "telefon": ("Telefon", "Phone"),
    "email": ("E-mail", "E-mail"), "pusobnost": ("Působnost (kódy obcí)", "Area served (municipality codes)"),
    "lat": ("Zeměpisná šířka (°)", "Latitude (°)"), "lon": ("Zeměpisná délka (°)", "Longitude (°)"),
    "klienti": ("Klienti (osoby)", "Clients (people)"), "klienti_z_regionu": ("Klienti z regionu (osoby)", "Clients from the region (people)"),
    "klienti_odjinud": ("Klienti odjinud (osoby)", "Clients from elsewhere (people)"), "hodiny": ("Hodiny péče (h)", "Hours of care (h)"),
    "luzkodny": ("Lůžkodny", "Bed-days"), "obsazenost": ("Obsazenost (průměr lůžek/míst)", "Occupancy (average beds/places)"),
    "vytizeni": ("Vytížení (%)", "Load (%)"), "vytizeni_zaklad": ("Vytížení podle", "Load by"),
    "metoda": ("Metoda", "Method"), "zvolena_metoda": ("Zvolená metoda", "Chosen method"), "naklady_vsech": ("Náklady všech (Kč)", "Cost of all (CZK)"),
    "vrstvy": ("Hrazeno zdroji (Kč)", "Paid by sources (CZK)"), "obce": ("Obce", "Municipalities"),
    "ucastnici": ("Účastníci (obce)", "Participants (municipalities)"), "neucastni": ("Neúčastní se", "Not taking part"),
    "naklady_koalic": ("Náklady skupin obcí", "Costs of groups"), "v_jadru": ("V jádru", "In the core"), "jadro_uplne": ("Jádro úplné", "Core complete"),
    "samostatne": ("Samostatně by stála (Kč)", "Stand-alone cost (CZK)"), "samostatne_brutto": ("Samostatně brutto (Kč)", "Stand-alone gross (CZK)"),
    "rovnym_dilem": ("Rovným dílem (Kč)", "Equal shares (CZK)"), "na_obyvatele": ("Podle obyvatel (Kč)", "Per capita (CZK)"),
    "na_cilovou_populaci": ("Podle cílové populace (Kč)", "Per target population (CZK)"), "podle_vyuziti": ("Podle využití (Kč)", "By usage (CZK)"),
    "kombinace": ("Kombinace (Kč)", "Mix (CZK)"), "shapley": ("Shapleyho hodnota (Kč)", "Shapley value (CZK)"), "scrb": ("SCRB (Kč)", "SCRB (CZK)"),
    "castka": ("Částka (Kč)", "Amount (CZK)"), "plati_vic_nez_samostatne": ("Platí víc než samostatně", "Pays more than alone"),
    "poradi": ("Pořadí", "Order"), "typ": ("Typ", "Type"), "podil_pct": ("Podíl na nákladech (%)", "Share of cost (%)"),
    "koalice": ("Skupina obcí", "Group of municipalities"), "koalice_kody": ("Kódy obcí skupiny", "Codes of the group"),
    "platba": ("Platí (Kč)", "Pays (CZK)"), "naklady_koalice": ("Samostatně by stála (Kč)", "Own service would cost (CZK)"),
    "prebytek": ("Platí navíc (Kč)", "Pays in excess (CZK)"), "v_dosahu": ("V dosahu", "In reach"), "vyrazena_z_dosahu": ("Vyřazena z dosahu", "Taken out of reach"),
    "aktivita": ("Aktivita", "Activity"), "aktivity": ("Aktivity", "Activities"), "opatreni": ("Opatření", "Measure"),
    "priorita": ("Priorita", "Priority"), "skupina": ("Pracovní skupina", "Working group"), "rozpocet": ("Rozpočet (Kč)", "Budget (CZK)"),
    "cerpano": ("Čerpáno (Kč)", "Spent (CZK)"), "cerpani": ("Čerpání (%)", "Spent (%)"), "z_toho_obce": ("Z toho obce (Kč)", "Of which municipalities (CZK)"),
    "zdroje": ("Zdroje financování", "Funding sources"), "termin": ("Termín", "Deadline"), "po_terminu": ("Po termínu", "Overdue"),
    "indikator": ("Indikátor", "Indicator"), "vychozi": ("Výchozí hodnota", "Baseline"), "vaha": ("Váha", "Weight"),
    "smer": ("Směr", "Direction"), "plan": ("Plán", "Planned"), "skutecnost": ("Skutečnost", "Actual"),
    "plneni": ("Plnění (%)", "Fulfilment (%)"), "zmena": ("Změna proti výchozí", "Change from baseline"), "vykazano": ("Vykázáno (%)", "Reported (%)"),
    "n": ("Počet indikátorů", "Indicators"), "n_v_planu": ("V plánu", "On track"), "n_pozadu": ("Pozadu", "Behind"),
    "n_nevykazano": ("Nevykázáno", "Not reported"), "n_ceka": ("Čeká", "Not yet due"), "n_aktivit": ("Aktivit", "Activities"),
    "n_po_terminu": ("Aktivit po termínu", "Overdue activities"), "n_priorit": ("Priorit", "Priorities"),
    "n_indikatoru_v_planu": ("Indikátorů v plánu", "Indicators on track"), "n_indikatoru_pozadu": ("Indikátorů pozadu", "Indicators behind"),
    "n_indikatoru_nevykazano": ("Indikátorů nevykázáno", "Indicators not reported"), "n_indikatoru_ceka": ("Indikátorů čeká", "Indicators not yet due"),
    "text": ("Text", "Text"), "cislo": ("Č.", "No."), "datum": ("Datum", "Date"), "autor": ("Kdo", "From"),
    "rozhodnuti": ("Rozhodnutí", "Decision"), "zduvodneni": ("Zdůvodnění", "Reasoning"),
    "zverejneni_navrhu": ("Návrh zveřejněn", "Draft published"), "konec_pripominek": ("Konec připomínek", "End of comments"),
    "v_terminu": ("V termínu", "In time"),
}
#: Sheet names of the run's workbook, by result table (at most 31 characters).
TABLES: dict[str, tuple[str, str]] = {
    "obce": ("Obce", "Municipalities"), "sluzby": ("Služby", "Services"), "potreba": ("Potřeba", "Need"),
    "dostupnost": ("Dostupnost", "Accessibility"), "mezery": ("Mezery podle skupin", "Gaps by group"),
    "mezery_obce": ("Mezery podle obcí", "Gaps by municipality"), "mezery_region": ("Mezery v regionu", "Gaps in the region"),
    "nejvetsi_nedostatky": ("Největší nedostatky", "Largest shortfalls"), "vytizenost": ("Vytížení služeb", "Load of services"),
    "vyuziti": ("Využití podle obcí", "Usage by municipality"), "financovani_sluzby": ("Financování – služby", "Funding – services"),
    "financovani_podily": ("Financování – podíly", "Funding – shares"), "financovani_srovnani": ("Financování – metody", "Funding – methods"),
    "financovani_vrstvy": ("Financování – zdroje", "Funding – sources"), "financovani_jadro": ("Financování – jádro", "Funding – core"),
    "financovani_odhlaseni": ("Financování – odhlášení", "Funding – opt-outs"), "plan_indikatory": ("Plán – indikátory", "Plan – indicators"),
    "plan_opatreni": ("Plán – opatření", "Plan – measures"), "plan_priority": ("Plán – priority", "Plan – priorities"),
    "plan_skupiny": ("Plán – pracovní skupiny", "Plan – working groups"), "plan_celkem": ("Plán – celkem", "Plan – overall"),
    "plan_rozpocet": ("Plán – rozpočet", "Plan – budget"), "plan_akcni_plan": ("Plán – akční plán", "Plan – action plan"),
    "plan_swot": ("Plán – SWOT", "Plan – SWOT"), "plan_pripominky": ("Plán – připomínky", "Plan – comments"),
    "plan_mezery_opatreni": ("Plán – mezery a opatření", "Plan – gaps and measures"),
}

#: Units of counts by their Czech singular: CLDR plural form -> word, per language.
#: Czech ``one`` 1, ``few`` 2–4, ``many`` decimals (1,5 lůžka), ``other`` 0 and 5+.
UNITS: dict[str, dict[str, dict[str, str]]] = {
    "klient": {"cs": {"one": "klient", "few": "klienti", "many": "klienta", "other": "klientů"},
               "en": {"one": "client", "other": "clients"}},
    "lůžko": {"cs": {"one": "lůžko", "few": "lůžka", "many": "lůžka", "other": "lůžek"},
              "en": {"one": "bed", "other": "beds"}},
    "místo": {"cs": {"one": "místo", "few": "místa", "many": "místa", "other": "míst"},
              "en": {"one": "place", "other": "places"}},
    "rodina": {"cs": {"one": "rodina", "few": "rodiny", "many": "rodiny", "other": "rodin"},
               "en": {"one": "family", "other": "families"}},
    "osoba": {"cs": {"one": "osoba", "few": "osoby", "many": "osoby", "other": "osob"},
              "en": {"one": "person", "other": "people"}},
    "obec": {"cs": {"one": "obec", "few": "obce", "many": "obce", "other": "obcí"},
             "en": {"one": "municipality", "other": "municipalities"}},
    "kontakt": {"cs": {"one": "kontakt", "few": "kontakty", "many": "kontaktu", "other": "kontaktů"},
                "en": {"one": "contact", "other": "contacts"}},
    "intervence": {"cs": {"one": "intervence", "few": "intervence", "many": "intervence", "other": "intervencí"},
                   "en": {"one": "intervention", "other": "interventions"}},
    "hovor": {"cs": {"one": "hovor", "few": "hovory", "many": "hovoru", "other": "hovorů"},
              "en": {"one": "call", "other": "calls"}},
    "služba": {"cs": {"one": "služba", "few": "služby", "many": "služby", "other": "služeb"},
               "en": {"one": "service", "other": "services"}},
    "obyvatel": {"cs": {"one": "obyvatel", "few": "obyvatelé", "many": "obyvatele", "other": "obyvatel"},
                 "en": {"one": "inhabitant", "other": "inhabitants"}},
    "hodina": {"cs": {"one": "hodina", "few": "hodiny", "many": "hodiny", "other": "hodin"},
               "en": {"one": "hour", "other": "hours"}},
    "problém": {"cs": {"one": "problém", "few": "problémy", "many": "problému", "other": "problémů"},
                "en": {"one": "problem", "other": "problems"}},
}


def check_lang(lang: str) -> str:
    """``lang`` if it is a known language; else a clear error."""
    if lang not in LANGS:
        raise InvalidParameter(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def translate(words: Words, key: str, lang: str = "cs", **fields: object) -> str:
    """The text of ``key`` in a (Czech, English) table, with ``{fields}`` filled in.

    Examples
    --------
    >>> translate(MEETING, "heading", "en", region="Otrokovicko")
    'Meeting: Otrokovicko'
    """
    cs, en = words[key]
    text = cs if check_lang(lang) == "cs" else en
    return text.format(**fields) if fields else text


def word(key: str, lang: str = "cs", **fields: object) -> str:
    """The text of ``key`` of :data:`WORDS` in ``lang``, with ``{fields}`` filled in.

    Examples
    --------
    >>> word("map_coverage", "cs", druh="pečovatelská služba")
    'Pokrytí potřeby: pečovatelská služba'
    """
    return translate(WORDS, key, lang, **fields)


def label(codes: Words, code: object, lang: str = "cs", *, default: str = "–") -> str:
    """The name of a code (a state, a decision); ``default`` for a missing or unknown code.

    Examples
    --------
    >>> label(GAP_STATES, "nedostupne"), label(LOAD_STATES, None, "en")
    ('nedostupné', '–')
    """
    check_lang(lang)
    if not isinstance(code, str) or code not in codes:
        return default
    return translate(codes, code, lang)


def header(columns: list[str], lang: str = "cs", words: Words = WORDS) -> dict[str, str]:
    """Page headers for table columns (unknown columns keep their name)."""
    return {c: translate(words, c, lang) if c in words else c for c in columns}


def method_label(method: str, lang: str = "cs") -> str:
    """Label of a cost-split method.

    Raises
    ------
    InvalidParameter
        For a method not in :data:`METHODS`.

    Examples
    --------
    >>> method_label("na_obyvatele"), method_label("shapley", "en")
    ('podle počtu obyvatel', 'Shapley value')
    """
    if method not in METHODS:
        raise InvalidParameter(f"unknown method '{method}' (valid: {', '.join(METHODS)})")
    return translate(METHODS, method, lang)


def type_name(druh: str, lang: str = "cs") -> str:
    """The name of a service type of the Act, without its paragraph.

    Examples
    --------
    >>> type_name("40"), type_name("40", "en")
    ('pečovatelská služba', 'home care')
    """
    t = SERVICE_TYPES[druh]
    return (t.name, t.name_en)[LANGS.index(check_lang(lang))]


@functools.lru_cache(maxsize=256)
def unit_key(unit: str) -> str | None:
    """The key of :data:`UNITS` of a unit written in any Czech form, or None (looked up once per text).

    Examples
    --------
    >>> unit_key("lůžka"), unit_key("klienti"), unit_key("hodiny"), unit_key("směny")
    ('lůžko', 'klient', 'hodina', None)
    """
    return _UNIT_KEYS.get(str(unit).strip().lower())


#: Every Czech form of a unit (and its key), lower case, to the unit's key in :data:`UNITS`.
_UNIT_KEYS = {form.lower(): key for key, forms in reversed(UNITS.items()) for form in (key, *forms["cs"].values())}


def unit_name(unit: str, lang: str = "cs") -> str:
    """A unit of capacity as a column shows it: Czech plural (``lůžka``), English plural (``beds``).

    Examples
    --------
    >>> unit_name("lůžka"), unit_name("klienti", "en"), unit_name("hodiny", "en"), unit_name("směny")
    ('lůžka', 'clients', 'hours', 'směny')
    """
    key = unit_key(unit)
    if key is None:
        return str(unit)
    return UNITS[key][check_lang(lang)]["few" if lang == "cs" else "other"]


def unit_word(unit: str, lang: str = "cs") -> str:
    """The form of a unit after a count such as ``<5`` or on an axis: ``lůžek``, ``klientů``, ``beds``.

    Examples
    --------
    >>> unit_word("lůžka"), unit_word("rodiny"), unit_word("rodiny", "en")
    ('lůžek', 'rodin', 'families')
    """
    key = unit_key(unit)
    return str(unit) if key is None else UNITS[key][check_lang(lang)]["other"]
