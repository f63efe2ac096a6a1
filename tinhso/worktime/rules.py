"""Who may change the working calendar."""

from tinhso.accounts.permissions import rule


@rule("worktime.change")
def change_calendar(user: object, obj: object) -> bool:
    """Only province administrators (let through before any rule runs) change office hours and days off."""
    return False
