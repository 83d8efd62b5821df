"""Export half of the neural package: PyTorch -> ONNX -> OpenVINO IR -> NNCF INT8.

Needs the ``train`` extra (torch, nncf, onnx); the runtime never imports it.
"""
