"""Background tasks of the one-stop forms (django-tasks, database-backed queue)."""

from django_tasks import task


@task()
def sign_form(issued_id: int) -> str:
    """Print and sign a form an action issued (``actions.sign_issued_form``); returns its digest."""
    from tinhso.official_forms.actions import sign_issued_form

    return sign_issued_form(issued_id).sha256
