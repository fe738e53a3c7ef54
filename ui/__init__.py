"""The application layer: the PyQt6 desktop app (the only package that imports Qt) and the
``sargc`` command line. Qt is imported lazily, so headless commands run without a display.
"""
