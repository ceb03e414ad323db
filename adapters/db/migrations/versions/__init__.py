"""Migration scripts, one per schema revision: 0001_inputs, 0002_runs, 0003_ops..."""
