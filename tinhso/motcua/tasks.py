from django_tasks import task

from tinhso.motcua.deadlines import sweep_deadlines


@task()
def sweep_deadlines_task() -> dict[str, int]:
    """Run periodically by the task workers (e.g. every 15 minutes)."""
    return sweep_deadlines()
