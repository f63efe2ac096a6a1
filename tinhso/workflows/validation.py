"""Checks a flow version must pass before it is published (and the admin runs on save)."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role
from tinhso.dossiers.status import Status
from tinhso.workflows.models import Condition


def _reachable(start, edges: dict) -> set:
    seen, todo = {start}, [start]
    while todo:
        for target in edges[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def version_errors(states: list, actions: list) -> list[str]:
    """Every problem of a flow made of ``states`` and ``actions`` (objects with the model's
    attributes; actions name their states by ``from_state``/``to_state`` keys)."""
    errors: list[str] = []
    keys = {state.key for state in states}
    names = {state.key: state.name for state in states}
    starts = [state for state in states if state.is_start]
    if len(starts) != 1:
        errors.append(_("A flow needs exactly one start state (it has %(count)s).") % {"count": len(starts)})
    if not any(state.is_end for state in states):
        errors.append(_("A flow needs at least one end state."))
    for state in states:
        if state.status_code not in Status.values:
            errors.append(
                _("State “%(state)s”: the national status code must be from 1 to 10.") % {"state": state.name}
            )
    forward, backward = defaultdict(set), defaultdict(set)
    for action in actions:
        if action.from_state not in keys or action.to_state not in keys:
            errors.append(_("Action “%(action)s” links states of another flow.") % {"action": action.name})
            continue
        forward[action.from_state].add(action.to_state)
        backward[action.to_state].add(action.from_state)
        roles = action.roles or []
        if not roles:
            errors.append(_("No role may take the action “%(action)s”.") % {"action": action.name})
        unknown = [role for role in roles if role not in Role.values]
        if unknown:
            errors.append(
                _("Action “%(action)s”: unknown role %(roles)s.")
                % {"action": action.name, "roles": ", ".join(unknown)}
            )
        bad = [item for item in action.conditions or [] if item not in Condition.values]
        if bad:
            errors.append(
                _("Action “%(action)s”: unknown condition %(conditions)s.")
                % {"action": action.name, "conditions": ", ".join(bad)}
            )
    if len(starts) == 1:
        reachable = _reachable(starts[0].key, forward)
        for key in sorted(keys - reachable):
            errors.append(_("State “%(state)s” cannot be reached from the start.") % {"state": names[key]})
    ends = [state.key for state in states if state.is_end]
    can_end: set = set()
    for end in ends:
        can_end |= _reachable(end, backward)
    for key in sorted(keys - can_end):
        errors.append(_("No end state can be reached from the state “%(state)s”.") % {"state": names[key]})
    return errors


def validate_version(version) -> None:
    """Raise a ``ValidationError`` listing every problem of a stored flow version."""
    states = list(version.states.all())
    by_pk = {state.pk: state.key for state in states}

    class _Edge:
        def __init__(self, action):
            self.name, self.roles, self.conditions = action.name, action.roles, action.conditions
            self.from_state = by_pk.get(action.from_state_id)
            self.to_state = by_pk.get(action.to_state_id)

    errors = version_errors(states, [_Edge(action) for action in version.actions.all()])
    if errors:
        raise ValidationError(errors)
