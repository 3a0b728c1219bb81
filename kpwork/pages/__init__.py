"""What people see: pages, maps, charts and tables rendered from a run's results.

Pages only select and render what :func:`kpwork.analysis.analyse_region`
computed; they never compute a status, ratio or threshold of their own.
Every public page function returns a :class:`~kpwork.pages.element.Element`
(the Voilà apps return their widgets; :func:`kpwork.pages.maps.region_map`
returns a ``folium.Map`` that :func:`kpwork.pages.maps.embed` puts in a sandboxed frame). What a
public page may show of counts of real people is decided by :mod:`kpwork.disclosure`.

- :mod:`~kpwork.pages.element`: the one page element (HTML), tables and inline charts;
- :mod:`~kpwork.pages.format`: numbers, money, shares, counts and dates, Czech or English (babel);
- :mod:`~kpwork.pages.labels`: every word of the pages, Czech and English;
- :mod:`~kpwork.pages.maps`, :mod:`~kpwork.pages.charts`: offline maps and inline charts;
- :mod:`~kpwork.pages.views`: the region and municipality pages;
- :mod:`~kpwork.pages.funding`, :mod:`~kpwork.pages.monitoring`: the funding and monitoring reports;
- :mod:`~kpwork.pages.meeting`, :mod:`~kpwork.pages.catalogue`: the Voilà pages of a meeting.
"""
