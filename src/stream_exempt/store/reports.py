"""What is read of many exemptions at once: `list`'s rows, counts by status, `summary`'s
windows, the office's weeks, and the store as it stood at an instant (rebuilt from the events)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from stream_exempt.model import LIVE, STATUSES
from stream_exempt.store.base import StoreBase
from stream_exempt.store.common import (
    CHANGEABLE,
    DELETED_SQL,
    LISTED,
    LIVE_SQL,
    SNAPSHOT_FIELDS,
    SORTS,
    STATUS_SQL,
    TABLE_COLUMNS,
    Filters,
    OfficeCounts,
    conditions,
    office_counts,
)


def _count(value: Any) -> Any:
    """A count as an int (PostgreSQL's SUM of ints is a bigint), or NULL's None."""
    return None if value is None else int(value)


class Reports(StoreBase):
    """Queries over the whole exemptions table, each counted or filtered in SQL."""

    def _listing_conditions(
        self, day: date, statuses: Iterable[str], filters: Filters, *, search: bool = True
    ) -> tuple[str, list[Any]]:
        """`list`'s WHERE clause: the filters, and a status as of `day` (?1) among `statuses`.

        Live statuses are found through the `exemptions_live` index unless `search` is false
        (`_live_test`): then the table is read from end to end, which is quicker when most of
        its rows are wanted."""
        where, args = conditions([day.isoformat()], filters, later=self.LATER)
        chosen = set(statuses)
        if chosen and chosen <= LIVE:
            where.append(self._live_test(search))
        if chosen != LIVE:
            wanted = ", ".join(f"'{status}'" for status in STATUSES if status in chosen) or "NULL"
            where.append(f"({STATUS_SQL}) IN ({wanted})")
        if self.TYPED_DAY is not None:
            where.append(self.TYPED_DAY)
        return " AND ".join(where), args

    def _live_test(self, search: bool) -> str:
        """SQL: live as of day ?1, searched through an index when `search` is true."""
        return LIVE_SQL

    def _shown(self, *, as_json: bool, delimiter: str | None) -> str:
        """The columns `listed` selects: `LISTED`, unless the dialect writes lines itself."""
        return LISTED

    def _listing_query(
        self,
        shown: str,
        day: date,
        statuses: Iterable[str],
        filters: Filters,
        *,
        order: str,
        limit: int | None,
        stood_at: str | None,
    ) -> tuple[str, list[Any]]:
        """`listed`'s query and its parameters: the rows read with the table from end to end,
        or a page (the first on a terminal, a small --limit) picked by their ids: those are
        picked and sorted from an index alone where it holds every column asked about, then
        only those rows are read (`_page`)."""
        if stood_at is None and limit is not None and limit <= self._page():
            where, args = self._listing_conditions(day, statuses, filters)
            query = (
                f"SELECT {shown} FROM exemptions WHERE id IN (SELECT id FROM exemptions WHERE {where} "
                f"ORDER BY {order} LIMIT {int(limit)}) ORDER BY {order}"
            )
            return query, args
        where, args = self._listing_conditions(day, statuses, filters, search=False)
        source = "exemptions" if stood_at is None else self._as_it_stood(stood_at, args)
        query = f"SELECT {shown} FROM {source} WHERE {where} ORDER BY {order}"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return query, args

    def _page(self) -> int:
        """At most how many rows `listed` picks by their ids (-1: never)."""
        return -1

    def listed(
        self,
        day: date,
        statuses: Iterable[str],
        filters: Filters,
        *,
        sort: str = "start",
        limit: int | None = None,
        as_json: bool = False,
        delimiter: str | None = None,
        stood_at: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """`list`'s rows, streamed as they are read: in memory a few at a time.

        Each row holds `model.FIELDS` in order, as the machine formats write them (ISO dates,
        type codes, the status as of `day` computed in SQL as `rules.status` does); with
        `as_json` (where `writes_json`), one text instead: the row as a JSON object, made in
        SQL; with `delimiter` (`,` or a tab), the row as one csv/tsv line made by the database,
        or its fields as a JSON array (starting with `[`) when the csv module must quote or
        defuse them. Only the rows with one of `statuses` (filtered in SQL) that meet
        `filters`, in the order `sort` names; `limit` keeps the first rows only. With
        `stood_at` (an instant, as events record it), the store as it stood then
        (`_as_it_stood`), instead of as it is.
        """
        shown = self._shown(as_json=as_json, delimiter=delimiter)
        query, args = self._listing_query(
            shown, day, statuses, filters, order=SORTS[sort], limit=limit, stood_at=stood_at
        )
        return self._rows(query, args, delimiter=delimiter, limited=limit is not None)

    def count_listed(
        self, day: date, statuses: Iterable[str], filters: Filters, *, stood_at: str | None = None
    ) -> int:
        """How many rows `listed` gives for the same day, statuses, filters and instant, with no limit."""
        where, args = self._listing_conditions(day, statuses, filters)
        source = "exemptions" if stood_at is None else self._as_it_stood(stood_at, args)
        row = self._run(f"SELECT count(*) FROM {source} WHERE {where}", args).fetchone()
        return int(row[0]) if row else 0

    def _as_it_stood(self, at: str, args: list[Any]) -> str:
        """The exemptions table as it stood at the instant `at` (an ISO UTC timestamp, as events
        record it), rebuilt from the event log, for a query's FROM: a subquery named
        `exemptions`, with the table's own columns, so that every query of the table (`list`'s
        rows, statuses and filters, the summary's counts) reads it as it reads the table.

        Only the exemptions recorded before `at`, each with the fields a change can alter
        (`CHANGEABLE`) as its last event before `at` left them (the snapshot after it); the
        other columns from the row. `at` is appended to `args` as the subquery's parameter.
        In SQL, one pass: the last event of each exemption is found by a grouped scan of the
        `events_by_exemption` index (exemption, time; migration 0007), not one query each.
        """
        args.append(at)
        fields = {column: field for field, column in SNAPSHOT_FIELDS if field in CHANGEABLE}

        def read(column: str) -> str:
            field = fields.get(column)
            if field is None:
                return f"e.{column}"
            recorded = self._recorded(field, column)
            if field == "deleted_on":
                # Events written before migration 0002 do not record the deletion day: theirs is
                # the row's (which that migration set), where the event shows the same deletion.
                same = self._recorded("deleted_at", "deleted_at")
                return (
                    f"CASE WHEN {self._records('deleted_on')} THEN {recorded} "
                    f"WHEN {same} {self.SAME} e.deleted_at THEN e.deleted_on END"
                )
            return recorded

        shown = ", ".join(f"{read(column)} AS {column}" for column in self._table_columns())
        return (
            f"(SELECT {shown} FROM (SELECT exemption_id, MAX(id) AS last FROM events "
            f"WHERE exemption_id IS NOT NULL AND at < ?{len(args)}::text GROUP BY exemption_id) AS l "
            f"JOIN events AS s ON s.id = l.last JOIN {self.EXEMPTIONS} AS e ON e.id = l.exemption_id) AS exemptions"
        )

    def _table_columns(self) -> Sequence[str]:
        """The columns of the exemptions table, in its order."""
        return TABLE_COLUMNS

    def status_counts(self, day: date) -> dict[str, int]:
        """How many exemptions have each status as of `day`, counted in one pass.

        Counts of a few tests rather than a CASE grouped by its value (twice as slow in
        SQLite): deleted (R5b) and live (not deleted, not expired) are each one test, pending is
        live and not yet in force; active is the rest of live, expired the rest of all
        (`rules.status`)."""
        row = self._run(
            f"SELECT count(*), count(*) FILTER (WHERE {DELETED_SQL}), count(*) FILTER (WHERE {LIVE_SQL}), "
            f"count(*) FILTER (WHERE {LIVE_SQL} AND (?1 < start_date OR ?1 < in_force_from)) FROM exemptions",
            (day.isoformat(),),
        ).fetchone()
        every, deleted, live, pending = (int(value) for value in row)
        counts = {"active": live - pending, "pending": pending, "expired": every - deleted - live}
        counts["deleted"] = deleted
        return {status: counts[status] for status in STATUSES}

    def summary_counts(
        self, day: date, windows: Mapping[str, tuple[date, date]], *, stood_at: str | None = None
    ) -> list[tuple[str, str, int, dict[str, int]]]:
        """For each type and status as of `day` (`STATUS_SQL`): how many exemptions, and how many
        of those fall in each window of `summary` (`list`'s filters, in SQL): `in_force`,
        `starting` and `ending` count live ones whose first day in force, start or end falls in
        it; `deleted` those whose deletion day does. One grouped query, one pass. With `stood_at`,
        the store as it stood at that instant (`_as_it_stood`)."""
        live = "status IN ('active', 'pending')"
        columns = {
            "in_force": f"{live} AND {self.LATER.format('start_date', 'in_force_from')}",
            "starting": f"{live} AND start_date",
            "ending": f"{live} AND end_date",
            "ending_today": f"{live} AND end_date",
            "deleted": "deleted_on",
        }
        keys = [key for key in columns if key in windows]
        # ?1 is the day (in STATUS_SQL); each window's first and last day follow, numbered.
        sums = "".join(
            ", " + self.COUNT_TRUE.format(f"{columns[key]} BETWEEN ?{2 + 2 * n}::date AND ?{3 + 2 * n}::date")
            for n, key in enumerate(keys)
        )
        args: list[Any] = [day.isoformat(), *(d.isoformat() for key in keys for d in windows[key])]
        source = "exemptions" if stood_at is None else self._as_it_stood(stood_at, args)
        where = "" if self.TYPED_DAY is None else f" WHERE {self.TYPED_DAY}"
        rows = self._run(
            f"WITH counted AS {self._counted_made(stood_at)} (SELECT type, start_date, end_date, "
            f"in_force_from, deleted_on, {STATUS_SQL} AS status FROM {source}{where}) "
            f"SELECT type, status, COUNT(*){sums} FROM counted GROUP BY type, status",
            args,
        )
        return [
            (row[0], row[1], int(row[2]), dict(zip(keys, (_count(v) for v in row[3:]), strict=True)))
            for row in rows
        ]

    def _counted_made(self, stood_at: str | None) -> str:
        """How `summary_counts` makes its rows: MATERIALIZED as it stood at an instant, where
        each rebuilt row is made once (read through the CTE, each of its fields would be read
        from the event's JSON again wherever the sums name it: five times the table's cost)."""
        return "" if stood_at is None else "MATERIALIZED"

    def students_in_force_by_week(self, first: date, weeks: int) -> OfficeCounts:
        """For each of `weeks` weeks from `first`: how many students have an exemption of each
        type in force on at least one of its days, and how many students in all; and for the
        whole of those weeks, how many students of each type.

        The days an exemption is in force are `rules.in_force_days`, written here in SQL so
        that the whole office is counted in one grouped query (tests hold the two together).
        Each exemption becomes the range of weeks it is in force in. A student with one such
        range (nearly everyone) is counted by where the range starts and stops, which needs
        no week-by-week rows; only students with several ranges are matched week by week,
        so that a student counts once per type and once in all.
        """
        last = first + timedelta(days=7 * weeks - 1)
        later, earlier, days = self.LATER.format, self.EARLIER.format, self.DAYS_BETWEEN.format
        rows = self._run(
            f"""
            WITH RECURSIVE {self.WEEKS.format(3)},
            in_force(student_id, type, first, last) AS MATERIALIZED (
                SELECT student_id, type, {later("start_date", "in_force_from")},
                       CASE WHEN deleted_on IS NULL THEN end_date ELSE {earlier("end_date", "deleted_on")} END
                FROM exemptions
                WHERE (deleted_on IS NULL OR deleted_on >= start_date)
                  AND end_date >= ?1::date AND start_date <= ?2::date
            ),
            ranges(student_id, type, lo, hi) AS MATERIALIZED (
                SELECT student_id, type,
                       {later("0", days("first", "?1::date"))} / 7,
                       {earlier("?3::int - 1", days("last", "?1::date") + " / 7")}
                FROM in_force
                WHERE first <= last AND last >= ?1::date AND first <= ?2::date
            ),
            several(student_id) AS MATERIALIZED (
                SELECT student_id FROM ranges GROUP BY student_id HAVING COUNT(*) > 1
            ),
            single AS (SELECT * FROM ranges WHERE student_id NOT IN (SELECT student_id FROM several)),
            pairs(n, type, student_id) AS MATERIALIZED (
                SELECT DISTINCT week.n, ranges.type, ranges.student_id
                FROM ranges JOIN week ON week.n BETWEEN ranges.lo AND ranges.hi
                WHERE ranges.student_id IN (SELECT student_id FROM several)
            )
            SELECT 'from', lo, type, COUNT(*) FROM single GROUP BY lo, type
            UNION ALL SELECT 'after', hi + 1, type, COUNT(*) FROM single GROUP BY hi, type
            UNION ALL SELECT 'type', n, type, COUNT(*) FROM pairs GROUP BY n, type
            UNION ALL SELECT 'all', n, NULL, COUNT(DISTINCT student_id) FROM pairs GROUP BY n
            UNION ALL SELECT 'window', NULL, type, COUNT(DISTINCT student_id) FROM ranges GROUP BY type
            """,
            (first.isoformat(), last.isoformat(), weeks),
        )
        return office_counts(((kind, n, type_code, int(count)) for kind, n, type_code, count in rows), weeks)
