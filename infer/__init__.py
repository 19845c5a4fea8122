"""geostance inference core: actors, sentences, pair encoding, model, predictor, aggregation.

The torch-free modules (``schema``, ``actors``, ``sentences``, ``encoding``, ``aggregate``) import
nothing heavy, so that data tools and tests can use them without loading torch.
"""

__version__ = "0.1.0"
