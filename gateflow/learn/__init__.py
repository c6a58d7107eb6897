"""The learner's views: per-wire flows, the chain rule written out, tables, the demo."""
