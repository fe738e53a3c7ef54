"""Non-maximum suppression and merging of boxes from several detectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detection.types import Box


def nms(boxes: Sequence[Box], iou_threshold: float = 0.4) -> list[Box]:
    """Keep the best-scoring box of each overlapping group (greedy, highest score first)."""
    if not boxes:
        return []
    arr = np.array([[b.x, b.y, b.x + b.w, b.y + b.h] for b in boxes], float)
    scores = np.array([b.score for b in boxes], float)
    order = np.argsort(-scores, kind="stable")
    areas = (arr[:, 2] - arr[:, 0]) * (arr[:, 3] - arr[:, 1])
    keep: list[int] = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        xx1 = np.maximum(arr[i, 0], arr[rest, 0])
        yy1 = np.maximum(arr[i, 1], arr[rest, 1])
        xx2 = np.minimum(arr[i, 2], arr[rest, 2])
        yy2 = np.minimum(arr[i, 3], arr[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        union = areas[i] + areas[rest] - inter
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
        order = rest[iou <= iou_threshold]
    return [boxes[i] for i in keep]


def merge_detectors(groups: Sequence[Sequence[Box]], iou_threshold: float = 0.3) -> list[Box]:
    """Merge the answers of several detectors: overlapping boxes become one whose score is the
    noisy-OR of the detectors' scores (two detectors agreeing is stronger than either alone) and
    whose detector name lists them all."""
    flat = sorted((b for g in groups for b in g), key=lambda b: -b.score)
    used = [False] * len(flat)
    out: list[Box] = []
    for i, b in enumerate(flat):
        if used[i]:
            continue
        used[i] = True
        names = [b.detector]
        miss = {b.detector: 1.0 - b.score}
        for j in range(i + 1, len(flat)):
            if not used[j] and b.iou(flat[j]) > iou_threshold:
                used[j] = True
                d = flat[j].detector
                if d not in miss:
                    names.append(d)
                    miss[d] = 1.0 - flat[j].score
                else:
                    miss[d] = min(miss[d], 1.0 - flat[j].score)
        score = 1.0 - float(np.prod(list(miss.values())))
        out.append(Box(b.x, b.y, b.w, b.h, score, "+".join(sorted(names)), b.label))
    return out
