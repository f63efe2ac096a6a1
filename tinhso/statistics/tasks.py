from django_tasks import task

from tinhso.statistics.rollup import drain


@task()
def update_rollups(batch: int = 1000) -> int:
    """Count the dossier events not counted yet (run periodically by the task workers)."""
    return drain(batch)
