"""Load and validate a YAML policy. Every error is reported at once, each with file:line and a
hint, before anything runs (in the manner of Osprey's validation context)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
import yaml

from cordon.errors import PolicyError
from cordon.policy.model import (
    FACTS,
    Condition,
    Effect,
    Escalate,
    OpenCase,
    Policy,
    PreserveEvidence,
    RequestWatch,
    Rule,
    Suspend,
)

# Auto-suspension without a human needs one of these conditions, at least this strict.
AUTO_SUSPEND_FLOOR = {"risk": 0.95, "threat": 0.95, "media": 0.95}


class _Errors:
    def __init__(self, source: str) -> None:
        self.source = source
        self.messages: list[str] = []

    def add(self, node: yaml.Node, message: str, hint: str = "") -> None:
        where = f"{self.source}:{node.start_mark.line + 1}"
        self.messages.append(f"{where}: {message}" + (f" (hint: {hint})" if hint else ""))


def _mapping(node: yaml.Node, errors: _Errors, what: str) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        errors.add(node, f"{what} must be a mapping")
        return None
    return {k.value: v for k, v in node.value}


def _number(node: yaml.Node, errors: _Errors, what: str) -> float | None:
    try:
        return float(node.value)
    except (TypeError, ValueError):
        errors.add(node, f"{what} must be a number, not {node.value!r}")
        return None


def _conditions(node: yaml.Node, errors: _Errors) -> tuple[Condition, ...]:
    mapping = _mapping(node, errors, "'when'") or {}
    out = []
    for fact, spec in mapping.items():
        if fact not in FACTS:
            errors.add(spec, f"unknown fact {fact!r}", f"use one of {', '.join(FACTS)}")
            continue
        bounds = _mapping(spec, errors, f"condition on {fact}") or {}
        unknown = set(bounds) - {"at_least", "below"}
        for key in sorted(unknown):
            errors.add(bounds[key], f"unknown bound {key!r} on {fact}", "use at_least or below")
        values = {k: _number(bounds[k], errors, f"{fact}.{k}") for k in ("at_least", "below") if k in bounds}
        if not values:
            errors.add(spec, f"condition on {fact} has no bound", "add at_least: or below:")
        limit = float("inf") if fact == "reports" else 1.0
        for key, value in values.items():
            if value is not None and not 0.0 <= value <= limit:
                errors.add(bounds[key], f"{fact}.{key} = {value} is outside [0, {limit}]")
        out.append(Condition(fact, values.get("at_least"), values.get("below")))
    return tuple(out)


EFFECTS = ("open_case", "suspend", "escalate", "request_watch", "preserve_evidence")
# What each effect takes, and what it looks like written out (for hints).
_PARAMS = {
    "open_case": ("queue", "priority"), "suspend": (), "escalate": ("queue", "priority"),
    "request_watch": ("queue", "priority"), "preserve_evidence": (),
}
_EXAMPLE = {
    "open_case": "open_case: {queue: threats, priority: 1}", "suspend": "suspend: {}",
    "escalate": "escalate: {queue: escalations}", "request_watch": "request_watch: {queue: watch}",
    "preserve_evidence": "preserve_evidence: {}",
}
# Names people reach for that mean something a policy cannot do.
_NOT_EFFECTS = {
    "watch": "a policy cannot place a hold (that takes a privileged person, a requesting body and "
             "an expiry); request_watch sends the case to the liaison's watch queue to decide one",
    "place_on_watch": "a policy cannot place a hold; use request_watch: {queue: watch}",
    "preserve": "the effect is called preserve_evidence: {}",
}


def _effects(node: yaml.Node, errors: _Errors) -> tuple[Effect, ...]:
    if not isinstance(node, yaml.SequenceNode):
        errors.add(node, "'then' must be a list of effects")
        return ()
    out: list[Effect] = []
    for item in node.value:
        mapping = _mapping(item, errors, "an effect") or {}
        for name, args in mapping.items():
            if name not in _PARAMS:
                errors.add(item, f"unknown effect {name!r}", _NOT_EFFECTS.get(name, f"use one of {', '.join(EFFECTS)}"))
                continue
            params = _params(name, args, errors)
            if params is None:
                continue
            effect = _effect(name, params, args, errors)
            if effect is not None:
                out.append(effect)
    return tuple(out)


def _params(name: str, args: yaml.Node, errors: _Errors) -> dict[str, yaml.Node] | None:
    """The effect's parameters, each checked to be one it takes; None when they are unusable."""
    if isinstance(args, yaml.ScalarNode) and args.value in ("", "~", "null"):
        return {}  # `suspend:` written without {}
    if not isinstance(args, yaml.MappingNode):
        errors.add(args, f"{name} takes a mapping of parameters", _EXAMPLE[name])
        return None
    params = {k.value: v for k, v in args.value}
    for key in params:
        if key not in _PARAMS[name]:
            takes = ", ".join(_PARAMS[name]) or "no parameters"
            errors.add(params[key], f"{name} has no parameter {key!r}", f"{name} takes {takes}: {_EXAMPLE[name]}")
    return params


def _effect(name: str, params: dict[str, yaml.Node], args: yaml.Node, errors: _Errors) -> Effect | None:
    if name == "suspend":
        return Suspend()
    if name == "preserve_evidence":
        return PreserveEvidence()
    kind = {"open_case": OpenCase, "escalate": Escalate, "request_watch": RequestWatch}[name]
    queue = params.get("queue")
    if queue is None and kind is OpenCase:
        errors.add(args, "open_case needs a queue", _EXAMPLE[name])
        return None
    if queue is not None and not (isinstance(queue, yaml.ScalarNode) and str(queue.value).strip()):
        errors.add(queue, f"{name}.queue must be a queue name", _EXAMPLE[name])
        return None
    values: dict = {}
    if queue is not None:
        values["queue"] = str(queue.value).strip()
    if "priority" in params:
        priority = _number(params["priority"], errors, f"{name}.priority")
        if priority is None:
            return None
        values["priority"] = priority
    return kind(**values)


def _check_auto_suspend(rule: Rule, node: yaml.Node, errors: _Errors) -> None:
    if not any(isinstance(e, Suspend) for e in rule.then):
        return
    strict = any(
        c.fact in AUTO_SUSPEND_FLOOR and c.at_least is not None and c.at_least >= AUTO_SUSPEND_FLOOR[c.fact]
        for c in rule.when
    )
    if not strict:
        floors = ", ".join(f"{k} at_least {v}" for k, v in AUTO_SUSPEND_FLOOR.items())
        errors.add(node, f"rule {rule.id!r} suspends without a human behind a weak condition",
                   f"automatic suspension needs one of: {floors}; otherwise open a case")


def parse_policy(text: str, source: str) -> Policy:
    errors = _Errors(source)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise PolicyError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is None:
        raise PolicyError(f"{source}:1: the policy is empty")
    top = _mapping(root, errors, "a policy") or {}
    rules: list[Rule] = []
    seen: set[str] = set()
    rules_node = top.get("rules")
    if rules_node is None:
        errors.add(root, "no 'rules'", "add a list of rules with id, when and then")
    elif not isinstance(rules_node, yaml.SequenceNode):
        errors.add(rules_node, "'rules' must be a list")
    else:
        for node in rules_node.value:
            spec = _mapping(node, errors, "a rule") or {}
            missing = [k for k in ("id", "when", "then") if k not in spec]
            if missing:
                errors.add(node, f"rule lacks {', '.join(missing)}")
                continue
            rule_id = str(spec["id"].value)
            if rule_id in seen:
                errors.add(spec["id"], f"duplicate rule id {rule_id!r}")
            seen.add(rule_id)
            description = spec["description"].value if "description" in spec else ""
            rule = Rule(rule_id, _conditions(spec["when"], errors), _effects(spec["then"], errors),
                        str(description), node.start_mark.line + 1)
            _check_auto_suspend(rule, node, errors)
            rules.append(rule)
    if errors.messages:
        raise PolicyError("\n".join(errors.messages))
    name = top["name"].value if "name" in top else Path(source).stem
    return Policy(str(name), tuple(rules), source)


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy: {exc.strerror}") from None
    return parse_policy(text, str(path))


def default_policy() -> Policy:
    text = resources.files(__package__).joinpath("default.yaml").read_text("utf-8")
    return parse_policy(text, "cordon/policy/default.yaml")

