"""Working time in Vietnam: the clock that dossier and feedback deadlines run on.

A day is a working day when it has office hours: the weekly schedule gives the hours
(default 07:30–11:30 and 13:30–17:00, Monday to Friday), public holidays take them away, and
the ``CalendarException`` rows override both: an extra day off, or a
make-up working day (a make-up day keeps its weekday's hours, or, when that weekday has none,
e.g. a Saturday, the hours of the first weekday of the week that has some).

The public holidays of a year are those a province administrator confirmed (``Holiday`` rows,
see ``actions.confirm_year``); for a year not confirmed yet they come from the ``holidays``
package and are **provisional**: used for deadlines, but shown as "dự kiến" (``is_provisional``,
``provisional_years``). Each holiday carries its legal basis (``holiday_basis``):

- Labour Code 2019 art. 112(1): 1/1, five Tết days, 30/4, 1/5, 2/9 and one adjacent day, the
  Hùng Kings' day (10/3 lunar); art. 112(3): the Prime Minister fixes the Tết days and the day
  next to 2/9, announced each year by a notice (Ministry of Labour to 2025, Ministry of Home
  Affairs from 2026); art. 111(3): a weekly rest day that falls on one of them is made up on the
  next working day.
- Resolution 28/2026/QH16 art. 2 (in force 1/7/2026): 24/11, Vietnamese Culture Day, is a paid
  day off. Not checked against the official text (read only as quoted by others); it is not in
  art. 112(1), so art. 111(3)'s make-up day does not apply to it.
- Swaps (a weekday off, a Saturday worked) are ``CalendarException`` rows whose note gives the
  notice that fixed them.

Working periods are half-open, ``[start, end)``: 11:30 and 17:00 are not working moments.
Every function takes and returns timezone-aware datetimes (naive ones are refused with
``ValueError``); results are in Asia/Ho_Chi_Minh.

Conventions:

- ``add_working_days(start, n)``: ``start`` first moves to the next working moment; the result
  is the same time of day ``n`` working days later. When that time is not a working moment on
  the target day (its hours differ, e.g. another schedule applies), the result moves forward
  to the start of the day's next working period, or, past the day's last period, to its end:
  the deadline stays on the counted day and never gives less time than the nominal one.
- ``add_working_hours(start, h)``: the earliest moment at which ``h`` hours of working time
  have passed since ``start`` (so 16:00 + 1 h is 17:00 the same day, not 07:30 the next);
  ``h == 0`` gives ``start`` moved to the next working moment.
- ``working_time_between(a, b)``: the working time in ``[a, b)``, negative when ``b < a``.
- ``end_of_days(start, n)``: a period of ``n`` calendar days under the Civil Code 2015: it starts
  the day after ``start`` (art. 147(1)), ends at 24:00 of its last day (art. 148(1), (6)), and
  when that day is a weekly rest day or a holiday, at 24:00 of the next working day (art. 148(5)).
  The end is returned as 23:59:59.999999 local time, the last moment of the day.
- ``same_day_due(received)``: "trong ngày; sau 15 giờ thì ngày làm việc tiếp theo": the end of
  the office hours of the reception day when received on a working day by 15:00, else the end
  of the office hours of the next working day.

The calendar data is loaded once per process and kept while the version "calendar" stays the
same (``tinhso.core.reference``: database triggers change it on every write to the calendar's
tables, queryset updates included), so a change made by any process is seen at the next request.
"""

import bisect
import datetime
import threading
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext

from tinhso.core.reference import ReferenceCache
from tinhso.core.text import format_weekday_date
from tinhso.worktime.models import CalendarException, Holiday, HolidayYear, WorkSchedule

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_T = datetime.time
DEFAULT_DAY = ((_T(7, 30), _T(11, 30)), (_T(13, 30), _T(17, 0)))
DEFAULT_WEEK = {0: DEFAULT_DAY, 1: DEFAULT_DAY, 2: DEFAULT_DAY, 3: DEFAULT_DAY, 4: DEFAULT_DAY}
# Same-day procedures: a request received after 15:00 is settled the next working day (e.g.
# Law on Civil Status 2014 art. 16(1), Decree 23/2015/NĐ-CP art. 7(1)).
SAME_DAY_CUTOFF = _T(15, 0)
DAY_OFF = "day_off"
WORKING_DAY = "working_day"

# How far ahead to look for a working day before deciding the calendar has none.
_MAX_SEARCH_YEARS = 10

Periods = tuple[tuple[datetime.time, datetime.time], ...]


def _local(dt: datetime.datetime) -> datetime.datetime:
    if not isinstance(dt, datetime.datetime):
        raise TypeError("A datetime is required.")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("Naive datetimes are refused: give a timezone-aware datetime.")
    return dt.astimezone(VN_TZ)


def _as_date(d: datetime.date) -> datetime.date:
    if isinstance(d, datetime.datetime):
        return _local(d).date()
    return d


def _combine(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, at, tzinfo=VN_TZ)


def _duration(hours: float | Decimal | int) -> datetime.timedelta:
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError("Hours must be a number.")
    micro = (Decimal(str(hours)) * 3_600_000_000).to_integral_value()
    if micro < 0:
        raise ValueError("Hours cannot be negative.")
    return datetime.timedelta(microseconds=int(micro))


class WorkCalendar:
    """The calendar computed from one snapshot of the data; cheap to query, built lazily."""

    def __init__(self, schedules, exceptions: dict[datetime.date, str], confirmed=None):
        # schedules: [(valid_from | None, valid_to | None, {weekday: Periods})]
        # confirmed: {year: {date: holiday name}} for the years a province administrator confirmed.
        self._schedules = schedules
        self._exceptions = exceptions
        self._confirmed: dict[int, dict[datetime.date, str]] = dict(confirmed or {})
        self._holidays: dict[int, dict[datetime.date, str]] = dict(self._confirmed)
        self._periods: dict[datetime.date, Periods] = {}
        # ((first year, last year) covered, working-day ordinals sorted, ordinal -> position),
        # replaced as a whole so that readers in other threads see a consistent snapshot.
        self._days: tuple = (None, [], {})
        self._lock = threading.Lock()

    # Days -----------------------------------------------------------------

    def week(self, day: datetime.date) -> dict[int, Periods]:
        for valid_from, valid_to, week in self._schedules:
            if (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to):
                return week
        return DEFAULT_WEEK

    def holiday_name(self, day: datetime.date) -> str:
        year = self._holidays.get(day.year)
        if year is None:
            year = package_holidays(day.year)
            self._holidays[day.year] = year
        return year.get(day, "")

    def holidays_of(self, year: int) -> dict[datetime.date, str]:
        """The public holidays of ``year``: the confirmed ones, or else the package's guess."""
        self.holiday_name(datetime.date(year, 1, 1))
        return dict(self._holidays[year])

    def is_provisional(self, year: int) -> bool:
        """Whether ``year``'s holidays are the package's guess, not confirmed by the province."""
        return year not in self._confirmed

    def base_periods(self, day: datetime.date) -> Periods:
        """Office hours from the schedule and the public holidays only, ignoring exceptions."""
        if self.holiday_name(day):
            return ()
        return self.week(day).get(day.weekday(), ())

    def periods(self, day: datetime.date) -> Periods:
        cached = self._periods.get(day)
        if cached is not None:
            return cached
        kind = self._exceptions.get(day)
        if kind == DAY_OFF:
            result = ()
        elif kind == WORKING_DAY:
            week = self.week(day)
            result = week.get(day.weekday()) or next((week[d] for d in sorted(week) if week[d]), DEFAULT_DAY)
        else:
            result = self.base_periods(day)
        self._periods[day] = result
        return result

    # Working-day index -----------------------------------------------------

    def _cover(self, first_year: int, last_year: int) -> tuple[list[int], dict[int, int]]:
        """The working days (ordinals, sorted) and their positions, covering at least the years given."""
        years, workdays, index = self._days
        if years and years[0] <= first_year and last_year <= years[1]:
            return workdays, index
        with self._lock:
            if self._days[0]:
                first_year = min(first_year, self._days[0][0])
                last_year = max(last_year, self._days[0][1])
            day = datetime.date(first_year, 1, 1)
            end = datetime.date(last_year, 12, 31)
            workdays = []
            while day <= end:
                if self.periods(day):
                    workdays.append(day.toordinal())
                day += datetime.timedelta(days=1)
            index = {ordinal: i for i, ordinal in enumerate(workdays)}
            self._days = ((first_year, last_year), workdays, index)
        return workdays, index

    def next_working_day(self, day: datetime.date, include: bool = True) -> datetime.date:
        """The first working day on or after ``day`` (after it when ``include`` is false)."""
        ordinal = day.toordinal()
        find = bisect.bisect_left if include else bisect.bisect_right
        for extra in range(_MAX_SEARCH_YEARS):
            workdays, _index = self._cover(day.year, day.year + 1 + extra)
            i = find(workdays, ordinal)
            if i < len(workdays):
                return datetime.date.fromordinal(workdays[i])
        raise ValueError("The calendar has no working day in the next ten years.")

    def shift_working_day(self, day: datetime.date, count: int) -> datetime.date:
        """The working day ``count`` (>= 0) working days after the working day ``day``."""
        last_year = day.year + 1
        while True:
            workdays, index = self._cover(day.year, last_year)
            i = index[day.toordinal()] + count
            if i < len(workdays):
                return datetime.date.fromordinal(workdays[i])
            if last_year - day.year > _MAX_SEARCH_YEARS + count // 100:
                raise ValueError("The calendar has too few working days ahead.")
            last_year += 1 + count // 250

    def working_days_between(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """Working days from ``first`` to ``last`` inclusive."""
        workdays, _index = self._cover(first.year, last.year)
        lo = bisect.bisect_left(workdays, first.toordinal())
        hi = bisect.bisect_right(workdays, last.toordinal())
        return [datetime.date.fromordinal(o) for o in workdays[lo:hi]]

    # Moments ---------------------------------------------------------------

    def next_working_moment(self, dt: datetime.datetime) -> datetime.datetime:
        local = _local(dt)
        day, at = local.date(), local.time()
        for start, end in self.periods(day):
            if at < end:
                return local if at >= start else _combine(day, start)
        following = self.next_working_day(day, include=False)
        return _combine(following, self.periods(following)[0][0])

    def add_working_days(self, start: datetime.datetime, days: int) -> datetime.datetime:
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError("Days must be an integer.")
        if days < 0:
            raise ValueError("Days cannot be negative.")
        moment = self.next_working_moment(start)
        at = moment.time()
        target = self.shift_working_day(moment.date(), days)
        periods = self.periods(target)
        for period_start, period_end in periods:
            if at < period_end:
                return _combine(target, max(at, period_start))
        return _combine(target, periods[-1][1])

    def add_working_hours(self, start: datetime.datetime, hours) -> datetime.datetime:
        remaining = _duration(hours)
        moment = self.next_working_moment(start)
        if not remaining:
            return moment
        day = moment.date()
        while True:
            for period_start, period_end in self.periods(day):
                end = _combine(day, period_end)
                if end <= moment:
                    continue
                begin = max(moment, _combine(day, period_start))
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day = self.next_working_day(day, include=False)

    def end_of_days(self, start: datetime.datetime, days: int) -> datetime.datetime:
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError("Days must be an integer.")
        if days < 0:
            raise ValueError("Days cannot be negative.")
        last = _local(start).date() + datetime.timedelta(days=days)
        if not self.periods(last):
            last = self.next_working_day(last)
        return _combine(last, datetime.time.max)

    def same_day_due(self, received: datetime.datetime) -> datetime.datetime:
        local = _local(received)
        day = local.date()
        if not self.periods(day) or local.time() > SAME_DAY_CUTOFF:
            day = self.next_working_day(day, include=False)
        return _combine(day, self.periods(day)[-1][1])

    def working_time_between(self, a: datetime.datetime, b: datetime.datetime) -> datetime.timedelta:
        a, b = _local(a), _local(b)
        if b < a:
            return -self.working_time_between(b, a)
        total = datetime.timedelta()
        for day in self.working_days_between(a.date(), b.date()):
            for period_start, period_end in self.periods(day):
                begin = max(a, _combine(day, period_start))
                end = min(b, _combine(day, period_end))
                if end > begin:
                    total += end - begin
        return total


# Holidays and their legal basis -----------------------------------------------

LABOUR_CODE = "Bộ luật Lao động 2019"
# The yearly notices that fixed the Tết days, the day next to 2/9 and the swaps (art. 112(3)).
YEAR_NOTICES = {
    2025: "Thông báo 6150/TB-BLĐTBXH (3/12/2024) của Bộ Lao động – Thương binh và Xã hội",
    2026: "Thông báo 9441/TB-BNV (16/10/2025) của Bộ Nội vụ",
}
# Holiday names as the ``holidays`` package gives them in Vietnamese, to their legal basis.
_BASIS_BY_NAME = (
    ("Tết Dương lịch", f"{LABOUR_CODE}, điểm a khoản 1 Điều 112"),
    ("Tết Nguyên Đán", f"{LABOUR_CODE}, điểm b khoản 1 và khoản 3 Điều 112"),
    ("29 Tết", f"{LABOUR_CODE}, điểm b khoản 1 và khoản 3 Điều 112"),
    ("Ngày Chiến thắng", f"{LABOUR_CODE}, điểm c khoản 1 Điều 112"),
    ("Ngày Quốc tế Lao động", f"{LABOUR_CODE}, điểm d khoản 1 Điều 112"),
    ("Quốc khánh", f"{LABOUR_CODE}, điểm đ khoản 1 và khoản 3 Điều 112"),
    ("Ngày Giỗ Tổ Hùng Vương", f"{LABOUR_CODE}, điểm e khoản 1 Điều 112"),
    ("Ngày Văn hóa Việt Nam", "Nghị quyết 28/2026/QH16 của Quốc hội, Điều 2 (có hiệu lực từ 01/7/2026)"),
)
_DECIDED_YEARLY = ("Tết Nguyên Đán", "29 Tết", "Quốc khánh", "Ngày nghỉ (thay cho")


def package_holidays(year: int) -> dict[datetime.date, str]:
    """The ``holidays`` package's Vietnamese public holidays of ``year`` (a guess for years the
    Prime Minister has not decided yet)."""
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def holiday_basis(day: datetime.date, name: str) -> str:
    """The legal basis of the public holiday ``name`` on ``day`` (see the module docstring)."""
    basis = next((text for key, text in _BASIS_BY_NAME if key in name), "")
    if "nghỉ bù" in name and "Văn hóa" in name:
        return (
            "Không có căn cứ: Nghị quyết 28/2026/QH16 không quy định nghỉ bù cho ngày 24/11 "
            "(gói holidays tự thêm)"
        )
    if "nghỉ bù" in name:
        basis = (
            f"{basis}; {LABOUR_CODE}, khoản 3 Điều 111 (nghỉ bù)"
            if basis
            else f"{LABOUR_CODE}, khoản 3 Điều 111"
        )
    if any(key in name for key in _DECIDED_YEARLY):
        notice = YEAR_NOTICES.get(
            day.year, "quyết định hằng năm của Thủ tướng Chính phủ (chưa có cho năm này)"
        )
        basis = f"{basis}; {notice}" if basis else notice
    return basis


# The per-process cache -------------------------------------------------------


def _load(day: datetime.date | None = None) -> WorkCalendar:
    schedules = []
    for schedule in WorkSchedule.objects.prefetch_related("periods"):
        week: dict[int, list] = {}
        for period in schedule.periods.all():
            week.setdefault(period.weekday, []).append((period.start, period.end))
        schedules.append(
            (schedule.valid_from, schedule.valid_to, {d: tuple(sorted(p)) for d, p in week.items()})
        )
    exceptions = dict(CalendarException.objects.values_list("date", "kind"))
    confirmed: dict[int, dict[datetime.date, str]] = {
        year: {} for year in HolidayYear.objects.values_list("year", flat=True)
    }
    for year, day_off, name in Holiday.objects.values_list("year__year", "date", "name"):
        confirmed[year][day_off] = name
    return WorkCalendar(schedules, exceptions, confirmed)


_calendar = ReferenceCache("calendar", _load, dated=False)


def get_calendar() -> WorkCalendar:
    """The process's calendar, reloaded when the data changed (see the module docstring)."""
    return _calendar.get()


# The public functions ---------------------------------------------------------


def is_working_day(d: datetime.date) -> bool:
    """Whether ``d`` (a date, or an aware datetime taken in Vietnam time) has office hours."""
    return bool(get_calendar().periods(_as_date(d)))


def working_periods(d: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The office hours of ``d`` as aware ``(start, end)`` pairs; empty on a day off."""
    day = _as_date(d)
    return [(_combine(day, start), _combine(day, end)) for start, end in get_calendar().periods(day)]


def next_working_moment(dt: datetime.datetime) -> datetime.datetime:
    """``dt`` itself when it is inside office hours, else the start of the next working period."""
    return get_calendar().next_working_moment(dt)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The same time of day ``days`` working days later (see the module docstring)."""
    return get_calendar().add_working_days(start, days)


def add_working_hours(start: datetime.datetime, hours: float | Decimal) -> datetime.datetime:
    """The moment when ``hours`` of working time have passed since ``start``."""
    return get_calendar().add_working_hours(start, hours)


def end_of_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The end of a period of ``days`` calendar days from ``start`` (Civil Code 2015 arts. 147–148;
    see the module docstring)."""
    return get_calendar().end_of_days(start, days)


def same_day_due(received: datetime.datetime) -> datetime.datetime:
    """The due time of a same-day procedure received at ``received`` (see the module docstring)."""
    return get_calendar().same_day_due(received)


def working_time_between(a: datetime.datetime, b: datetime.datetime) -> datetime.timedelta:
    """The working time in ``[a, b)``; negative when ``b`` is before ``a``."""
    return get_calendar().working_time_between(a, b)


def is_provisional(year: int) -> bool:
    """Whether ``year``'s public holidays are still the package's guess (not confirmed)."""
    return get_calendar().is_provisional(year)


def provisional_years(start, end) -> list[int]:
    """The years from ``start`` to ``end`` (dates or aware datetimes) whose holidays are not
    confirmed: a due time computed over them may move when the province confirms the year."""
    first, last = sorted((_as_date(start).year, _as_date(end).year))
    calendar = get_calendar()
    return [year for year in range(first, last + 1) if calendar.is_provisional(year)]


@dataclass(frozen=True)
class DayOff:
    """A line of a year's calendar: a public holiday, an extra day off or a make-up working day."""

    date: datetime.date
    name: str
    kind: str  # "holiday", DAY_OFF or WORKING_DAY
    basis: str

    @property
    def weekday_date(self) -> str:
        return format_weekday_date(self.date)

    @property
    def kind_label(self) -> str:
        return {
            "holiday": gettext("Public holiday"),
            DAY_OFF: gettext("Day off (swap)"),
            WORKING_DAY: gettext("Make-up working day"),
        }[self.kind]


def year_days(year: int) -> list[DayOff]:
    """``year``'s public holidays and swaps, by date, each with its legal basis."""
    from tinhso.worktime.models import CalendarException, Holiday

    if is_provisional(year):
        found = [(day, name, holiday_basis(day, name)) for day, name in package_holidays(year).items()]
    else:
        found = Holiday.objects.filter(year__year=year).values_list("date", "name", "basis")
    # The package names a swapped weekday off "Ngày nghỉ (thay cho ngày …)": a swap, not a holiday.
    days = [
        DayOff(day, name, DAY_OFF if name.startswith("Ngày nghỉ (thay cho") else "holiday", basis)
        for day, name, basis in found
    ]
    overridden = {}
    for row in CalendarException.objects.filter(date__year=year):
        overridden[row.date] = DayOff(row.date, row.name, row.kind, row.note)
    days = [day for day in days if day.date not in overridden] + list(overridden.values())
    return sorted(days, key=lambda day: day.date)
