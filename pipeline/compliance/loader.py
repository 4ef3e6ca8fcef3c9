"""Load YAML rule packs into a ``RuleBook``: validate, compile, and report what was skipped.

A bad rule never stops the others: it is skipped and reported in ``RuleBook.problems`` with its
file, rule id and the problem. ``RuleBook.version`` is the sha256 of the packs' content, so
results stored with it are re-evaluated when the rules change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.compliance.lexicons import LexiconError, expand_references, resolve_lexicons
from pipeline.compliance.matchers import PhraseMatcher, RegexMatcher
from pipeline.compliance.metadata import MetadataFilter
from pipeline.compliance.operators import Build, CompileError, Node
from pipeline.compliance.rule import Example, Rule, Turn
from pipeline.compliance.scanner import ScannerSet
from pipeline.compliance.schema import ConditionSpec, PackHeader, RuleSpec, TurnSpec
from pipeline.compliance.scope import Anchor, Scope, Window

MAX_PACK_NODES = 200_000  # YAML nodes a pack may expand to (the bundled ones: a few thousand)
MAX_PACK_DEPTH = 200  # nesting of YAML nodes (a self-referencing alias never ends)
PACK_SUFFIXES: tuple[str, ...] = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadProblem:
    """Why a pack or a rule was skipped."""

    file: str
    rule_id: str | None  # None: the whole file
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.rule_id}" if self.rule_id else self.file
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class RuleBook:
    """All rules loaded from a folder of packs."""

    rules: tuple[Rule, ...]
    problems: tuple[LoadProblem, ...]
    version: str  # sha256 hex of the packs' paths and bytes

    def for_language(self, language: str) -> tuple[Rule, ...]:
        """The rules that apply to a transcript in ``language`` ("zh", "en")."""
        return tuple(r for r in self.rules if r.language in (language, "any"))

    def get(self, rule_id: str, language: str) -> Rule | None:
        """One rule by id and language, or None."""
        return next((r for r in self.for_language(language) if r.id == rule_id), None)


def pack_files(rules_dir: Path) -> list[Path]:
    """The YAML packs under ``rules_dir`` (recursively, sorted); a single file is allowed."""
    if rules_dir.is_file():
        return [rules_dir]
    return sorted(p for p in rules_dir.rglob("*") if p.suffix in PACK_SUFFIXES and p.is_file())


def rules_version(files: list[Path], root: Path) -> str:
    """sha256 over each pack's relative path and content."""
    digest = hashlib.sha256()
    for path in files:
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_rulebook(rules_dir: Path) -> RuleBook:
    """Load every pack under ``rules_dir``; bad packs and rules are skipped and reported."""
    rules_dir = Path(rules_dir)
    problems: list[LoadProblem] = []
    if not rules_dir.exists():
        return RuleBook((), (LoadProblem(str(rules_dir), None, "no such file or folder"),), "")
    files = pack_files(rules_dir)
    if not files:
        problems.append(LoadProblem(str(rules_dir), None, "no .yaml rule packs found"))
    rules: list[Rule] = []
    seen: dict[tuple[str, str], str] = {}
    shared = MatcherPool()
    for path in files:
        for item in _load_pack(path, problems, shared):
            key = (item.id, item.language)
            if key in seen:
                problems.append(
                    LoadProblem(
                        str(path), item.id, f"duplicate rule id for {item.language} ({seen[key]})"
                    )
                )
                continue
            seen[key] = str(path)
            rules.append(item)
    return RuleBook(tuple(rules), tuple(problems), rules_version(files, rules_dir))


class _DuplicateKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that notes duplicate mapping keys (plain YAML keeps the last one
    silently, so a second ``anchor:`` in a condition would quietly replace the first)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []  # (key, 1-based line)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        if "<<" not in keys:  # merge keys may override on purpose
            seen: set[str] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        self.duplicates.append((key_node.value, key_node.start_mark.line + 1))
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def expanded_size(node: yaml.Node, limit: int = MAX_PACK_NODES) -> int:
    """How many nodes the YAML graph holds once every alias is expanded, counted up to just
    past ``limit`` (an alias nested in aliases multiplies: nine levels of nine is 9^9)."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node, depth: int) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if depth > MAX_PACK_DEPTH:
            return limit + 1
        total = 1
        if isinstance(current, yaml.SequenceNode):
            children: list[yaml.Node] = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [part for pair in current.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child, depth + 1)
            if total > limit:
                break
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(node, 0)


def read_pack_yaml(text: str) -> tuple[Any, list[tuple[str, int]], list[yaml.Node]]:
    """Parse a pack: (data, duplicate keys as (key, line), each rule's YAML node)."""
    loader = _DuplicateKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and expanded_size(node) > MAX_PACK_NODES:
            raise yaml.YAMLError(
                f"the pack expands to more than {MAX_PACK_NODES:,} YAML nodes (nested aliases): "
                "refused"
            )
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    rule_nodes: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "rules" and isinstance(value_node, yaml.SequenceNode):
                rule_nodes = list(value_node.value)
    return data, loader.duplicates, rule_nodes


def _line_of(node: yaml.Node, loc: tuple[str | int, ...]) -> int:
    """The 1-based line of the deepest YAML node that ``loc`` (a pydantic error location
    inside ``node``) reaches."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if 0 <= part < len(node.value) else None
        else:
            child = None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _load_pack(path: Path, problems: list[LoadProblem], shared: MatcherPool) -> list[Rule]:
    file = str(path)
    try:
        data, duplicates, rule_nodes = read_pack_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(LoadProblem(file, None, f"cannot read YAML: {exc}"))
        return []
    # a rule holding a duplicate key is skipped (the pack-level ones skip the pack)
    spans = [(n.start_mark.line + 1, n.end_mark.line + 1) for n in rule_nodes]
    spoilt: dict[int, str] = {}
    for key, line in duplicates:
        position = next((i for i, (a, b) in enumerate(spans) if a <= line <= b), None)
        reason = (
            f"duplicate key '{key}' at line {line}: YAML would keep only the last one "
            "(nest the conditions under any / all)"
        )
        if position is None:
            problems.append(LoadProblem(file, None, reason))
            return []
        spoilt.setdefault(position, reason)
    if not isinstance(data, dict):
        problems.append(
            LoadProblem(file, None, "a pack must be a mapping with pack/language/rules")
        )
        return []
    try:
        header = PackHeader.model_validate(
            {**data, "rules": [r if isinstance(r, dict) else {} for r in data.get("rules") or []]}
            if isinstance(data.get("rules"), list)
            else data
        )
    except ValidationError as exc:
        problems.append(LoadProblem(file, None, format_validation_error(exc)))
        return []
    try:
        lexicons = resolve_lexicons(header.lexicons)
    except LexiconError as exc:
        problems.append(LoadProblem(file, None, f"lexicons: {exc}"))
        return []
    rules = []
    for position, raw in enumerate(data["rules"]):
        rule_id = raw.get("id") if isinstance(raw, dict) else None
        label = str(rule_id) if rule_id else f"rules[{position}]"
        if not isinstance(raw, dict):
            problems.append(LoadProblem(file, label, "a rule must be a mapping"))
            continue
        if position in spoilt:
            problems.append(LoadProblem(file, label, spoilt[position]))
            continue
        try:
            spec = RuleSpec.model_validate(expand_references(raw, lexicons))
            if spec.enabled:
                rules.append(compile_rule(spec, header, file, shared))
        except ValidationError as exc:
            problems.append(
                LoadProblem(file, label, format_validation_error(exc, rule_nodes[position]))
            )
        except (CompileError, LexiconError) as exc:
            problems.append(LoadProblem(file, label, str(exc)))
    return rules


def format_validation_error(exc: ValidationError, node: yaml.Node | None = None) -> str:
    """One part per pydantic error: ``location: message``, or ``location (line N): message``
    when ``node`` is the YAML of what was validated."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        if loc and node is not None:
            loc = f"{loc} (line {_line_of(node, err['loc'])})"
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


class MatcherPool:
    """One matcher per distinct phrase list / regex within a load, so that conditions repeating
    one (an anchor shared by several rules) are matched once per call (``CallContext``)."""

    def __init__(self) -> None:
        self._phrases: dict[tuple, PhraseMatcher] = {}
        self._regexes: dict[tuple, RegexMatcher] = {}
        self._scanners = ScannerSet()  # every phrase key of the load, found in one pass

    def phrase(
        self, items: tuple[tuple[str, ...], ...], mode: str, threshold: float, negation: bool
    ) -> PhraseMatcher:
        """The shared ``PhraseMatcher`` for these arguments."""
        key = (items, mode, threshold, negation)
        if key not in self._phrases:
            self._phrases[key] = PhraseMatcher(items, mode, threshold, negation, self._scanners)
        return self._phrases[key]

    def regex(self, pattern: str, ignore_case: bool, negation: bool) -> RegexMatcher:
        """The shared ``RegexMatcher`` for these arguments (raises ``re.error``)."""
        key = (pattern, ignore_case, negation)
        if key not in self._regexes:
            self._regexes[key] = RegexMatcher(pattern, ignore_case, negation)
        return self._regexes[key]


def compile_rule(
    spec: RuleSpec, header: PackHeader, source: str, shared: MatcherPool | None = None
) -> Rule:
    """A validated rule spec as a compiled ``Rule`` (matchers taken from ``shared``)."""
    shared = MatcherPool() if shared is None else shared
    secondary, within_s, each = None, None, False
    if spec.forbid is not None or spec.require is not None:
        kind = "forbid" if spec.forbid is not None else "require"
        primary = compile_condition(spec.forbid or spec.require, shared)  # type: ignore[arg-type]
    elif spec.trigger is not None:
        kind = "trigger"
        primary = compile_condition(spec.trigger.when, shared)
        secondary = compile_condition(spec.trigger.then, shared)
        within_s, each = spec.trigger.within_s, spec.trigger.each
    else:
        assert spec.order is not None
        kind = "order"
        primary = compile_condition(spec.order.then, shared)
        secondary = compile_condition(spec.order.first, shared)
    examples = tuple(
        Example(expect, tuple(_turn(t) for t in turns))
        for expect, group in (("pass", spec.examples.pass_), ("fail", spec.examples.fail))
        for turns in group
    )
    return Rule(
        id=spec.id,
        title=spec.title,
        severity=spec.severity,
        weight=spec.weight,
        message=spec.message,
        language=header.language,
        pack=header.pack,
        source=source,
        kind=kind,
        primary=primary,
        secondary=secondary,
        within_s=within_s,
        each=each,
        responsible=spec.responsible,
        max_violations=spec.max_violations,
        examples=examples,
        metadata=None if spec.metadata is None else MetadataFilter.from_spec(spec.metadata),
    )


def _turn(spec: TurnSpec) -> Turn:
    for speaker in ("agent", "customer", "unknown"):
        text = getattr(spec, speaker)
        if text is not None:
            return Turn(speaker, text, spec.at, spec.dur, spec.suspect, tuple(spec.pii))
    raise AssertionError("validated turn without a speaker")


def compile_condition(spec: ConditionSpec, shared: MatcherPool | None = None) -> Node:
    """A validated condition as a tree of operator nodes (matchers taken from ``shared``):
    its scope compiled here, its operator by the operator's own compile function."""
    shared = MatcherPool() if shared is None else shared
    window = Window(**spec.window.model_dump()) if spec.window else None
    anchor = None
    if spec.anchor is not None:
        anchor = Anchor(
            compile_condition(spec.anchor.of, shared),
            spec.anchor.relation,
            spec.anchor.seconds,
            spec.anchor.absent,
            spec.anchor.whole_turn,
            spec.anchor.same_digits,
        )
    operator, value = spec.operator()
    build = Build(
        spec, Scope(spec.speaker, window, anchor), shared, lambda c: compile_condition(c, shared)
    )
    return operator.compile(value, build)


def condition_from_yaml(data: dict[str, Any]) -> Node:
    """Compile one condition given as a mapping (tests and tools)."""
    return compile_condition(ConditionSpec.model_validate(data))
