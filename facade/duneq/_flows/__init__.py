"""Sans-IO flows: generators that yield Request, Sleep and Notice actions and receive replies.

``Client`` and ``AsyncClient`` run the same flows with a small driver each (``_transport.drivers``), so
retries, polling, deadlines and paging behave identically in sync and async code. One module
per job: ``send`` (one request, retries, HTTP-to-error mapping), ``wait`` (executions and the
poll loop), ``pages`` (page planning, JSON pages, partial policy, datapoint budget), ``csv``,
``latest``, ``run`` (composite calls), and the resources' own flows.
"""
