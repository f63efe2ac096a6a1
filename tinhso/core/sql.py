"""Table and column names for the plain SQL kept on hot paths, taken from the models.

``sql(template, Dossier, Procedure)`` replaces ``{Dossier}`` by the quoted table of the model and
``{Dossier.procedure}`` by the quoted column of its field (``"procedure_id"``), so renaming a model,
moving it to another app or giving a field its own ``db_column`` cannot leave a statement behind.
"""

from django.db import connection
from django.db.models import Model


class _Names:
    def __init__(self, model):
        self._model = model

    def __format__(self, spec: str) -> str:
        return format(connection.ops.quote_name(self._model._meta.db_table), spec)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return connection.ops.quote_name(self._model._meta.get_field(name).column)


def sql(template: str, *models, **values) -> str:
    """``template`` with the names of ``models`` (by class name) and ``values`` filled in (a model
    given by keyword, ``d=Dossier``, answers to ``{d}`` and ``{d.code}``)."""
    names = {model.__name__: _Names(model) for model in models}
    for key, value in values.items():
        names[key] = _Names(value) if isinstance(value, type) and issubclass(value, Model) else value
    return template.format(**names)
