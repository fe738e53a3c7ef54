"""Coverage layers under the name the mission runner looks for.

The writer lives in :mod:`search_patterns.formats.coverage_layers`; this is the short
import path (``search_patterns.layers.write_layers(result, folder)``).
"""

from __future__ import annotations

from search_patterns.formats.coverage_layers import (
    LAYER_FILES,
    build_layers,
    layers_to_kml,
    read_polygons,
    write_coverage_outputs,
)

write_layers = write_coverage_outputs

__all__ = ["LAYER_FILES", "build_layers", "layers_to_kml", "read_polygons", "write_coverage_outputs", "write_layers"]
