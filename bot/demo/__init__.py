"""The fieldworker demo: an offline web chat on a laptop (`python -m bot demo`, docs/demo.md)."""
