"""The I/O edge: the facade's sync and async drivers of the flows over one httpx client, the
``dune.lowlevel`` transport (the third driver) and the sync client's http.client connections."""
