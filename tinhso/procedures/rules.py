"""Permission rules of the procedure catalogue.

Superusers and province administrators pass every rule before its predicate runs (see
``tinhso.accounts.permissions.can``); nobody else changes the catalogue.
"""

from tinhso.accounts.permissions import rule


@rule("procedures.change")
def change_procedures(user: object, procedure: object) -> bool:
    """Only province administrators (and superusers) change the catalogue."""
    return False
