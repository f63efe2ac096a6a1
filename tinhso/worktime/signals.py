"""Clear the cached calendar whenever its data changes."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tinhso.worktime import calendar
from tinhso.worktime.models import CalendarException, Holiday, HolidayYear, WorkPeriod, WorkSchedule


@receiver([post_save, post_delete], sender=WorkSchedule)
@receiver([post_save, post_delete], sender=WorkPeriod)
@receiver([post_save, post_delete], sender=CalendarException)
@receiver([post_save, post_delete], sender=HolidayYear)
@receiver([post_save, post_delete], sender=Holiday)
def calendar_data_changed(sender, **kwargs):
    # Now, for this connection's own reads; again after commit, in case another request of this
    # process reloaded the old data in between.
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)
