"""Headless mission runner: plan → upload → fly → video → detection → coverage → report, no Qt."""
