"""geostance training: config, corpus tools, the training loop and evaluation. Imports from ``infer``."""
