"""What each command says for people once its work is done: the words of every result in
`outcomes.py`, written to standard output (the answer) and standard error (notes, warnings),
one module per family of commands:

- `add.py`: add;  `requests.py`: request, approve, reject;
- `change.py`: extend, move, delete, edit;  `bulk.py`: bulk and add --every (a series);
- `stores.py`: init, doctor, copy-store;  `answers.py`: check, summary, timeline, list --ids;
- `common.py`: what they share (a line out, a card of facts, counts in words).

`WRITERS` maps each kind of result to the function that writes it; `registry.render_result`
is the one way in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stream_exempt.output.outcomes import (
    Added,
    Approved,
    Changed,
    CopiedStore,
    Deleted,
    Edited,
    FeedChecked,
    Health,
    Ids,
    Imported,
    Initialised,
    Morning,
    Picture,
    Rejected,
    Requested,
    SeriesAdded,
)
from stream_exempt.output.said.add import added
from stream_exempt.output.said.answers import feed_checked, ids, morning, picture
from stream_exempt.output.said.bulk import imported, series_added
from stream_exempt.output.said.change import changed, deleted, edited
from stream_exempt.output.said.requests import approved, rejected, requested
from stream_exempt.output.said.stores import copied_store, health, initialised

WRITERS: dict[type, Callable[[Any], None]] = {
    Added: added,
    Approved: approved,
    Requested: requested,
    Rejected: rejected,
    Edited: edited,
    Changed: changed,
    Deleted: deleted,
    Imported: imported,
    SeriesAdded: series_added,
    Health: health,
    Initialised: initialised,
    CopiedStore: copied_store,
    Ids: ids,
    FeedChecked: feed_checked,
    Morning: morning,
    Picture: picture,
}
