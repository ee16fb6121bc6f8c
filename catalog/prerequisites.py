"""The prerequisite graph of practices: which practice must come before which, and no cycles.

Pure: plain slugs in, plain slugs out, so the admin form, the import and the seed test share
one rule, and the roadmap can rely on it (a roadmap orders work so a practice never precedes
one it requires, which only has a meaning when the requirements never loop back).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def cycle_through(
    slug: str, prerequisites: Iterable[str], graph: Mapping[str, Iterable[str]]
) -> list[str]:
    """The cycle that giving practice `slug` these `prerequisites` would close, else [].

    `graph` maps each practice to the practices it requires as stored now; `slug`'s own entry
    is replaced by `prerequisites`. The cycle is returned as a path that starts and ends at
    `slug` ("a -> b -> a"), following the first offending edge in sorted order, so the same
    graph always gives the same message.
    """
    edges = {key: sorted(set(values)) for key, values in graph.items()}
    edges[slug] = sorted(set(prerequisites))
    # Depth first from each prerequisite, looking for a way back to `slug`.
    path: list[str] = [slug]
    seen: set[str] = set()

    def visit(node: str) -> bool:
        if node == slug:
            return True
        if node in seen:
            return False
        seen.add(node)
        path.append(node)
        for required in edges.get(node, ()):
            if visit(required):
                return True
        path.pop()
        return False

    for required in edges[slug]:
        if visit(required):
            return [*path, slug]
    return []


def describe_cycle(cycle: list[str]) -> str:
    """A cycle as a catalogue manager reads it."""
    return (
        "These prerequisites would make a cycle ("
        + " -> ".join(cycle)
        + "): a practice cannot require itself, directly or through others."
    )
