"""Seed a province's history of dossiers with PostgreSQL COPY, streaming in chunks.

Run inside Django (``DJANGO_SETTINGS_MODULE=tinhso.settings``) after ``migrate`` and
``load_demo``::

    python -m bench.seed --dossiers 1000000

Dossiers are generated day by day over three years ending today, so each (agency, day)
sequence is numbered in submission order and its counter row is written once the day is done:
codes follow ``<agency code>-<YYMMDD>-<seq>``, are unique, and the counters hold the seeded
maxima, so live submissions during the run continue after them. Memory stays constant whatever
the size: citizens are derived from their index, and only one day is held at a time.

Written: citizens (``accounts_user``), dossiers, their status history, outbox events (published)
and due-time changes, code counters, and for the dossiers still open the flow row the officers'
inbox reads. Not written for the seeded history: audit entries, attachments, supplement requests
(the live phases write all of them).

Run again on a seeded database, it grows it (``BENCH_GROWTH``): the new dossiers get the next
ids, their codes continue each (agency, day) sequence, and the new citizens follow the ones
already seeded.
"""

import argparse
import datetime
import hashlib
import json
import multiprocessing
import os
import random
import sys
import time
from functools import lru_cache

import django
import psycopg
from psycopg.types.json import Jsonb

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Võ",
    "Phan",
    "Trương",
    "Bùi",
    "Đặng",
    "Đỗ",
    "Ngô",
    "Hồ",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng", "Hữu", "Thu", "Quốc", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Hà",
    "Hân",
    "Hùng",
    "Khang",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
]
HAMLETS = ["Tân Thuận", "Mỹ Hòa", "An Bình", "Long Hưng", "Phú Điền", "Bình Thạnh", "Tân Hội", "Mỹ Xương"]
# Common mobile prefixes (Viettel, VinaPhone, MobiFone).
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "070", "079", "077"]
PHONE_PREFIXES += ["076", "078", "083", "084", "085", "081", "082", "032", "033", "034", "035", "036", "037"]
LOCAL = datetime.timezone(datetime.timedelta(hours=7))
YEARS = 3
CHUNK = 20_000
ONLINE_WEEKEND_SHARE = 0.25


class Table:
    """Rows of one model for PostgreSQL COPY. Columns not given explicitly get the model field's
    default, so a new field with a default needs no change here."""

    def __init__(self, model, columns: list[str]):
        self.table = model._meta.db_table
        tail_columns, tail = [], []
        for field in model._meta.concrete_fields:
            if field.column in columns or field.primary_key:
                continue
            default = field.get_default()
            if default is None and not field.null:
                raise RuntimeError(f"bench.seed: give a value for {model._meta.label}.{field.name}")
            tail_columns.append(field.column)
            tail.append(Jsonb(default) if isinstance(default, dict | list) else default)
        self.columns = list(columns) + tail_columns
        self.tail = tuple(tail)
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append(values + self.tail)

    def flush(self, cursor) -> int:
        if not self.rows:
            return 0
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with cursor.copy(f'COPY "{self.table}" ({columns}) FROM STDIN') as copy:
            for row in self.rows:
                copy.write_row(row)
        count, self.rows = len(self.rows), []
        return count


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.start, self.shown = total, label, time.monotonic(), 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.shown < 0.5:
            return
        self.shown = now
        elapsed = max(now - self.start, 1e-6)
        rate = done / elapsed
        share = done / self.total if self.total else 1
        eta = (self.total - done) / rate if rate else 0
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\r{self.label} [{bar:<30}] {share:6.1%} {done:,}/{self.total:,} {rate:,.0f}/s ETA {eta:4.0f}s "
        )
        sys.stderr.flush()

    def close(self, done: int) -> None:
        self.update(done, force=True)
        sys.stderr.write("\n")


def person(index: int) -> tuple[str, str, str, datetime.date, str]:
    """(full name, CCCD, E.164 phone, date of birth, gender) of citizen number ``index``."""
    digest = hashlib.blake2b(index.to_bytes(8, "little"), digest_size=8).digest()
    a, b, c, d = digest[0], digest[1], digest[2], int.from_bytes(digest[3:8], "little")
    female = a % 2 == 1
    middle = "Thị" if female and b % 3 else MIDDLE[b % len(MIDDLE)]
    name = f"{FAMILY[a % len(FAMILY)]} {middle} {GIVEN[c % len(GIVEN)]}"
    born = datetime.date(1950 + d % 56, 1 + d % 12, 1 + d % 28)
    century_gender = (0 if born.year < 2000 else 2) + (1 if female else 0)
    # Province prefix by block of a million; the sequence part is the index itself, so unique.
    prefix = ("087", "082", "089", "086", "084", "083", "080", "092", "094", "095")[index // 1_000_000 % 10]
    cccd = f"{prefix}{century_gender}{born.year % 100:02d}{index % 1_000_000:06d}"
    phone = f"+84{PHONE_PREFIXES[d % len(PHONE_PREFIXES)][1:]}{d // 7 % 10_000_000:07d}"
    return name, cccd, phone, born, "female" if female else "male"


def local_phone(e164: str) -> str:
    return "0" + e164[3:]


def day_weights(days: list[datetime.date], is_working_day) -> list[float]:
    """Relative volume per calendar day: working days carry the load (Mondays and month ends more,
    rising over the years); on other days only online submissions arrive."""
    rng = random.Random(7)
    weights = []
    for position, day in enumerate(days):
        trend = 0.8 + 0.4 * position / max(len(days) - 1, 1)
        if is_working_day(day):
            weight = 1.0 + (0.3 if day.weekday() == 0 else 0) + (0.2 if day.day >= 25 else 0)
        else:
            weight = 0.12
        weights.append(weight * trend * rng.uniform(0.85, 1.15))
    return weights


def allocate(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to ``weights`` summing exactly to ``total``."""
    scale = total / sum(weights)
    counts, carried = [], 0.0
    for weight in weights:
        carried += weight * scale
        count = int(carried)
        carried -= count
        counts.append(count)
    counts[-1] += total - sum(counts)
    return counts


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=2, help="loading processes")
    options = parser.parse_args(argv)
    django.setup()
    return seed(options.dossiers, options.seed, options.jobs)


def seed(total: int, rng_seed: int = 2026, jobs: int = 2) -> dict:
    from django.db import connection
    from django.utils import timezone

    from tinhso.accounts.models import User
    from tinhso.agencies.models import Agency, AgencyKind
    from tinhso.dossiers.models import (
        Dossier,
        DossierBookCounter,
        DossierCodeCounter,
        DossierEvent,
        DossierStatusChange,
        DueTimeChange,
    )
    from tinhso.procedures.models import Procedure, TimeUnit
    from tinhso.units.models import AdministrativeUnit
    from tinhso.units.models import Level as UnitLevel
    from tinhso.workflows.models import DossierFlow
    from tinhso.worktime.calendar import add_working_days, add_working_hours, is_working_day

    started = time.monotonic()
    rng = random.Random(rng_seed)
    now = timezone.now()
    today = timezone.localdate(now)
    days = [today - datetime.timedelta(days=offset) for offset in range(365 * YEARS - 1, -1, -1)]
    working = {day: is_working_day(day) for day in days}

    desks = list(Agency.objects.filter(kind=AgencyKind.ONE_STOP_DESK).values_list("pk", "code"))
    desk_weights = [rng.paretovariate(1.5) for _desk in desks]
    procedures = []
    for procedure in Procedure.objects.prefetch_related("agencies"):
        linked = [(agency.pk, agency.code) for agency in procedure.agencies.all()]
        procedures.append(
            (procedure.pk, procedure.processing_time, procedure.processing_unit, linked, procedure.name)
        )
    if not procedures or not desks:
        raise RuntimeError("bench.seed: load the demo agencies and procedures first (manage.py load_demo).")
    rng.shuffle(procedures)
    # A few procedures (civil status, certification) carry most of the volume.
    procedure_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(procedures))]
    communes = list(
        AdministrativeUnit.objects.valid_on().filter(level=UnitLevel.COMMUNE).values_list("pk", "code")
    )

    citizens = max(total // 10, 100)
    with connection.cursor() as cursor:
        cursor.execute('SELECT coalesce(max(id), 0) FROM "accounts_user"')
        first_user = cursor.fetchone()[0] + 1
        # Growing a seeded database: the new citizens are numbered after those already seeded.
        cursor.execute("SELECT count(*) FROM \"accounts_user\" WHERE password = '!bench'")
        first_citizen = cursor.fetchone()[0]
        cursor.execute('SELECT coalesce(max(id), 0) FROM "dossiers_dossier"')
        next_dossier = cursor.fetchone()[0] + 1
        # Counters already used (the demo data submits a few dossiers): seeding continues them.
        cursor.execute('SELECT agency_id, day, value FROM "dossiers_dossiercodecounter"')
        existing = {(agency_id, day): value for agency_id, day, value in cursor.fetchall()}
        cursor.execute('DELETE FROM "dossiers_dossiercodecounter"')
        cursor.execute('SELECT cccd FROM "accounts_user" WHERE cccd IS NOT NULL')
        taken = {row[0] for row in cursor.fetchall()}
    connection.close()
    main_connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    cursor = main_connection.cursor()
    try:
        cursor.execute("SET session_replication_role = replica")  # ids are consistent by construction
        checked = False
    except Exception:  # not a superuser: keep the foreign-key checks
        checked = True

    users = Table(
        User,
        [
            "id",
            "password",
            "username",
            "full_name",
            "kind",
            "cccd",
            "date_of_birth",
            "gender",
            "phone",
            "email",
            "date_joined",
        ],
    )
    joined = now - datetime.timedelta(days=365 * YEARS + 30)
    progress = Progress(citizens, "citizens")
    for index in range(citizens):
        name, cccd, phone, born, gender = person(first_citizen + index)
        if cccd in taken:
            continue
        users.add(
            first_user + index,
            "!bench",
            cccd,
            name,
            "citizen",
            cccd,
            born,
            gender,
            phone,
            f"cd{index}@example.vn",
            joined,
        )
        if len(users.rows) >= CHUNK:
            users.flush(cursor)
            progress.update(index + 1)
    users.flush(cursor)
    progress.close(citizens)

    counts = allocate(total, day_weights(days, working.__getitem__))
    first_ids, next_id = [], next_dossier
    for count in counts:
        first_ids.append(next_id)
        next_id += count
    cum_procedures = list(_cumulative(procedure_weights))
    cum_desks = list(_cumulative(desk_weights))

    @lru_cache(maxsize=200_000)
    def due(received: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
        if unit == TimeUnit.WORKING_HOURS:
            return add_working_hours(received, amount)
        if unit == TimeUnit.DAYS:
            return received + datetime.timedelta(days=amount)
        return add_working_days(received, amount)

    def seed_days(positions: range, done) -> None:
        """Dossiers of the days at ``positions``, in their own connection (one worker)."""
        tables = (
            Table(
                Dossier,
                [
                    "id",
                    "code",
                    "procedure_id",
                    "applicant_id",
                    "applicant_name",
                    "applicant_cccd",
                    "applicant_phone",
                    "applicant_email",
                    "applicant_unit_id",
                    "applicant_address",
                    "receiving_agency_id",
                    "channel",
                    "status",
                    "is_draft",
                    "form_data",
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "received_at",
                    "due_at",
                    "paid_at",
                    "finished_at",
                    "returned_at",
                    "version",
                ],
            ),
            Table(DossierStatusChange, ["dossier_id", "from_status", "to_status", "at"]),
            Table(
                DossierEvent, ["dossier_id", "code", "status", "agency_code", "occurred_at", "published_at"]
            ),
            Table(DueTimeChange, ["dossier_id", "kind", "old_due_at", "new_due_at", "at"]),
            Table(DossierCodeCounter, ["agency_id", "day", "value"]),
        )
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as worker:
            cursor = worker.cursor()
            if not checked:
                cursor.execute("SET session_replication_role = replica")
            pending = 0
            for position in positions:
                day, count = days[position], counts[position]
                if not count:
                    continue
                day_rng = random.Random(rng_seed * 100_003 + position)
                _one_day(
                    day,
                    count,
                    first_ids[position],
                    working[day],
                    0.35 + 0.3 * position / len(days),
                    procedures,
                    cum_procedures,
                    desks,
                    cum_desks,
                    communes,
                    (citizens, first_citizen),
                    first_user,
                    now,
                    day_rng,
                    due,
                    tables,
                    existing,
                )
                pending += count
                if len(tables[0].rows) >= CHUNK:
                    for table in tables:
                        table.flush(cursor)
                    with done.get_lock():
                        done.value += pending
                    pending = 0
            for table in tables:
                table.flush(cursor)
            with done.get_lock():
                done.value += pending

    jobs = max(1, min(jobs, len(days)))
    bounds, running, share = [0], 0, total / jobs
    for position, count in enumerate(counts):
        running += count
        if running >= share * len(bounds) and len(bounds) < jobs:
            bounds.append(position + 1)
    bounds.append(len(days))
    connection.close()
    context = multiprocessing.get_context("fork")
    done = context.Value("q", 0)
    workers = [
        context.Process(target=seed_days, args=(range(bounds[i], bounds[i + 1]), done))
        for i in range(len(bounds) - 1)
    ]
    for process in workers:
        process.start()
    progress = Progress(total, "dossiers")
    while any(process.is_alive() for process in workers):
        progress.update(done.value)
        time.sleep(0.5)
    progress.close(done.value)
    failed = [process.exitcode for process in workers if process.exitcode]
    if failed:
        raise RuntimeError(f"bench.seed: a loading worker failed (exit codes {failed})")

    sys.stderr.write("analyse and reset sequences…\n")
    cursor.execute("SET session_replication_role = DEFAULT")
    # The counters of the days that got no new dossier (only when growing by a little).
    cursor.executemany(
        'INSERT INTO "dossiers_dossiercodecounter" (agency_id, day, value) VALUES (%s, %s, %s) '
        "ON CONFLICT (agency_id, day) DO NOTHING",
        [(agency_id, day, value) for (agency_id, day), value in existing.items()],
    )
    numbered = number_books(main_connection)
    on_flows = put_dossiers_on_flows(main_connection)
    written = (
        User,
        Dossier,
        DossierStatusChange,
        DossierEvent,
        DueTimeChange,
        DossierCodeCounter,
        DossierBookCounter,
    )
    for model in (*written, DossierFlow):
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608 - model tables
            f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
        )
        cursor.execute(f'VACUUM ANALYZE "{table}"')
    main_connection.close()
    return {
        "dossiers": total,
        "citizens": citizens,
        "dossiers_numbered_in_books": numbered,
        "dossiers_put_on_flows": on_flows,
        "jobs": jobs,
        "seconds": round(time.monotonic() - started, 1),
        "foreign_keys_checked_while_loading": checked,
    }


def number_books(connection) -> int:
    """Give each seeded dossier received its number in its tracking book, after the numbers the
    book already holds (``tinhso.dossiers.codes.issue_book_number`` does it one at a time at
    reception), in reception order, and leave each book's counter at its last number."""
    from django.conf import settings

    from tinhso.dossiers.models import Dossier, DossierBookCounter
    from tinhso.procedures.models import Procedure

    dossier, counter = Dossier._meta.db_table, DossierBookCounter._meta.db_table
    procedure = Procedure._meta.db_table
    year = "extract(year FROM d.received_at AT TIME ZONE %s)::int"
    cursor = connection.cursor()
    cursor.execute(
        f"WITH books AS (SELECT d.id, d.receiving_agency_id AS agency_id, p.field_id, {year} AS year, "  # noqa: S608 - model tables
        f'd.received_at FROM "{dossier}" d JOIN "{procedure}" p ON p.id = d.procedure_id '
        "WHERE d.received_at IS NOT NULL AND d.book_number IS NULL AND NOT d.is_draft), "
        "numbered AS (SELECT b.id, coalesce(c.value, 0) + row_number() OVER "
        "(PARTITION BY b.agency_id, b.field_id, b.year ORDER BY b.received_at, b.id) AS number "
        f'FROM books b LEFT JOIN "{counter}" c ON c.agency_id = b.agency_id AND c.field_id = b.field_id '
        f'AND c.year = b.year) UPDATE "{dossier}" d SET book_number = n.number '
        "FROM numbered n WHERE d.id = n.id",
        [settings.TIME_ZONE],
    )
    numbered = cursor.rowcount
    cursor.execute(
        f'INSERT INTO "{counter}" (agency_id, field_id, year, value) '  # noqa: S608 - model tables
        f'SELECT d.receiving_agency_id, p.field_id, {year}, max(d.book_number) FROM "{dossier}" d '
        f'JOIN "{procedure}" p ON p.id = d.procedure_id WHERE d.book_number IS NOT NULL GROUP BY 1, 2, 3 '
        "ON CONFLICT (agency_id, field_id, year) DO UPDATE SET value = excluded.value",
        [settings.TIME_ZONE],
    )
    return numbered


def put_dossiers_on_flows(connection) -> int:
    """Give each seeded dossier the flow row a live one has, as the officers' inbox reads it: the
    published flow of its procedure, the first state of that flow with the dossier's status
    (else the start state), the roles that may act there (none once the dossier is closed), at
    its receiving agency, with the folded applicant name (the database copies onto it the
    dossier's fields the inbox reads). An approximation of the real path (the steps before are
    not recorded, and processing stays at the receiving agency). Dossiers not yet received stay
    off their flow: the officer-actions phase receives only dossiers submitted in the run."""
    from tinhso.core.text import fold
    from tinhso.dossiers.status import FINAL, Status
    from tinhso.procedures.models import Procedure
    from tinhso.workflows.actions import flow_version_for, waiting_roles
    from tinhso.workflows.models import DossierFlow, State

    places: dict[tuple[int, int], tuple[int, int, str]] = {}
    start: dict[int, tuple[int, int, str]] = {}
    for procedure in Procedure.objects.all():
        version = flow_version_for(procedure)
        for state in State.objects.filter(version=version).prefetch_related("actions_out").order_by("pk"):
            place = (version.pk, state.pk, waiting_roles(state.actions_out.all()))
            places.setdefault((procedure.pk, state.status_code), place)
            if state.is_start:
                start[procedure.pk] = place
    flows = Table(
        DossierFlow,
        [
            "dossier_id",
            "version_id",
            "state_id",
            "current_agency_id",
            "waiting_roles",
            "search_name",
            "step_started_at",
            "step_due_at",
        ],
    )
    cursor, written, last = connection.cursor(), 0, 0
    while True:
        cursor.execute(
            "SELECT d.id, d.procedure_id, d.status, d.receiving_agency_id, d.applicant_name, "
            'coalesce(d.received_at, d.submitted_at), d.due_at FROM "dossiers_dossier" d '
            "WHERE d.id > %s AND NOT d.is_draft AND d.status <> %s AND NOT EXISTS "
            '(SELECT 1 FROM "workflows_dossierflow" f WHERE f.dossier_id = d.id) ORDER BY d.id LIMIT %s',
            [last, Status.NEW, CHUNK],
        )
        rows = cursor.fetchall()
        if not rows:
            return written
        for pk, procedure_id, status, agency_id, name, started, due_at in rows:
            version_id, state_id, roles = places.get((procedure_id, status)) or start[procedure_id]
            closed = status in FINAL
            flows.add(
                pk,
                version_id,
                state_id,
                agency_id,
                "" if closed else roles,
                fold(name)[:200],
                started,
                None if closed else due_at,
            )
        written += flows.flush(cursor)
        last = rows[-1][0]


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _one_day(
    day,
    count,
    first_id,
    working,
    online_share,
    procedures,
    cum_procedures,
    desks,
    cum_desks,
    communes,
    citizens,
    first_user,
    now,
    rng,
    due,
    tables,
    existing,
):
    """The dossiers submitted on ``day``, numbered per agency in submission order."""
    items = []
    for procedure in rng.choices(procedures, cum_weights=cum_procedures, k=count):
        online = not working or rng.random() < online_share
        channel = "online" if online else ("postal" if rng.random() < 0.08 else "direct")
        agency = rng.choice(procedure[3]) if procedure[3] else rng.choices(desks, cum_weights=cum_desks)[0]
        if online:
            minute = rng.randrange(6 * 60, 23 * 60)
        else:
            minute = rng.choice((rng.randrange(450, 690), rng.randrange(810, 1020)))
        submitted = datetime.datetime(
            day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=LOCAL
        )
        if submitted > now:  # today: only up to now
            start = submitted.replace(hour=0, minute=0, second=0)
            submitted = start + (now - start) * rng.random()
        items.append((submitted, procedure, agency, channel))
    items.sort(key=lambda item: item[0])
    sequences = {agency_id: value for (agency_id, used_day), value in existing.items() if used_day == day}
    dossiers, changes, events, due_changes, counters = tables
    for offset, (submitted, procedure, agency, channel) in enumerate(items):
        sequence = sequences[agency[0]] = sequences.get(agency[0], 0) + 1
        code = f"{agency[1]}-{day:%y%m%d}-{sequence:04d}"
        _one_dossier(
            first_id + offset,
            code,
            submitted,
            procedure,
            agency,
            channel,
            now,
            rng,
            due,
            communes,
            citizens,
            first_user,
            dossiers,
            changes,
            events,
            due_changes,
        )
    for agency_id, value in sequences.items():
        counters.add(agency_id, day, value)


def _one_dossier(
    pk,
    code,
    submitted,
    procedure,
    agency,
    channel,
    now,
    rng,
    due,
    communes,
    citizens,
    first_user,
    dossiers,
    changes,
    events,
    due_changes,
):
    """One dossier with its status path cut at ``now``: most are long finished and returned,
    recent ones are still being received or processed."""
    procedure_id, amount, unit, _linked, _name = procedure
    online = channel == "online"
    count, first_citizen = citizens
    if online:
        index = rng.randrange(count)
        applicant_id = first_user + index
        index += first_citizen
    else:
        index = first_citizen + count + pk
        applicant_id = None
    name, cccd, phone, born, _gender = person(index)
    commune_id, commune_code = rng.choice(communes)
    outcome = rng.random()
    received = submitted if not online else submitted + datetime.timedelta(hours=rng.uniform(0.5, 30))
    due_at = due(received.replace(minute=0, second=0, microsecond=0), amount, unit)
    span = due_at - received
    late = rng.random() < 0.08
    finished = received + span * (rng.uniform(1.0, 1.4) if late else rng.uniform(0.2, 0.95))
    returned = finished + datetime.timedelta(hours=rng.uniform(1, 72))
    paid = None
    if outcome < 0.03:
        path = [(3, received)]
        received = due_at = None
    elif outcome < 0.05:
        # The applicant asks to withdraw; the desk grants it (a stop) within a few working hours
        # to three days, so only the last days' requests are still waiting for a decision.
        asked = received + span * 0.3
        granted = asked + datetime.timedelta(hours=rng.uniform(2, 72))
        path = [(2, received), (4, received + span * 0.1), (7, asked), (8, granted)]
    elif outcome < 0.055:
        path = [(2, received), (4, received + span * 0.1), (8, received + span * 0.5)]
    elif outcome < 0.13:
        asked = received + span * 0.2
        answered = asked + datetime.timedelta(days=rng.uniform(1, 10))
        due_again = answered + span
        finished = answered + span * rng.uniform(0.2, 0.95)
        returned = finished + datetime.timedelta(hours=rng.uniform(1, 72))
        path = [
            (2, received),
            (4, received + span * 0.1),
            (5, asked),
            (4, answered),
            (9, finished),
            (10, returned),
        ]
        if answered <= now:
            due_at = due_again
    elif outcome < 0.25:
        paid = received + datetime.timedelta(hours=rng.uniform(1, 48))
        path = [(2, received), (6, received + span * 0.05), (4, paid), (9, finished), (10, returned)]
    else:
        path = [(2, received), (4, received + span * 0.1), (9, finished), (10, returned)]
    steps = [(1, submitted)] + [(status, at) for status, at in path if at <= now]
    status, updated = steps[-1]
    # A stop (Form 05) ends the clock: the due time moves to the stop record.
    stopped_due, due_at = (due_at, None) if status == 8 else (None, due_at)
    if received is not None and received > now:
        received = due_at = None
    finished_at = next((at for status_, at in steps if status_ == 9), None)
    returned_at = next((at for status_, at in steps if status_ == 10), None)
    form_data = {
        "ho_ten": name,
        "ngay_sinh": born.isoformat(),
        "noi_cu_tru": {"province": "82", "commune": commune_code, "detail": f"Ấp {HAMLETS[pk % 8]}"},
    }
    dossiers.add(
        pk,
        code,
        procedure_id,
        applicant_id,
        name,
        cccd,
        phone,
        "",
        commune_id,
        f"Số {pk % 200 + 1}, ấp {HAMLETS[pk % 8]}",
        agency[0],
        channel,
        status,
        False,
        Jsonb(form_data),
        submitted,
        updated,
        submitted,
        received,
        due_at,
        paid if paid and paid <= now else None,
        finished_at,
        returned_at,
        len(steps),
    )
    previous = None
    for to_status, at in steps:
        changes.add(pk, previous, to_status, at)
        published = at + datetime.timedelta(seconds=30)
        events.add(pk, code, to_status, agency[1], at, published if published <= now else None)
        previous = to_status
    if received is not None:
        due_changes.add(
            pk,
            "acceptance",
            None,
            due(received.replace(minute=0, second=0, microsecond=0), amount, unit),
            received,
        )
    if status == 8:
        due_changes.add(pk, "stop", stopped_due, None, updated)


if __name__ == "__main__":
    print(json.dumps(main()))
