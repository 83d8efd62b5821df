"""Training half of the neural package (needs the ``train`` extra: torch, nncf, onnx).

The runtime (``edge_juggler.neural.runtime``) never imports this package.
"""
