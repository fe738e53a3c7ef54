"""The PyQt6 desktop application (``sargc gui``).

Plain-Python models (``models.py``, ``tiles.py``, ``settings.py``) hold the view state and
never import Qt; the widgets in the other modules render them and write user input back.
Only this package (and only when ``sargc gui`` runs) imports PyQt6.
"""
