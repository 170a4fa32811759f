"""The review desk: SWAD reviewers read, compare and approve answers in a browser (docs/editing-content.md)."""
