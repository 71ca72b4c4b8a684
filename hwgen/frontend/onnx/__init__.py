"""Float ONNX models: the graph, the activation DAG and the operator readers."""
