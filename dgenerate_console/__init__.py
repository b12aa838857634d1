"""The dgenerate console: a Tk IDE over ``dgenerate --shell`` (arrives with its own issue).

Never import torch, diffusers or transformers from this package.
"""
