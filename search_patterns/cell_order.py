"""In which order to fly the legs of a parallel-track search (boustrophedon cells).

Legs cut by holes, no-fly zones and bays group into *cells*: runs of consecutive tracks
with one leg each, where a plain snake is the best way through. What remains is choosing
the order of the cells and where to enter each (4 ways: first or last track, either end),
a small travelling-salesman problem. We start greedily (nearest flyable entry next), then
improve the sequence with 2-opt and relocation moves on straight-line transit distances,
and keep the improvement only if its *routed* transit is really shorter. A greedy order
alone tends to leave small cells behind and come back for them across the whole area.
"""

from __future__ import annotations

import math

import numpy as np

from search_patterns.routing import Router

# Connections compared by routed length when choosing the next cell greedily.
CANDIDATES = 4
# Local search stops after this many passes without... or at all (it converges in a few).
MAX_PASSES = 25
# Above this many cells the O(n²) relocation pass is skipped (2-opt still runs).
RELOCATE_MAX_CELLS = 150

Cell = list[tuple[int, int]]
Orientation = tuple[bool, int]  # (enter from the last track, side of the first leg entered)
ORIENTATIONS: tuple[Orientation, ...] = ((False, 0), (False, 1), (True, 0), (True, 1))


def boustrophedon_cells(raws: list[np.ndarray]) -> list[Cell]:
    """Group legs into cells: runs of consecutive tracks with exactly one overlapping leg each.

    ``raws`` holds, per track, the (k, 2) along-track intervals of its legs. Where a track
    splits around a hole or joins again, a new cell starts. Returns lists of (track, leg).

    >>> boustrophedon_cells([np.array([[0., 10.]]), np.array([[0., 4.], [6., 10.]]), np.array([[0., 10.]])])
    [[(0, 0)], [(1, 0)], [(1, 1)], [(2, 0)]]
    >>> boustrophedon_cells([np.array([[0., 10.]]), np.array([[1., 9.]])])
    [[(0, 0), (1, 0)]]
    """
    owner: dict[tuple[int, int], int] = {}
    cells: list[Cell] = []
    for t, iv in enumerate(raws):
        prev = raws[t - 1] if t > 0 else np.zeros((0, 2))
        for k, (r0, r1) in enumerate(iv):
            over_prev = [j for j, (p0, p1) in enumerate(prev) if p0 <= r1 and r0 <= p1]
            if len(over_prev) == 1:
                j = over_prev[0]
                p0, p1 = prev[j]
                over_next = [m for m, (q0, q1) in enumerate(iv) if q0 <= p1 and p0 <= q1]
                if len(over_next) == 1:
                    c = owner[(t - 1, j)]
                    cells[c].append((t, k))
                    owner[(t, k)] = c
                    continue
            owner[(t, k)] = len(cells)
            cells.append([(t, k)])
    return cells


def snake(cell: Cell, tracks: list[np.ndarray], orientation: Orientation) -> list[np.ndarray]:
    """The points of a cell flown as a snake: leg ends in flying order."""
    from_last, side = orientation
    legs = cell[::-1] if from_last else cell
    pts: list[np.ndarray] = []
    for i, (t, k) in enumerate(legs):
        e = side if i % 2 == 0 else 1 - side
        seg = tracks[t][k]
        pts.append(seg[e])
        pts.append(seg[1 - e])
    return pts


class _Tour:
    """Entry and exit points of every (cell, orientation), and the moves of the local search."""

    def __init__(self, cells: list[Cell], tracks: list[np.ndarray]) -> None:
        n = len(cells)
        self.ent = np.zeros((n, 4, 2))
        self.ext = np.zeros((n, 4, 2))
        for c, cell in enumerate(cells):
            for o, ori in enumerate(ORIENTATIONS):
                pts = snake(cell, tracks, ori)
                self.ent[c, o], self.ext[c, o] = pts[0], pts[-1]
        # rev[c, o]: the orientation flying the same snake backwards
        self.rev = np.zeros((n, 4), int)
        for c in range(n):
            for o in range(4):
                d = (np.hypot(*(self.ent[c] - self.ext[c, o]).T) + np.hypot(*(self.ext[c] - self.ent[c, o]).T))
                self.rev[c, o] = int(np.argmin(d))

    def d(self, a: np.ndarray, b: np.ndarray) -> float:
        return math.hypot(a[0] - b[0], a[1] - b[1])

    def cost(self, seq: list[tuple[int, int]]) -> float:
        return sum(self.d(self.ext[a], self.ent[b]) for a, b in zip(seq, seq[1:], strict=False))

    def two_opt(self, seq: list[tuple[int, int]]) -> bool:
        """Reverse a stretch of cells (each flown backwards) where that shortens transit."""
        n = len(seq)
        improved = False
        for i in range(1, n - 1):
            a_ext = self.ext[seq[i - 1]]
            for j in range(i + 1, n):
                si, sj = seq[i], seq[j]
                before = self.d(a_ext, self.ent[si])
                after = self.d(a_ext, self.ext[sj])
                if j + 1 < n:
                    nxt = self.ent[seq[j + 1]]
                    before += self.d(self.ext[sj], nxt)
                    after += self.d(self.ent[si], nxt)
                if after < before - 1e-6:
                    seq[i:j + 1] = [(c, int(self.rev[c, o])) for c, o in reversed(seq[i:j + 1])]
                    improved = True
                    a_ext = self.ext[seq[i - 1]]
        return improved

    def relocate(self, seq: list[tuple[int, int]]) -> bool:
        """Move one cell (in its best orientation) to where it costs least."""
        improved = False
        k = 1
        while k < len(seq):
            c, o = seq[k]
            prev_ext = self.ext[seq[k - 1]]
            gain = self.d(prev_ext, self.ent[c, o])
            if k + 1 < len(seq):
                gain += self.d(self.ext[c, o], self.ent[seq[k + 1]]) - self.d(prev_ext, self.ent[seq[k + 1]])
            rest = seq[:k] + seq[k + 1:]
            best = (gain - 1e-6, None, None)
            for p in range(len(rest)):  # insert after rest[p]
                pe = self.ext[rest[p]]
                ne = self.ent[rest[p + 1]] if p + 1 < len(rest) else None
                base = self.d(pe, ne) if ne is not None else 0.0
                for oo in range(4):
                    add = self.d(pe, self.ent[c, oo]) + (self.d(self.ext[c, oo], ne) if ne is not None else 0.0) - base
                    if add < best[0]:
                        best = (add, p, oo)
            if best[1] is not None:
                rest.insert(best[1] + 1, (c, best[2]))
                seq[:] = rest
                improved = True
            k += 1
        return improved


def _greedy(cells: list[Cell], tour: _Tour, router: Router, first: tuple[int, int]) -> list[tuple[int, int]]:
    seq = [first]
    todo = set(range(len(cells))) - {first[0]}
    pos = tour.ext[first]
    while todo:
        idx = np.array(sorted(todo))
        ents = tour.ent[idx].reshape(-1, 2)
        dist = np.hypot(*(ents - pos).T)
        order = np.argsort(dist, kind="stable")
        here = (float(pos[0]), float(pos[1]))
        best = None
        for o in order[:CANDIDATES]:
            c, ori = int(idx[o // 4]), int(o % 4)
            target = (float(tour.ent[c, ori, 0]), float(tour.ent[c, ori, 1]))
            d = float(dist[o]) if router.visible(here, target) else router.distance(here, target)
            if best is None or d < best[0] - 1e-9:
                best = (d, c, ori)
        if not math.isfinite(best[0]):
            for o in order[CANDIDATES:]:
                c, ori = int(idx[o // 4]), int(o % 4)
                if math.isfinite(router.distance(here, (float(tour.ent[c, ori, 0]), float(tour.ent[c, ori, 1])))):
                    best = (0.0, c, ori)
                    break
            else:
                c, ori = int(idx[order[0] // 4]), int(order[0] % 4)
                router.path(here, (float(tour.ent[c, ori, 0]), float(tour.ent[c, ori, 1])))  # raises, saying why
        _, c, ori = best
        seq.append((c, ori))
        todo.discard(c)
        pos = tour.ext[c, ori]
    return seq


def _path(seq: list[tuple[int, int]], cells: list[Cell], tracks: list[np.ndarray],
          router: Router) -> tuple[list[tuple[float, float]], float]:
    """The flown polyline of a cell sequence, and its routed transit length between cells."""
    path: list[tuple[float, float]] = []
    pos: tuple[float, float] | None = None
    transit = 0.0
    for c, o in seq:
        for j, p in enumerate(snake(cells[c], tracks, ORIENTATIONS[o])):
            q = (float(p[0]), float(p[1]))
            if pos is not None and j % 2 == 0:
                route = router.path(pos, q)
                if j == 0:
                    transit += sum(math.dist(a, b) for a, b in zip(route, route[1:], strict=False))
                path.extend(route[1:])
            else:
                path.append(q)
            pos = q
    return path, transit


def order_legs(tracks: list[np.ndarray], raws: list[np.ndarray], router: Router,
               start: np.ndarray | None) -> list[tuple[float, float]]:
    """Fly every leg once: a snake through each cell, cells in a short order.

    The first cell is entered at an end of the first or last track, the one nearest
    ``start`` (the launch point). Returns the local path including routed connections.
    """
    cells = boustrophedon_cells(raws)
    if not cells:
        return []
    tour = _Tour(cells, tracks)
    first_t = min(c[0][0] for c in cells)
    last_t = max(c[-1][0] for c in cells)
    corners = [(c, o) for c in range(len(cells)) for o, (from_last, _) in enumerate(ORIENTATIONS)
               if (not from_last and cells[c][0][0] == first_t) or (from_last and cells[c][-1][0] == last_t)]
    if start is None:
        first = corners[0]
    else:
        first = min(corners, key=lambda co: float(np.hypot(*(tour.ent[co] - start))))
    greedy = _greedy(cells, tour, router, first)
    best_path, best_transit = _path(greedy, cells, tracks, router)
    if len(cells) > 2:
        seq = list(greedy)
        for _ in range(MAX_PASSES):
            moved = tour.two_opt(seq)
            if len(cells) <= RELOCATE_MAX_CELLS:
                moved = tour.relocate(seq) or moved
            if not moved:
                break
        if seq != greedy:
            path, transit = _path(seq, cells, tracks, router)
            if transit < best_transit - 1e-6:
                best_path = path
    out: list[tuple[float, float]] = []
    for p in best_path:
        if not out or math.dist(out[-1], p) > 1e-6:
            out.append(p)
    return out
