"""The hand-set order of an event's lists: taxonomy terms, ticket types, rooms, tracks."""

from __future__ import annotations

from conference.extensions import db


def renumber(items: list) -> None:
    """Give ``items`` the positions 0, 1, 2… in the order of the list (flushed)."""
    for position, item in enumerate(items):
        item.position = position
    db.session.flush()


def move(items: list, item, direction: int) -> None:
    """Swap ``item`` with its neighbour above (-1) or below (+1); the ends stay put."""
    if direction not in (-1, 1):
        raise ValueError("direction is -1 or +1")
    index = items.index(item)
    target = index + direction
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    renumber(items)
