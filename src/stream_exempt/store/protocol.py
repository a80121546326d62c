"""What the commands call on a store, whichever database holds it: the rooms by noun, each
written once over the dialect's hooks (`base.StoreBase`). `sqlite.Store` and
`postgres.PostgresStore` are its two dialects; a third backend would be another."""

from __future__ import annotations

from stream_exempt.store.batches import Batches
from stream_exempt.store.reports import Reports
from stream_exempt.store.requests import Requests


class StoreProtocol(Requests, Batches, Reports):
    """An open store: reads, one-transaction writes (`writing()`), the event log, requests.

    Exemptions (`exemptions.Exemptions`), their events (`events.Events`), bulk batches
    (`batches.Batches`), tutors' requests (`requests.Requests`) and the reports over many
    exemptions (`reports.Reports`)."""
