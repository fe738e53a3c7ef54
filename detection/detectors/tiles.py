"""Overlapping tiles (SAHI-style): small people stay big enough for the network's input."""

from __future__ import annotations


def tile_origins(length: int, tile: int, overlap: float) -> list[int]:
    """Start offsets of tiles of ``tile`` px covering ``length`` px with at least ``overlap`` shared.

    >>> tile_origins(1920, 640, 0.2)
    [0, 427, 853, 1280]
    >>> tile_origins(300, 640, 0.2)
    [0]
    """
    if length <= tile:
        return [0]
    step = tile * (1.0 - overlap)
    n = int(-(-(length - tile) // step)) + 1
    return [round(i * (length - tile) / (n - 1)) for i in range(n)]


def tiles(width: int, height: int, tile: int, overlap: float = 0.2) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) tiles covering the image."""
    return [(x, y, min(tile, width - x), min(tile, height - y))
            for y in tile_origins(height, tile, overlap) for x in tile_origins(width, tile, overlap)]
