"""The browser dashboard: two scenarios side by side, for a class (``effrace dashboard``).

``controls`` turns the parameter dataclasses into control specifications and control values
into scenarios (no Solara); ``runner`` steps and draws one panel's model off the page's
render thread (no Solara); ``app`` is the Solara page; ``server`` starts the Solara server
offline. docs/teachers.md explains how to use it in a class.
"""
