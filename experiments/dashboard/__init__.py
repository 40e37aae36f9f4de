"""The browser dashboard: two scenarios side by side, for a class (``effrace dashboard``).

``controls`` turns the parameter dataclasses into control specifications and control values
into scenarios; ``series`` observes a model each step and says what each figure shows;
``plots`` turns that into plotly.js figures and per-step deltas; ``readouts`` words the
readouts; ``runner`` steps a session's two models in one background thread (none of these
import Solara); ``plot`` holds the page's two live widgets (the browser draws with plotly.js);
``app`` is the Solara page; ``server`` starts the Solara server offline. docs/teachers.md
explains how to use it in a class.
"""
